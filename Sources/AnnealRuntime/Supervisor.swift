import AnnealCore
import AnnealStore
import Foundation
import Glibc
import Synchronization

/// Runs training jobs on this machine's capacity pools: asks the scheduler (`CapacityScheduler`, in
/// the core) where each job's instances go, records every instance launch and release, starts one
/// `anneal worker` process per instance, signals stops (StopTrainingJob, MaxRuntimeInSeconds,
/// MaxWaitTimeInSeconds) and spot interruptions, and watches workers until every instance has
/// ended. It decides nothing the scheduler or the job's state machine decides: it carries out their
/// decisions and turns what happens to processes into lifecycle events.
public final class Supervisor: Sendable {
    public struct Config: Sendable {
        public var workerExecutable: String
        public var controlPlane: URL
        public var region: String
        public var jobsDirectory: String
        public var runtimesDirectory: String
        public var stopGraceSeconds: Int
        /// Session credentials for one instance of a job (scoped to that job, lasting as long as it may run).
        public var credentials: @Sendable (TrainingJob) throws -> WorkerCredentials
        /// Instances that may run at once over all pools (`--max-instances`); later jobs wait.
        public var capacity: Int
        /// The on-demand and spot pools; by default both are this machine (`CapacityPool.machine`).
        public var pools: [CapacityPool]
        public var catalog: InstanceCatalog
        /// When spot instances are taken back (besides `reclaim`).
        public var market: SpotMarket

        public init(workerExecutable: String, controlPlane: URL, region: String, jobsDirectory: String, runtimesDirectory: String,
                    stopGraceSeconds: Int, capacity: Int, pools: [CapacityPool]? = nil, catalog: InstanceCatalog = InstanceCatalog(),
                    market: SpotMarket = SpotMarket(),
                    credentials: @escaping @Sendable (TrainingJob) throws -> WorkerCredentials) {
            self.capacity = max(1, capacity)
            self.workerExecutable = workerExecutable
            self.controlPlane = controlPlane
            self.region = region
            self.jobsDirectory = jobsDirectory
            self.runtimesDirectory = runtimesDirectory
            self.stopGraceSeconds = stopGraceSeconds
            self.credentials = credentials
            self.pools = pools ?? PoolKind.allCases.map { MachineResources.pool($0, overcommit: MachineResources.defaultOvercommit) }
            self.catalog = catalog
            self.market = market
        }
    }

    /// What a worker signs its requests with.
    public struct WorkerCredentials: Sendable {
        public var accessKeyID: String
        public var secret: String
        public var sessionToken: String?

        public init(accessKeyID: String, secret: String, sessionToken: String?) {
            self.accessKeyID = accessKeyID
            self.secret = secret
            self.sessionToken = sessionToken
        }
    }

    /// One attempt of a job on its instances.
    struct Run {
        var instances: [Int: CapacityInstance]
        var workers: [Int: Int32] = [:]
        var exits: [Int: ProcessExit] = [:]
        var ends: [Int: WorkerEnd] = [:]
        var outcomes: [Int: (succeeded: Bool, reason: String?)] = [:]
        var stopCause: StopCause?
        /// Set when the spot market (or an operator) took an instance back.
        var interruption: String?
        var launchedAt: Double
        var maxRuntime: Int
        /// The warm pool the job keeps when it ends (KeepAlivePeriodInSeconds): its instances are
        /// then released together once the job's outcome is known, not one by one.
        var warm: WarmRequest?
        var hosts: Int { instances.count }
    }

    /// A job's warm-pool key and KeepAlivePeriodInSeconds.
    struct WarmRequest {
        var key: String
        var seconds: Int
    }

    struct State {
        var scheduler: CapacityScheduler
        var market: SpotMarket
        var runs: [String: Run] = [:]
        /// Spot jobs not finished yet, and when their MaxWaitTimeInSeconds ends.
        var waitDeadlines: [String: Double] = [:]
        /// MaxRuntimeInSeconds of each job asking for capacity (read once, outside the decisions).
        var maxRuntimes: [String: Int] = [:]
        /// The warm pool each job asking for capacity would keep.
        var warmRequests: [String: WarmRequest] = [:]
        var lastTick: Double
    }

    let config: Config
    let jobs: TrainingJobStore
    let records: CapacityStore?
    let processes: ChildProcesses
    /// Where workers run: this machine (`LocalExecutor`) or a cluster (`SlurmExecutor`).
    let executor: any WorkerExecutor
    let clock: @Sendable () -> Double
    let note: @Sendable (String, [(String, String)]) -> Void
    let state: Mutex<State>
    /// CPU time spent deciding (scheduler calls), for `anneal capacity` and the capacity bench.
    let decisionNanoseconds = Atomic<Int>(0)
    let decisions = Atomic<Int>(0)

    public init(config: Config, jobs: TrainingJobStore, records: CapacityStore? = nil, processes: ChildProcesses = ChildProcesses(),
                executor: (any WorkerExecutor)? = nil,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                note: @escaping @Sendable (String, [(String, String)]) -> Void = { _, _ in }) {
        self.config = config
        self.jobs = jobs
        self.records = records
        self.processes = processes
        self.executor = executor ?? LocalExecutor(config: config, processes: processes)
        self.clock = clock
        self.note = note
        let next = (try? records?.nextSequence()) ?? 1
        state = Mutex(State(scheduler: CapacityScheduler(pools: config.pools, maxInstances: config.capacity, nextSequence: next),
                            market: config.market, lastTick: clock()))
    }

    /// At start: instances recorded as running died with the previous server and are released. Jobs
    /// still waiting for capacity (or launched but not yet running their code) go back in the queue in
    /// their original order. Jobs whose instances ran lost them with the platform: spot jobs are
    /// interrupted and restart, others restart where RetryStrategy allows, else end with a reason that
    /// says so. Then the clock: MaxRuntime, MaxWait, MaxPending and the spot market, once a second.
    public func start() {
        try? records?.releaseAll(reason: "the platform stopped", at: clock())
        terminateLostWarmPools()
        let stale = ResourceLimits.removeStale(olderThan: 600)
        if stale > 0 { note("cgroups_removed", [("count", String(stale)), ("why", "left empty by workers that were killed")]) }
        let lost = "InternalServerError: Anneal stopped while this job ran and its instances were lost; start the job again."
        for job in ((try? jobs.unfinished()) ?? []).sorted(by: { $0.creationTime < $1.creationTime }) {
            let name = job.spec.name
            if job.status == .stopping, !executor.mayStillRun(job: name) {
                record(name, .stopped(cause: .user))
            } else if executor.mayStillRun(job: name) {
                // Its workers run on a cluster that outlived the platform: placed again, the executor reattaches them.
                note("job_reattaching", [("job", name)])
                launch(name)
                if job.status == .stopping { stop(name, cause: .user) }
            } else if [.pending, .starting, .restarting, .interrupted].contains(job.secondaryStatus) {
                note("job_requeued", [("job", name)])
                launch(name)
            } else if job.spec.managedSpot {
                interrupted(job, "Training job interrupted: its spot instances were lost when the platform stopped")
            } else if !retry(job, after: lost) {
                record(name, .failed(reason: lost))
            }
        }
        let timer = Thread { [self] in
            while true {
                usleep(250_000)
                tick()
            }
        }
        timer.name = "anneal-supervisor"
        timer.start()
    }

    /// Why a job with this spec could never be placed (the limit, worded for ResourceLimitExceeded);
    /// nil when it can run, now or later.
    public func neverFits(_ spec: TrainingJobSpec) -> String? {
        guard let type = config.catalog[spec.instanceType] else {
            return "The instance type \(spec.instanceType) is not in this platform's instance catalog, so no pool can place it."
        }
        return state.withLock { $0.scheduler.neverFits(type, count: max(1, spec.instanceCount), pool: spec.managedSpot ? .spot : .onDemand) }
    }

    /// Asks the scheduler for the job's instances: they start now, or the job waits (Pending).
    public func launch(_ name: String) {
        guard let job = try? jobs.job(named: name) else { return }
        guard job.status == .inProgress || (job.status == .stopping && executor.mayStillRun(job: name)) else {
            // Stopped before any instance started (StopTrainingJob raced the launch).
            if job.status == .stopping { record(name, .stopped(cause: .user)) }
            return
        }
        guard let type = config.catalog[job.spec.instanceType] else {
            record(name, .failed(reason: "ResourceLimitExceeded: " + (neverFits(job.spec) ?? "unknown instance type")))
            return
        }
        let restarted = job.transitions.contains { $0.status == .interrupted || $0.status == .restarting }
        let request = CapacityRequest(job: name, type: type, count: job.spec.instanceCount, pool: job.spec.managedSpot ? .spot : .onDemand,
                                      priority: Int(job.spec.tags["anneal:priority"] ?? "") ?? 0, group: job.spec.tuningJobARN,
                                      submittedAt: job.creationTime, maxPendingSeconds: restarted ? nil : job.spec.maxPendingSeconds,
                                      warmKey: job.spec.warmPoolKey)
        let deadline = job.spec.managedSpot ? job.spec.maxWaitSeconds.map { job.creationTime + Double($0) } : nil
        decide { state in
            if let deadline { state.waitDeadlines[name] = deadline }
            state.maxRuntimes[name] = job.spec.maxRuntimeSeconds
            state.warmRequests[name] = job.spec.warmPoolKey.map { WarmRequest(key: $0, seconds: job.spec.keepAliveSeconds ?? 0) }
            return state.scheduler.submit(request, at: self.clock())
        }
    }

    /// Runs a scheduler step under the lock (opening a `Run` for each job it places, so a stop that
    /// comes next finds it), then carries out what it decided.
    func decide(_ step: (inout State) -> [CapacityDecision]) {
        let started = DispatchTime.now().uptimeNanoseconds
        let now = clock()
        let decided: [(CapacityDecision, Int)] = state.withLock { state in
            step(&state).map { decision in
                var placed: (String, [CapacityInstance])?
                if case .launch(let name, let instances) = decision { placed = (name, instances) }
                if case .reuse(let name, let instances, _, _) = decision { placed = (name, instances) }
                if let (name, instances) = placed {
                    let runtime = state.maxRuntimes[name] ?? TrainingJobSpec.defaultMaxRuntimeSeconds
                    state.runs[name] = Run(instances: Dictionary(uniqueKeysWithValues: instances.map { ($0.host, $0) }),
                                           launchedAt: now, maxRuntime: runtime, warm: state.warmRequests.removeValue(forKey: name))
                    for instance in instances where instance.pool == .spot { state.market.launched(instance.id, at: now) }
                }
                return (decision, state.scheduler.nextSequence)
            }
        }
        decisionNanoseconds.add(Int(DispatchTime.now().uptimeNanoseconds - started), ordering: .relaxed)
        decisions.add(1, ordering: .relaxed)
        for (decision, _) in decided { carryOut(decision, at: now) }
    }

    private func carryOut(_ decision: CapacityDecision, at now: Double) {
        switch decision {
        case .launch(let name, let instances):
            for instance in instances {
                let sequence = Int(instance.id.dropFirst(2)) ?? 0
                // Durable with the session credentials' full commit, before the worker starts (`start`).
                try? records?.launched(instance, sequence: sequence, at: now, durability: .process)
                note("instance_launched", [("job", name), ("instance", instance.id), ("pool", instance.pool.rawValue),
                                           ("type", instance.type.name), ("host", "algo-\(instance.host)")])
            }
            guard let job = try? jobs.job(named: name) else { return }
            start(name, job, instances)
        case .reject(let name, let reason):
            record(name, .failed(reason: "ResourceLimitExceeded: " + reason))
        case .wait(let name, let reason):
            // A note on a job already stored (its creation was a full commit): no fsync of its own.
            record(name, .pending(reason), durability: .process)
        case .pendingExpired(let name):
            note("max_pending_exceeded", [("job", name)])
            record(name, .failed(reason: "CapacityError: Unable to provision requested ML compute capacity within "
                + "MaxPendingTimeInSeconds. Retry later, or with another instance type."))
        case .reuse(let name, let instances, let previous, let retainedAt):
            guard let job = reused(name, instances: instances, from: previous, retainedAt: retainedAt, at: now) else { return }
            start(name, job, instances, warmFrom: previous)
        case .warmEnded(let name, let reason, let instances, let retainedAt):
            warmEnded(name, reason: reason, instances: instances, retainedAt: retainedAt, at: now)
        }
    }

    /// The launch's records (instances, Launching) are committed without an fsync of their own: the
    /// job's session credentials are stored with a full commit next, before any worker starts, and
    /// that commit makes every earlier one durable (one fsync per launch instead of three).
    private func start(_ name: String, _ job: TrainingJob, _ instances: [CapacityInstance], warmFrom previous: String? = nil) {
        record(name, .launching, durability: .process)
        let callbacks = WorkerCallbacks(
            started: { [self] host, worker in workerStarted(name, host: host, worker: worker) },
            exited: { [self] host, end in workerExited(name, host: host, end: end) },
            waiting: { [self] message in record(name, .pending(message)) })
        do {
            let placement = WorkerPlacement(job: name, instances: instances, credentials: try config.credentials(job),
                                            maxRuntimeSeconds: job.spec.maxRuntimeSeconds, warmFrom: previous)
            try executor.place(placement, callbacks)
        } catch {
            let hosts = instances.map { "algo-\($0.host)" }.joined(separator: ", ")
            record(name, .failed(reason: (error as? PlacementRejected)?.reason ?? "InternalServerError: cannot start the instances \(hosts): \(error)"))
            stop(name, cause: .user, alreadyRecorded: true)
            // Instances whose workers never started end now.
            let unstarted = state.withLock { state in
                instances.filter { state.runs[name]?.workers[$0.host] == nil }.map(\.host)
            }
            for host in unstarted { workerExited(name, host: host, end: WorkerEnd(exit: .exited(127))) }
        }
    }

    private func workerStarted(_ name: String, host: Int, worker: Int32) {
        // A stop or an interruption that came while the worker was being started reaches it now.
        let pending: Int32? = state.withLock { state in
            state.runs[name]?.workers[host] = worker
            guard let run = state.runs[name] else { return nil }
            return run.stopCause != nil ? SIGTERM : (run.interruption != nil ? SIGUSR1 : nil)
        }
        if let pending { executor.signal(worker, pending) }
        note("worker_started", [("job", name), ("host", "algo-\(host)"), ("worker", String(worker))])
    }

    /// StopTrainingJob (already recorded as Stopping by the API), MaxRuntime or MaxWait.
    public func stop(_ name: String, cause: StopCause, alreadyRecorded: Bool = true) {
        let (known, workers): (Bool, [Int32]) = state.withLock { state in
            guard state.runs[name] != nil else {
                state.scheduler.withdraw(name)
                state.maxRuntimes[name] = nil
                return (false, [])
            }
            guard state.runs[name]?.stopCause == nil else { return (true, []) }
            state.runs[name]?.stopCause = cause
            return (true, Array(state.runs[name]?.workers.values ?? [:].values))
        }
        if !alreadyRecorded { record(name, .stopRequested) }
        guard known else {
            // Nothing runs for it (queued, not launched yet, or every instance already ended): stopped now.
            if (try? jobs.job(named: name))?.status == .stopping { record(name, .stopped(cause: cause)) }
            return
        }
        signal(workers, SIGTERM)
    }

    /// Sends `signal` to the workers, then SIGKILL once the grace period (and a minute for the
    /// upload or the last checkpoint sync) has passed.
    func signal(_ workers: [Int32], _ signal: Int32) {
        guard !workers.isEmpty else { return }
        for pid in workers { executor.signal(pid, signal) }
        let deadline = UInt32(config.stopGraceSeconds + 60)
        Thread.detachNewThread { [executor] in
            sleep(deadline)
            for pid in workers { executor.signal(pid, SIGKILL) }
        }
    }

    /// A worker's report (through the internal API).
    public func report(_ progress: WorkerProtocol.Progress) {
        let name = progress.TrainingJobName
        switch progress.Event {
        // Progress within a run is committed without an fsync of its own: a crash of the machine
        // could lose only these notes (the run's outcome is decided by its worker's end, whose
        // record is fsynced and carries every earlier commit with it), a crash of the server none.
        case "downloading": record(name, .downloading, durability: .process)
        case "training": record(name, .training, durability: .process)
        case "uploading": record(name, .uploading, durability: .process)
        case "metrics":
            let values = (progress.Metrics ?? []).map { MetricValue(metricName: $0.MetricName, value: $0.Value, timestamp: $0.Timestamp) }
            if !values.isEmpty { record(name, .metrics(values), durability: .process) }
        case "interrupted":
            break // no outcome: the worker's exit decides (an interruption restarts the job)
        case "completed", "stopped":
            state.withLock { $0.runs[name]?.outcomes[progress.HostIndex] = (true, nil) }
        case "failed":
            let reason = progress.FailureReason ?? "AlgorithmError: the training process failed"
            let interrupted = state.withLock { state in
                state.runs[name]?.outcomes[progress.HostIndex] = (false, reason)
                return state.runs[name]?.interruption != nil
            }
            // A retryable failure (or one that follows an interruption) is decided once every instance has ended.
            if !interrupted, let job = try? jobs.job(named: name), !Self.retryable(job, reason: reason) {
                record(name, .failed(reason: reason))
            }
            stopOthers(name)
        default: break
        }
    }

    /// The job a worker is to run. A worker asks as soon as its instance is up, before it stages
    /// anything: the job is Downloading from then on (one request and commit fewer per instance than
    /// a report of its own; a later host's request changes nothing).
    public func assignment(_ name: String) -> TrainingJob? {
        let time = clock()
        return try? jobs.update(named: name, durability: .process) { job in _ = job.apply(.downloading, at: time) }
    }

    private func stopOthers(_ name: String) {
        let workers = state.withLock { $0.runs[name]?.workers.values.map { $0 } ?? [] }
        for pid in workers { executor.signal(pid, SIGTERM) }
    }

    func workerExited(_ name: String, host: Int, end: WorkerEnd) {
        let exit = end.exit
        let now = clock()
        var released: CapacityInstance?
        var others: [Int32] = []
        let finished: Run? = state.withLock { state in
            guard var run = state.runs[name], run.exits[host] == nil else { return nil }
            run.exits[host] = exit
            run.ends[host] = end
            // A spot instance whose worker vanished (killed, crashed) is a lost instance: the job is
            // interrupted, never failed, and its other instances are told so.
            if run.outcomes[host] == nil, run.stopCause == nil, run.interruption == nil, end.failure == nil,
               run.instances[host]?.pool == .spot || end.preempted {
                run.interruption = "Training job interrupted: the spot instance algo-\(host) was " + (end.preempted ? "preempted" : "lost")
                    + " (\(end.detail ?? exit.description))"
                others = run.workers.filter { run.exits[$0.key] == nil }.map(\.value)
            }
            state.runs[name] = run
            // A job that keeps a warm pool holds its instances until its outcome is known (`settle`).
            released = run.warm == nil ? run.instances[host] : nil
            guard run.exits.count == run.hosts else { return nil }
            state.runs[name] = nil
            state.maxRuntimes[name] = nil
            return run
        }
        for pid in others { executor.signal(pid, SIGUSR1) }
        if let instance = released {
            discardInstanceDirectory(name, host: host)
            let reason = finished?.interruption != nil || state.withLock({ $0.runs[name]?.interruption }) != nil ? "interrupted" : "ended"
            // Durable with the next full commit (the job's outcome, or the next launch's credentials);
            // a machine crash before it ends every local instance anyway, and a restart releases
            // what its records still show running.
            try? records?.released(instance.id, reason: reason, at: now, durability: .process)
            note("instance_released", [("job", name), ("instance", instance.id), ("host", "algo-\(host)"), ("exit", exit.description)])
            decide { state in
                state.market.released(instance.id)
                return state.scheduler.release(instance.id, at: now)
            }
        }
        guard let run = finished else { return }
        // After the job's outcome is recorded, on every path below.
        defer { if run.warm != nil { settle(name, run, at: now) } }
        guard let job = try? jobs.job(named: name) else { return }
        if job.status == .stopping || run.stopCause != nil {
            if job.status == .inProgress { record(name, .stopRequested) }
            record(name, .stopped(cause: run.stopCause ?? .user))
            return
        }
        guard job.status == .inProgress else { return }
        if let interruption = run.interruption {
            interrupted(job, interruption)
            return
        }
        let failures = (1...max(1, run.hosts)).compactMap { index -> String? in
            if let outcome = run.outcomes[index] { return outcome.succeeded ? nil : outcome.reason }
            if let failure = run.ends[index]?.failure { return failure }
            return "InternalServerError: the instance algo-\(index) ended (\(run.ends[index]?.detail ?? run.exits[index]?.description ?? "unknown")) "
                + "without reporting its outcome; see \(executor.logLocation(job: name, host: index))"
        }
        if failures.isEmpty {
            record(name, .completed)
        } else if !retry(job, after: failures[0]) {
            record(name, .failed(reason: failures[0]))
        }
    }

    /// A released instance's directory (staged channels, checkpoints, model) goes, as the instance
    /// would; its worker's log stays. Moved aside at once (a next attempt may make the directory
    /// again right away), deleted in the background.
    func discardInstanceDirectory(_ name: String, host: Int) {
        let directory = "\(config.jobsDirectory)/\(name)/algo-\(host)"
        let aside = "\(config.jobsDirectory)/\(name)/.released-algo-\(host)-\(UInt32.random(in: 0...UInt32.max))"
        guard rename(directory, aside) == 0 else { return }
        DispatchQueue.global(qos: .utility).async { try? FileManager.default.removeItem(atPath: aside) }
    }

    /// RetryStrategy: SageMaker retries a job that failed for an internal reason (a lost instance,
    /// an upload that failed), never one whose algorithm or input failed.
    static func retryable(_ job: TrainingJob, reason: String) -> Bool {
        reason.hasPrefix("InternalServerError") && restarts(of: job) < (job.spec.retryAttempts ?? 0)
    }

    /// Retries so far; spot interruptions are not retries and are not counted.
    static func restarts(of job: TrainingJob) -> Int {
        job.transitions.filter { $0.status == .restarting }.count
    }

    /// Starts the job again (fresh instances, channels and checkpoints staged anew) if it may retry.
    private func retry(_ job: TrainingJob, after reason: String) -> Bool {
        guard Self.retryable(job, reason: reason) else { return false }
        let attempt = Self.restarts(of: job) + 1
        let summary = reason.split(separator: "\n").first.map(String.init) ?? reason
        record(job.spec.name, .restarting("Restarting the training job (retry \(attempt) of \(job.spec.retryAttempts ?? 0)) after: "
            + String(summary.prefix(200))))
        note("job_retried", [("job", job.spec.name), ("attempt", String(attempt))])
        launch(job.spec.name)
        return true
    }

    /// Applies a lifecycle event to the stored job (late or duplicate events change nothing). When a
    /// spot job ends, its billable time is its time on instances at the spot price, as SageMaker
    /// bills it: the SDK's printed savings are then `1 - spot/on-demand` of the running time.
    func record(_ name: String, _ event: TrainingJobEvent, durability: Database.Durability = .full) {
        let time = clock()
        let catalog = config.catalog
        _ = try? jobs.update(named: name, durability: durability) { job in
            guard job.apply(event, at: time), job.status.isTerminal, job.spec.managedSpot,
                  let running = job.billableTimeSeconds, let type = catalog[job.spec.instanceType], type.onDemandPrice > 0 else { return }
            job.billableTimeSeconds = max(1, Int((Double(running) * type.spotPrice / type.onDemandPrice).rounded()))
        }
    }
}
