/// `HyperParameterTuningJobStatus`.
public enum TuningJobStatus: String, Codable, Sendable, CaseIterable {
    case inProgress = "InProgress"
    case completed = "Completed"
    case failed = "Failed"
    case stopping = "Stopping"
    case stopped = "Stopped"
    case deleting = "Deleting"

    public var isFinished: Bool { self == .completed || self == .failed || self == .stopped }
}

/// A validated CreateHyperParameterTuningJob request: `request` keeps it exactly as sent (Describe
/// echoes it), the typed fields are what the tuner acts on.
public struct TuningJobSpec: Codable, Sendable, Equatable {
    public enum Strategy: String, Codable, Sendable {
        case bayesian = "Bayesian"
        case random = "Random"
        case hyperband = "Hyperband"
        case grid = "Grid"
    }

    /// One training job definition (`TrainingJobDefinition`, or one of `TrainingJobDefinitions`).
    public struct Definition: Codable, Sendable, Equatable {
        /// `DefinitionName`; nil for the single `TrainingJobDefinition`.
        public var name: String?
        /// The definition as sent.
        public var request: JSONValue
        public var ranges: [HyperParameterRange]
        public var objectiveMetric: String
        public var minimize: Bool
    }

    public var name: String
    public var request: JSONValue
    public var strategy: Strategy
    public var definitions: [Definition]
    /// `MaxNumberOfTrainingJobs`: for Grid without one, every combination.
    public var maxTrainingJobs: Int
    public var maxParallelTrainingJobs: Int
    public var maxRuntimeSeconds: Int?
    /// `TrainingJobEarlyStoppingType` Auto: the median stopping rule.
    public var earlyStopping: Bool
    public var hyperbandMinResource: Int?
    public var hyperbandMaxResource: Int?
    public var targetObjective: Double?
    public var maxJobsNotImproving: Int?
    public var completeOnConvergence: Bool
    public var seed: UInt64
    public var warmStartParents: [String]
    /// `IdenticalDataAndAlgorithm` or `TransferLearning`.
    public var warmStartType: String?
    public var tags: [String: String]
    public var tagList: [(key: String, value: String)] {
        (request["Tags"]?.array ?? []).compactMap { tag in
            guard let key = tag["Key"]?.string else { return nil }
            return (key, tag["Value"]?.string ?? "")
        }
    }

    public static func == (lhs: TuningJobSpec, rhs: TuningJobSpec) -> Bool { lhs.request == rhs.request && lhs.seed == rhs.seed }

    /// The objective's name and orientation (of the first definition: the tuning job's own objective).
    public var objectiveMetric: String { definitions.first?.objectiveMetric ?? "" }
    public var minimize: Bool { definitions.first?.minimize ?? true }
}

/// How a tuning job ended (or why it is ending).
public enum TuningCompletion: String, Codable, Sendable {
    case maxJobs
    case target
    case notImproving
    case converged
    case maxRuntime
    case gridExhausted
}

/// A tuning job: its request and what the tuner has done so far. The trials themselves are its
/// child training jobs (each names this job's ARN).
public struct TuningJob: Codable, Sendable, Equatable {
    public var spec: TuningJobSpec
    /// `arn:aws:sagemaker:<region>:<account>:hyper-parameter-tuning-job/<name lower-cased>`.
    public var arn: String
    public var status: TuningJobStatus
    public var creationTime: Double
    public var lastModifiedTime: Double
    public var endTime: Double?
    public var failureReason: String?
    /// Training jobs launched so far (the next one is number `launched + 1`).
    public var launched: Int
    /// Why the tuner stopped launching, once it did.
    public var completion: TuningCompletion?
    public var convergenceTime: Double?
    /// Child jobs the early-stopping rule (or Hyperband) stopped: their objective still counts.
    public var earlyStopped: [String]

    public var name: String { spec.name }

    public static func arn(name: String, accountID: String, region: String) -> String {
        "arn:aws:sagemaker:\(region):\(accountID):hyper-parameter-tuning-job/\(name.lowercased())"
    }

    public static func new(spec: TuningJobSpec, accountID: String, region: String, at time: Double) -> TuningJob {
        TuningJob(spec: spec, arn: arn(name: spec.name, accountID: accountID, region: region), status: .inProgress,
                  creationTime: time, lastModifiedTime: time, endTime: nil, failureReason: nil, launched: 0, completion: nil,
                  convergenceTime: nil, earlyStopped: [])
    }

    /// The name of training job number `index` (1-based), as SageMaker names them:
    /// `<tuning job>-<3 digits>-<8 hex>`; the suffix is fixed by the seed, so a tuner that restarts
    /// gives the same job the same name (and cannot launch it twice).
    public func childName(_ index: Int) -> String {
        var state = spec.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15
        state = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
        state = (state ^ (state >> 27)) &* 0x94D0_49BB_1331_11EB
        state ^= state >> 31
        let hex = String(state & 0xFFFF_FFFF, radix: 16)
        let number = String(index)
        return "\(spec.name)-\(String(repeating: "0", count: max(0, 3 - number.count)) + number)-"
            + String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// One trial as the tuner and Describe see it: a child training job and its objective.
public struct TuningTrial: Sendable, Equatable {
    public var job: TrainingJob
    /// The tuned hyperparameters only (`TunedHyperParameters`).
    public var configuration: Configuration
    public var definitionName: String?
    /// The last value of the objective metric the job emitted, if any.
    public var objective: Double?
    public var earlyStopped: Bool

    public init(job: TrainingJob, configuration: Configuration, definitionName: String?, objective: Double?, earlyStopped: Bool) {
        self.job = job
        self.configuration = configuration
        self.definitionName = definitionName
        self.objective = objective
        self.earlyStopped = earlyStopped
    }

    /// `ObjectiveStatus`: Succeeded once a finished job has an objective (early-stopped ones too),
    /// Failed once it finished without one, else Pending.
    public var objectiveStatus: String {
        if job.status == .inProgress || job.status == .stopping { return "Pending" }
        return objective != nil && (job.status == .completed || job.status == .stopped) ? "Succeeded" : "Failed"
    }

    /// Whether a failure was the platform's (retryable) rather than the algorithm's or the input's.
    public var failedRetryably: Bool {
        job.status == .failed && (job.failureReason ?? "").hasPrefix("InternalServerError")
    }
}

extension TuningJob {
    /// The trials of a tuning job, from its child training jobs.
    public static func trials(of job: TuningJob, children: [TrainingJob]) -> [TuningTrial] {
        children.map { child in
            let definition = definition(of: child, in: job.spec)
            let tuned = Set(definition.ranges.map(\.name))
            let configuration = child.spec.hyperParameters.filter { tuned.contains($0.key) }
            let objective = child.finalMetrics.last { $0.metricName == definition.objectiveMetric }?.value
            return TuningTrial(job: child, configuration: configuration, definitionName: definition.name, objective: objective,
                               earlyStopped: job.earlyStopped.contains(child.name))
        }
    }

    /// Trial `n` (1-based) uses definition `(n - 1) mod count`; the trial number is in the child's name.
    static func definition(of child: TrainingJob, in spec: TuningJobSpec) -> TuningJobSpec.Definition {
        let parts = child.name.dropFirst(spec.name.count + 1).split(separator: "-")
        let index = parts.first.flatMap { Int($0) } ?? 1
        return spec.definitions[(max(1, index) - 1) % max(1, spec.definitions.count)]
    }

    /// The best trial by objective among those that succeeded (ties: the earlier job).
    public static func best(_ trials: [TuningTrial], minimize: Bool) -> TuningTrial? {
        trials.filter { $0.objectiveStatus == "Succeeded" }.min { a, b in
            guard let x = a.objective, let y = b.objective else { return false }
            if x == y { return a.job.creationTime < b.job.creationTime }
            return minimize ? x < y : x > y
        }
    }

    /// `ConvergenceDetected.CompleteOnConvergence`: with at least 10 results, the last
    /// max(10, n/5) of them improved the best objective by less than 0.01% (relative): more trials
    /// are unlikely to find better.
    public static func converged(_ trials: [TuningTrial], minimize: Bool) -> Bool {
        let values = trials.filter { $0.objectiveStatus == "Succeeded" }.sorted { $0.job.creationTime < $1.job.creationTime }
            .compactMap(\.objective).map { minimize ? $0 : -$0 }
        guard values.count >= 10 else { return false }
        let window = max(10, values.count / 5)
        guard values.count > window, let before = values.dropLast(window).min(), let now = values.min() else { return false }
        return (before - now) <= 1e-4 * max(abs(before), 1e-12)
    }

    /// Trials since the best one, in launch order, that did not improve on it.
    public static func notImproving(_ trials: [TuningTrial], minimize: Bool) -> Int {
        let finished = trials.filter { $0.objectiveStatus == "Succeeded" }.sorted { $0.job.creationTime < $1.job.creationTime }
        var best: Double?
        var since = 0
        for trial in finished {
            guard let value = trial.objective else { continue }
            if let current = best, minimize ? value >= current : value <= current {
                since += 1
            } else {
                best = value
                since = 0
            }
        }
        return since
    }
}
