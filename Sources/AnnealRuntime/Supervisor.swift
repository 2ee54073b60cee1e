import AnnealCore
import AnnealStore
import Foundation
import Glibc
import Synchronization

/// Runs training jobs on this machine: one `anneal worker` process per instance, started when a job
/// is created, signalled to stop (StopTrainingJob, MaxRuntimeInSeconds), and watched until every
/// instance has ended. It decides nothing the job's state machine decides: it turns what happens to
/// processes into lifecycle events and records them.
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
        /// Instances that may run at once on this machine; later jobs wait, first in first out.
        public var capacity: Int

        public init(workerExecutable: String, controlPlane: URL, region: String, jobsDirectory: String, runtimesDirectory: String,
                    stopGraceSeconds: Int, capacity: Int, credentials: @escaping @Sendable (TrainingJob) throws -> WorkerCredentials) {
            self.capacity = max(1, capacity)
            self.workerExecutable = workerExecutable
            self.controlPlane = controlPlane
            self.region = region
            self.jobsDirectory = jobsDirectory
            self.runtimesDirectory = runtimesDirectory
            self.stopGraceSeconds = stopGraceSeconds
            self.credentials = credentials
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

    struct Run {
        var workers: [Int: Int32] = [:]
        var exits: [Int: ProcessExit] = [:]
        var outcomes: [Int: (succeeded: Bool, reason: String?)] = [:]
        var stopCause: StopCause?
        var launchedAt: Double
        var maxRuntime: Int
        var hosts: Int
    }

    let config: Config
    let jobs: TrainingJobStore
    let processes: ChildProcesses
    let clock: @Sendable () -> Double
    let note: @Sendable (String, [(String, String)]) -> Void
    private let runs = Mutex<[String: Run]>([:])
    /// Jobs waiting for capacity, in arrival order.
    private let waiting = Mutex<[String]>([])

    public init(config: Config, jobs: TrainingJobStore, processes: ChildProcesses = ChildProcesses(),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                note: @escaping @Sendable (String, [(String, String)]) -> Void = { _, _ in }) {
        self.config = config
        self.jobs = jobs
        self.processes = processes
        self.clock = clock
        self.note = note
    }

    /// At start: jobs still waiting for capacity (or launched but not yet running their code) go back
    /// in the queue in their original order. Jobs whose instances ran lost them with the platform
    /// (workers die with the server): they restart where RetryStrategy allows, else end with a reason
    /// that says so. Then the MaxRuntime watch.
    public func start() {
        let lost = "InternalServerError: Anneal stopped while this job ran and its instances were lost; start the job again."
        for job in ((try? jobs.unfinished()) ?? []).sorted(by: { $0.creationTime < $1.creationTime }) {
            let name = job.spec.name
            if job.status == .stopping {
                record(name, .stopped(cause: .user))
            } else if [.pending, .starting, .restarting, .interrupted].contains(job.secondaryStatus) {
                note("job_requeued", [("job", name)])
                launch(name)
            } else if !retry(job, after: lost) {
                record(name, .failed(reason: lost))
            }
        }
        let timer = Thread { [self] in
            while true {
                sleep(1)
                checkRuntimes()
            }
        }
        timer.name = "anneal-supervisor"
        timer.start()
    }

    /// Starts one worker per instance, or queues the job until enough instances are free.
    public func launch(_ name: String) {
        waiting.withLock { $0.append(name) }
        admit()
        if waiting.withLock({ $0.contains(name) }) {
            record(name, .pending("Waiting for capacity: all \(config.capacity) instance slots of this machine are in use"))
        }
    }

    /// Starts waiting jobs, in order, while their instances fit.
    private func admit() {
        while true {
            let next: (String, TrainingJob)? = waiting.withLock { queue in
                while let name = queue.first {
                    guard let job = try? jobs.job(named: name), job.status == .inProgress else {
                        queue.removeFirst()
                        // Stopped before any instance started (StopTrainingJob raced the launch).
                        if (try? jobs.job(named: name))?.status == .stopping { record(name, .stopped(cause: .user)) }
                        continue
                    }
                    let hosts = max(1, job.spec.instanceCount)
                    let fits = runs.withLock { runs -> Bool in
                        let used = runs.values.reduce(0) { $0 + $1.hosts }
                        guard used + hosts <= config.capacity || used == 0 else { return false }
                        runs[name] = Run(launchedAt: clock(), maxRuntime: job.spec.maxRuntimeSeconds, hosts: hosts)
                        return true
                    }
                    guard fits else {
                        if job.secondaryStatus != .pending {
                            record(name, .pending("Waiting for capacity: all \(config.capacity) instance slots of this machine are in use"))
                        }
                        return nil
                    }
                    queue.removeFirst()
                    return (name, job)
                }
                return nil
            }
            guard let (name, job) = next else { return }
            start(name, job)
        }
    }

    private func start(_ name: String, _ job: TrainingJob) {
        let hosts = max(1, job.spec.instanceCount)
        record(name, .launching)
        for host in 1...hosts {
            do {
                try startWorker(name, host: host, credentials: config.credentials(job))
            } catch {
                record(name, .failed(reason: "InternalServerError: cannot start the instance algo-\(host): \(error)"))
                stop(name, cause: .user, alreadyRecorded: true)
                return
            }
        }
    }

    private func startWorker(_ name: String, host: Int, credentials: WorkerCredentials) throws {
        let directory = "\(config.jobsDirectory)/\(name)/algo-\(host)"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let logPath = "\(config.jobsDirectory)/\(name)/algo-\(host).worker.log"
        let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        defer { if logFD >= 0 { close(logFD) } }
        let arguments = [config.workerExecutable, "worker", "--job", name, "--host", String(host),
                         "--control-plane", config.controlPlane.absoluteString, "--region", config.region,
                         "--job-dir", directory, "--runtimes", config.runtimesDirectory,
                         "--stop-grace", String(config.stopGraceSeconds)]
        var environment = ["ANNEAL_WORKER_ACCESS_KEY_ID": credentials.accessKeyID, "ANNEAL_WORKER_SECRET_ACCESS_KEY": credentials.secret,
                           "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp"]
        if let token = credentials.sessionToken { environment["ANNEAL_WORKER_SESSION_TOKEN"] = token }
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let pid = try processes.spawn(arguments, environment: environment, stdout: logFD, stderr: logFD) { [self] exit in
            workerExited(name, host: host, exit: exit)
        }
        runs.withLock { $0[name]?.workers[host] = pid }
        note("instance_launched", [("job", name), ("host", "algo-\(host)"), ("pid", String(pid))])
    }

    /// StopTrainingJob (already recorded as Stopping by the API), MaxRuntime or MaxWait.
    public func stop(_ name: String, cause: StopCause, alreadyRecorded: Bool = true) {
        let (known, workers): (Bool, [Int32]) = runs.withLock { runs in
            guard runs[name] != nil else { return (false, []) }
            guard runs[name]?.stopCause == nil else { return (true, []) }
            runs[name]?.stopCause = cause
            return (true, Array(runs[name]?.workers.values ?? [:].values))
        }
        if !alreadyRecorded { record(name, .stopRequested) }
        guard known else {
            // Nothing runs for it (queued, not launched yet, or every instance already ended): stopped now.
            waiting.withLock { $0.removeAll { $0 == name } }
            if (try? jobs.job(named: name))?.status == .stopping { record(name, .stopped(cause: cause)) }
            return
        }
        for pid in workers { processes.signal(pid, SIGTERM) }
        // The workers forward SIGTERM, wait the grace period, upload artifacts and exit; past that
        // (and a minute for the upload) they are killed.
        let deadline = UInt32(config.stopGraceSeconds + 60)
        Thread.detachNewThread { [processes] in
            sleep(deadline)
            for pid in workers { processes.signal(pid, SIGKILL) }
        }
    }

    /// A worker's report (through the internal API).
    public func report(_ progress: WorkerProtocol.Progress) {
        let name = progress.TrainingJobName
        switch progress.Event {
        case "downloading": record(name, .downloading)
        case "training": record(name, .training)
        case "uploading": record(name, .uploading)
        case "metrics":
            let values = (progress.Metrics ?? []).map { MetricValue(metricName: $0.MetricName, value: $0.Value, timestamp: $0.Timestamp) }
            if !values.isEmpty { record(name, .metrics(values)) }
        case "completed", "stopped":
            runs.withLock { $0[name]?.outcomes[progress.HostIndex] = (true, nil) }
        case "failed":
            let reason = progress.FailureReason ?? "AlgorithmError: the training process failed"
            runs.withLock { $0[name]?.outcomes[progress.HostIndex] = (false, reason) }
            // A retryable failure is decided once every instance has ended (workerExited).
            if let job = try? jobs.job(named: name), !Self.retryable(job, reason: reason) { record(name, .failed(reason: reason)) }
            stopOthers(name)
        default: break
        }
    }

    public func assignment(_ name: String) -> TrainingJob? {
        try? jobs.job(named: name)
    }

    private func stopOthers(_ name: String) {
        let workers = runs.withLock { $0[name]?.workers.values.map { $0 } ?? [] }
        for pid in workers { processes.signal(pid, SIGTERM) }
    }

    private func workerExited(_ name: String, host: Int, exit: ProcessExit) {
        let finished: Run? = runs.withLock { runs in
            runs[name]?.exits[host] = exit
            guard let run = runs[name], run.exits.count == run.hosts else { return nil }
            runs[name] = nil
            return run
        }
        note("instance_released", [("job", name), ("host", "algo-\(host)"), ("exit", exit.description)])
        defer { if finished != nil { admit() } }
        guard let run = finished, let job = try? jobs.job(named: name) else { return }
        if job.status == .stopping || run.stopCause != nil {
            if job.status == .inProgress { record(name, .stopRequested) }
            record(name, .stopped(cause: run.stopCause ?? .user))
            return
        }
        guard job.status == .inProgress else { return }
        let failures = (1...run.hosts).compactMap { index -> String? in
            if let outcome = run.outcomes[index] { return outcome.succeeded ? nil : outcome.reason }
            return "InternalServerError: the instance algo-\(index) ended (\(run.exits[index]?.description ?? "unknown")) "
                + "without reporting its outcome; see \(config.jobsDirectory)/\(name)/algo-\(index).worker.log"
        }
        if failures.isEmpty {
            record(name, .completed)
        } else if !retry(job, after: failures[0]) {
            record(name, .failed(reason: failures[0]))
        }
    }

    /// RetryStrategy: SageMaker retries a job that failed for an internal reason (a lost instance,
    /// an upload that failed), never one whose algorithm or input failed.
    static func retryable(_ job: TrainingJob, reason: String) -> Bool {
        reason.hasPrefix("InternalServerError") && restarts(of: job) < (job.spec.retryAttempts ?? 0)
    }

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

    private func checkRuntimes() {
        let now = clock()
        let expired = runs.withLock { runs in
            runs.filter { $0.value.stopCause == nil && now - $0.value.launchedAt > Double($0.value.maxRuntime) }.map(\.key)
        }
        for name in expired {
            note("max_runtime_exceeded", [("job", name)])
            stop(name, cause: .maxRuntime, alreadyRecorded: false)
        }
    }

    /// Applies a lifecycle event to the stored job (late or duplicate events change nothing).
    func record(_ name: String, _ event: TrainingJobEvent) {
        let time = clock()
        _ = try? jobs.update(named: name) { job in _ = job.apply(event, at: time) }
    }
}
