import AnnealCore
import Foundation
import Glibc

/// One attempt of a job, as an executor places it: every instance the scheduler gave it, all
/// placed together.
public struct WorkerPlacement: Sendable {
    public var job: String
    /// Ordered by host (algo-1 first).
    public var instances: [CapacityInstance]
    public var credentials: Supervisor.WorkerCredentials
    public var maxRuntimeSeconds: Int
    /// The job whose warm pool these instances come from: its job directories (staged channels,
    /// installed requirements) move to this job where the executor still has them.
    public var warmFrom: String?

    public init(job: String, instances: [CapacityInstance], credentials: Supervisor.WorkerCredentials, maxRuntimeSeconds: Int,
                warmFrom: String? = nil) {
        self.job = job
        self.instances = instances.sorted { $0.host < $1.host }
        self.credentials = credentials
        self.maxRuntimeSeconds = maxRuntimeSeconds
        self.warmFrom = warmFrom
    }
}

/// How a worker ended, as its executor saw it.
public struct WorkerEnd: Sendable, Equatable {
    public var exit: ProcessExit
    /// What the cluster says happened (e.g. "Slurm job 12 ended CANCELLED (reason: ...)"); nil on this machine.
    public var detail: String?
    /// The cluster took the instance back (a Slurm preemption): an interruption, never a failure.
    public var preempted: Bool
    /// The job's FailureReason when the executor knows it failed (the cluster refused it), never an interruption.
    public var failure: String?

    public init(exit: ProcessExit, detail: String? = nil, preempted: Bool = false, failure: String? = nil) {
        self.exit = exit
        self.detail = detail
        self.preempted = preempted
        self.failure = failure
    }
}

/// The capacity refused a placement for good (e.g. Slurm rejected the allocation): the job fails
/// with `reason` as its FailureReason rather than being retried.
public struct PlacementRejected: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// What the Supervisor calls back as workers start and end.
public struct WorkerCallbacks: Sendable {
    /// The worker of `host` runs (or is queued on the cluster) as `worker` (a pid, or a cluster's job id).
    public var started: @Sendable (_ host: Int, _ worker: Int32) -> Void
    /// The worker of `host` ended; called once per host.
    public var exited: @Sendable (_ host: Int, _ end: WorkerEnd) -> Void
    /// A line for the job's secondary status while its instances wait for the executor (nil: no longer waiting).
    public var waiting: @Sendable (_ message: String) -> Void

    public init(started: @escaping @Sendable (Int, Int32) -> Void, exited: @escaping @Sendable (Int, WorkerEnd) -> Void,
                waiting: @escaping @Sendable (String) -> Void = { _ in }) {
        self.started = started
        self.exited = exited
        self.waiting = waiting
    }
}

/// Places workers on capacity: starts them, signals them, reports how they end. Executors decide
/// nothing (the scheduler and the job's state machine do); they carry out placements.
public protocol WorkerExecutor: Sendable {
    /// Starts one worker per instance. Throws when a worker cannot be started at all; workers
    /// already started by then have been reported through `started`.
    func place(_ placement: WorkerPlacement, _ callbacks: WorkerCallbacks) throws
    /// Delivers SIGTERM (stop), SIGUSR1 (spot interruption notice) or SIGKILL to a worker.
    func signal(_ worker: Int32, _ signal: Int32)
    /// Where a person reads the worker's own log, for FailureReasons.
    func logLocation(job: String, host: Int) -> String
    /// At start: may this job's workers, started before the platform restarted, still run (and be reattached by `place`)?
    func mayStillRun(job: String) -> Bool
}

extension WorkerExecutor {
    public func mayStillRun(job: String) -> Bool { false }
}

/// Workers as processes of this machine (fork/exec, sandboxed by the worker itself).
public struct LocalExecutor: WorkerExecutor {
    let config: Supervisor.Config
    let processes: ChildProcesses

    public init(config: Supervisor.Config, processes: ChildProcesses) {
        self.config = config
        self.processes = processes
    }

    public func place(_ placement: WorkerPlacement, _ callbacks: WorkerCallbacks) throws {
        for instance in placement.instances {
            let host = instance.host
            // The worker makes its directory and its log itself (--own-directory, --log): the control
            // plane does no file-system work per instance. A warm instance keeps its directory
            // (staged channels, installed requirements, the warm pool cache): the new job's worker
            // takes it over and reuses what still matches.
            var arguments = [config.workerExecutable, "worker", "--job", placement.job, "--host", String(host),
                             "--control-plane", config.controlPlane.absoluteString, "--region", config.region,
                             "--job-dir", "\(config.jobsDirectory)/\(placement.job)/algo-\(host)", "--runtimes", config.runtimesDirectory,
                             "--stop-grace", String(config.stopGraceSeconds), "--own-directory",
                             "--log", logLocation(job: placement.job, host: host)]
            if let previous = placement.warmFrom { arguments += ["--warm-from", "\(config.jobsDirectory)/\(previous)/algo-\(host)"] }
            let credentials = placement.credentials
            var environment = ["ANNEAL_WORKER_ACCESS_KEY_ID": credentials.accessKeyID, "ANNEAL_WORKER_SECRET_ACCESS_KEY": credentials.secret,
                               "HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/tmp", "ANNEAL_INSTANCE_ID": instance.id]
            if let token = credentials.sessionToken { environment["ANNEAL_WORKER_SESSION_TOKEN"] = token }
            environment["PATH"] = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            let exited = callbacks.exited
            let pid = try processes.spawn(arguments, environment: environment) { exit in
                exited(host, WorkerEnd(exit: exit))
            }
            callbacks.started(host, pid)
        }
    }

    public func signal(_ worker: Int32, _ signal: Int32) {
        processes.signal(worker, signal)
    }

    public func logLocation(job: String, host: Int) -> String {
        "\(config.jobsDirectory)/\(job)/algo-\(host).worker.log"
    }
}
