import AnnealCore
import AnnealStore
import Foundation
import Synchronization

/// Runs hyperparameter tuning jobs: keeps `MaxParallelTrainingJobs` trials running, asks the
/// strategy for new configurations from the results so far, applies early stopping (median rule or
/// Hyperband), honours the completion criteria and `MaxRuntimeInSeconds`, and finishes the job.
///
/// Everything it knows is in the database (the tuning job and its child training jobs, named
/// deterministically from the seed and trial number), so after a restart it carries on where it
/// was without losing or repeating a trial. Decisions are the core's; this carries them out.
public final class Tuner: Sendable {
    public struct Dependencies: Sendable {
        public var tuningJobs: TuningJobStore
        public var trainingJobs: TrainingJobStore
        public var accountID: String
        public var region: String
        /// The strategy for a tuning job's definition (Bayesian, Random, Grid; Hyperband proposes randomly).
        public var strategy: @Sendable (TuningJobSpec.Strategy, [HyperParameterRange]) -> any TuningStrategy
        /// The early-stopping rule of a tuning job, if it has one.
        public var stoppingRule: @Sendable (TuningJobSpec) -> (any EarlyStoppingRule)?
        /// Every value a training job emitted for a metric, oldest first.
        public var series: @Sendable (_ job: String, _ metric: String) -> [Double]
        /// A child job was stored: place it (the supervisor's launch).
        public var launch: @Sendable (String) -> Void
        /// A child job was moved to Stopping: stop its instances.
        public var stop: @Sendable (String) -> Void
        public var clock: @Sendable () -> Double
        public var note: @Sendable (String, [(String, String)]) -> Void

        public init(tuningJobs: TuningJobStore, trainingJobs: TrainingJobStore, accountID: String, region: String,
                    strategy: @escaping @Sendable (TuningJobSpec.Strategy, [HyperParameterRange]) -> any TuningStrategy,
                    stoppingRule: @escaping @Sendable (TuningJobSpec) -> (any EarlyStoppingRule)?,
                    series: @escaping @Sendable (String, String) -> [Double], launch: @escaping @Sendable (String) -> Void,
                    stop: @escaping @Sendable (String) -> Void, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                    note: @escaping @Sendable (String, [(String, String)]) -> Void = { _, _ in }) {
            self.tuningJobs = tuningJobs
            self.trainingJobs = trainingJobs
            self.accountID = accountID
            self.region = region
            self.strategy = strategy
            self.stoppingRule = stoppingRule
            self.series = series
            self.launch = launch
            self.stop = stop
            self.clock = clock
            self.note = note
        }
    }

    let dependencies: Dependencies
    private let wakeup = DispatchSemaphore(value: 0)
    private let period: Double

    public init(_ dependencies: Dependencies, period: Double = 1) {
        self.dependencies = dependencies
        self.period = period
    }

    /// Starts the loop (after a restart it resumes every unfinished tuning job).
    public func start() {
        let thread = Thread { [self] in
            while true {
                tick()
                _ = wakeup.wait(timeout: .now() + period)
            }
        }
        thread.name = "anneal-tuner"
        thread.start()
    }

    /// Something changed (a tuning job was created or stopped, a trial ended): look again soon.
    public func wake() { wakeup.signal() }

    func tick() {
        for job in (try? dependencies.tuningJobs.unfinished()) ?? [] {
            process(job.name)
        }
    }

    func process(_ name: String) {
        guard let job = try? dependencies.tuningJobs.job(named: name),
              let children = try? dependencies.trainingJobs.children(ofTuningJob: job.arn) else { return }
        let trials = TuningJob.trials(of: job, children: children)
        let running = trials.filter { $0.job.status == .inProgress || $0.job.status == .stopping }
        let now = dependencies.clock()

        if job.status == .stopping {
            stopTrials(running.filter { $0.job.status == .inProgress }, of: job, early: false)
            if running.isEmpty { finish(name, .stopped, at: now) }
            return
        }
        if !job.earlyStopped.isEmpty || job.spec.earlyStopping || job.spec.strategy == .hyperband {
            applyEarlyStopping(job, trials: trials, running: running)
        }
        var completion = job.completion ?? Self.completion(job, trials: trials, now: now)
        if completion == .maxRuntime || completion == .target || completion == .notImproving {
            stopTrials(running.filter { $0.job.status == .inProgress }, of: job, early: false)
        }
        if completion == nil {
            completion = launchTrials(job, trials: trials, running: running.count)
        }
        if let completion, job.completion == nil {
            _ = try? dependencies.tuningJobs.update(named: name) { tuning in
                tuning.completion = completion
                if completion == .notImproving || completion == .target || completion == .converged { tuning.convergenceTime = now }
                tuning.lastModifiedTime = now
            }
            dependencies.note("tuning_job_completing", [("tuning_job", name), ("reason", completion.rawValue)])
        }
        if completion != nil, running.isEmpty {
            let refreshed = (try? dependencies.trainingJobs.children(ofTuningJob: job.arn)) ?? children
            guard !refreshed.contains(where: { $0.status == .inProgress || $0.status == .stopping }) else { return }
            let final = TuningJob.trials(of: job, children: refreshed)
            if final.contains(where: { $0.objectiveStatus == "Succeeded" }) || final.isEmpty {
                finish(name, .completed, at: now)
            } else {
                finish(name, .failed, at: now, reason: "All training jobs failed or reported no objective metric "
                    + "'\(job.spec.objectiveMetric)'; see the FailureReason of the training jobs (ListTrainingJobsForHyperParameterTuningJob).")
            }
        }
    }

    /// Whether the tuning job is done launching: its limits or completion criteria reached.
    static func completion(_ job: TuningJob, trials: [TuningTrial], now: Double) -> TuningCompletion? {
        let spec = job.spec
        if let limit = spec.maxRuntimeSeconds, now - job.creationTime >= Double(limit) { return .maxRuntime }
        if let target = spec.targetObjective, let best = TuningJob.best(trials, minimize: spec.minimize)?.objective,
           spec.minimize ? best <= target : best >= target {
            return .target
        }
        if let patience = spec.maxJobsNotImproving, TuningJob.notImproving(trials, minimize: spec.minimize) >= patience { return .notImproving }
        if spec.completeOnConvergence && TuningJob.converged(trials, minimize: spec.minimize) { return .converged }
        if budgetUsed(trials) >= spec.maxTrainingJobs { return .maxJobs }
        return nil
    }

    /// Trials that count against MaxNumberOfTrainingJobs: all but those lost for the platform's
    /// reasons (a lost instance, spot capacity), whose configurations are tried again.
    static func budgetUsed(_ trials: [TuningTrial]) -> Int {
        trials.filter { !$0.failedRetryably }.count
    }

    /// Starts trials while there is room; returns `.gridExhausted` when the strategy has nothing left.
    private func launchTrials(_ job: TuningJob, trials: [TuningTrial], running: Int) -> TuningCompletion? {
        let spec = job.spec
        let room = min(spec.maxParallelTrainingJobs - running, spec.maxTrainingJobs - Self.budgetUsed(trials))
        guard room > 0 else { return nil }
        let orient = { (value: Double) in spec.minimize ? value : -value }
        let warm = warmStartObservations(job)
        var launched = trials.count
        // Configurations started in this pass are pending for the next proposal of the same pass.
        var startedNow: [(definition: String?, configuration: Configuration)] = []
        for _ in 0..<room {
            let index = launched + 1
            let definition = spec.definitions[(index - 1) % spec.definitions.count]
            let mine = trials.filter { $0.definitionName == definition.name }
            // Failed trials go in with a non-finite loss: left out of the model, never proposed again.
            let observations = warm + mine.compactMap { trial -> TuningObservation? in
                if trial.objectiveStatus == "Failed" && !trial.failedRetryably {
                    return TuningObservation(configuration: trial.configuration, loss: .nan)
                }
                guard trial.objectiveStatus == "Succeeded", let value = trial.objective else { return nil }
                return TuningObservation(configuration: trial.configuration, loss: orient(value))
            }
            // Grid tries each combination once: a combination that failed is taken too.
            let pending = mine.filter { trial in
                trial.job.status == .inProgress || trial.job.status == .stopping
                    || (spec.strategy == .grid && trial.objectiveStatus == "Failed" && !trial.failedRetryably)
            }.map(\.configuration) + startedNow.filter { $0.definition == definition.name }.map(\.configuration)
            let strategy = dependencies.strategy(spec.strategy == .hyperband ? .random : spec.strategy, definition.ranges)
            guard let configuration = strategy.propose(count: 1, observations: observations, pending: pending,
                                                       seed: spec.seed &+ UInt64(index)).first else {
                return launched == trials.count && running == 0 ? .gridExhausted : nil
            }
            guard start(job, index: index, definition: definition, configuration: configuration) else { return nil }
            startedNow.append((definition.name, configuration))
            launched += 1
        }
        return nil
    }

    /// Stores child `index` and hands it to the supervisor. A child that exists already (the tuner
    /// stopped between creating it and noting it) is not created twice.
    private func start(_ job: TuningJob, index: Int, definition: TuningJobSpec.Definition, configuration: Configuration) -> Bool {
        let name = job.childName(index)
        let request = TuningJobValidation.childRequest(job, definition: definition, name: name, configuration: configuration)
        let spec: TrainingJobSpec
        switch TrainingJobValidation.validate(request, accountID: dependencies.accountID, region: dependencies.region,
                                              regexCompiles: { (try? NSRegularExpression(pattern: $0)) != nil }) {
        case .success(var valid):
            valid.tuningJobARN = job.arn
            spec = valid
        case .failure(let error):
            finish(job.name, .failed, at: dependencies.clock(), reason: "ClientError: the training job definition is invalid: \(error.message)")
            return false
        }
        let child = TrainingJob.new(spec: spec, accountID: dependencies.accountID, region: dependencies.region, at: dependencies.clock())
        do {
            try dependencies.trainingJobs.create(child)
        } catch where error.code == .conflict {
            return false
        } catch {
            return false
        }
        dependencies.note("tuning_trial_launched", [("tuning_job", job.name), ("training_job", name)])
        dependencies.launch(name)
        return true
    }

    /// Earlier tuning jobs' results, for WarmStartConfig: their trials whose configurations fit this
    /// job's ranges seed the strategy.
    private func warmStartObservations(_ job: TuningJob) -> [TuningObservation] {
        guard !job.spec.warmStartParents.isEmpty, let first = job.spec.definitions.first else { return [] }
        let names = Set(first.ranges.map(\.name))
        var observations: [TuningObservation] = []
        for parentName in job.spec.warmStartParents {
            guard let parent = try? dependencies.tuningJobs.job(named: parentName),
                  let children = try? dependencies.trainingJobs.children(ofTuningJob: parent.arn) else { continue }
            for trial in TuningJob.trials(of: parent, children: children) where trial.objectiveStatus == "Succeeded" {
                guard let value = trial.objective, Set(trial.configuration.keys) == names else { continue }
                observations.append(TuningObservation(configuration: trial.configuration, loss: job.spec.minimize ? value : -value))
            }
        }
        return observations
    }

    private func applyEarlyStopping(_ job: TuningJob, trials: [TuningTrial], running: [TuningTrial]) {
        guard let rule = dependencies.stoppingRule(job.spec) else { return }
        let orient = { (value: Double) in job.spec.minimize ? value : -value }
        var series: [String: [Double]] = [:]
        for trial in trials {
            series[trial.job.name] = dependencies.series(trial.job.name, job.spec.objectiveMetric).map(orient)
        }
        var stopping: [TuningTrial] = []
        for trial in running where trial.job.status == .inProgress && !trial.earlyStopped {
            let mine = series[trial.job.name] ?? []
            guard !mine.isEmpty else { continue }
            let others = trials.filter { $0.job.name != trial.job.name }.map { series[$0.job.name] ?? [] }.filter { !$0.isEmpty }
            if rule.shouldStop(series: mine, others: others) { stopping.append(trial) }
        }
        stopTrials(stopping, of: job, early: true)
    }

    /// Moves trials to Stopping (recorded first) and has their instances stopped.
    private func stopTrials(_ trials: [TuningTrial], of job: TuningJob, early: Bool) {
        guard !trials.isEmpty else { return }
        let now = dependencies.clock()
        if early {
            _ = try? dependencies.tuningJobs.update(named: job.name) { tuning in
                tuning.earlyStopped += trials.map(\.job.name).filter { !tuning.earlyStopped.contains($0) }
                tuning.lastModifiedTime = now
            }
        }
        for trial in trials {
            var applied = false
            _ = try? dependencies.trainingJobs.update(named: trial.job.name) { applied = $0.apply(.stopRequested, at: now) }
            if applied {
                dependencies.note(early ? "tuning_trial_stopped_early" : "tuning_trial_stopped",
                                  [("tuning_job", job.name), ("training_job", trial.job.name)])
                dependencies.stop(trial.job.name)
            }
        }
    }

    private func finish(_ name: String, _ status: TuningJobStatus, at time: Double, reason: String? = nil) {
        _ = try? dependencies.tuningJobs.update(named: name) { tuning in
            guard !tuning.status.isFinished else { return }
            tuning.status = status
            tuning.endTime = time
            tuning.lastModifiedTime = time
            if let reason { tuning.failureReason = String(reason.prefix(1024)) }
        }
        dependencies.note("tuning_job_finished", [("tuning_job", name), ("status", status.rawValue)])
    }
}
