import AnnealCore
import AnnealStore
import Foundation
import Glibc
import Synchronization

/// Workers on a Slurm cluster: each job attempt is one Slurm job with a task per instance
/// (`SlurmSubmission.build`), submitted through slurmrestd or the Slurm commands, watched by one
/// thread that polls the cluster and turns Slurm's job states into worker ends
/// (`SlurmJobPhase.of`). Every submission is recorded before it is sent (`SlurmAllocationStore`),
/// so a restarted server reattaches what still runs instead of submitting it again.
public final class SlurmExecutor: WorkerExecutor, Sendable {
    let cluster: any SlurmCluster
    let settings: SlurmSettings
    let store: SlurmAllocationStore?
    let note: @Sendable (String, [(String, String)]) -> Void
    let clock: @Sendable () -> Double
    let pollSeconds: Double
    /// A Slurm job pending this long (or held for a reason) shows in the job's secondary status.
    let waitingNoticeSeconds: Double
    let signals = DispatchQueue(label: "anneal-slurm-signals")
    /// Wakes the watching thread at once (a new submission) rather than at its next poll.
    let wake = DispatchSemaphore(value: 0)

    struct Watched {
        var tag: String
        var job: String
        var hosts: [Int]
        var callbacks: WorkerCallbacks
        var submission: SlurmSubmission?
        var slurmID: Int?
        var since: Double
        var lastMessage: String?
        var lastAttempt: Double = 0
    }

    struct State {
        var watched: [Int32: Watched] = [:]
        var nextHandle: Int32 = 1
        var lastSignals: [String: Double] = [:]
        var unreachableSince: Double?
        var lastProblem: String?
    }

    let state = Mutex(State())

    public init(cluster: any SlurmCluster, settings: SlurmSettings, store: SlurmAllocationStore?, pollSeconds: Double = 1,
                waitingNoticeSeconds: Double = 5, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
                note: @escaping @Sendable (String, [(String, String)]) -> Void = { _, _ in }) {
        self.cluster = cluster
        self.settings = settings
        self.store = store
        self.pollSeconds = pollSeconds
        self.waitingNoticeSeconds = waitingNoticeSeconds
        self.clock = clock
        self.note = note
    }

    /// Starts the thread that submits to and watches the cluster. Requests to the cluster block,
    /// so they run on this thread of their own, never on the threads that place jobs.
    public func start() {
        let thread = Thread { [self] in
            while true {
                _ = wake.wait(timeout: .now() + pollSeconds)
                poll()
            }
        }
        thread.name = "anneal-slurm"
        thread.start()
    }

    /// Problems with the configuration that `anneal serve` must refuse to start with (an invalid
    /// token, a partition the cluster does not have); nil when the cluster agrees, or is
    /// unreachable for now (jobs then wait for it).
    public func validate() -> (fatal: String?, warning: String?) {
        do {
            try cluster.ping()
            for (pool, partition) in settings.partitions.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where !(try cluster.partitionExists(partition)) {
                return ("the Slurm cluster has no partition '\(partition)' (for the \(pool.rawValue) pool): create it, or pick another with "
                    + "--slurm-\(pool.rawValue)-partition", nil)
            }
            return (nil, nil)
        } catch where error.code == .unreachable {
            return (nil, "\(error.message); jobs wait until it answers")
        } catch {
            return ("\(error.message)", nil)
        }
    }

    // MARK: - WorkerExecutor

    public func place(_ placement: WorkerPlacement, _ callbacks: WorkerCallbacks) throws {
        let hosts = placement.instances.map(\.host)
        if try reattach(placement.job, hosts: hosts, callbacks) { return }
        let tag = "anneal:\(placement.job):\(UInt64.random(in: 0..<UInt64.max) & 0xffff_ffff_ffff)"
        let submission: SlurmSubmission
        do { submission = try SlurmSubmission.build(placement, tag: tag, settings: settings) } catch {
            throw PlacementRejected(reason: "CapacityError: \(error.description)")
        }
        try store?.intend(tag: tag, job: placement.job, hosts: hosts.count, partition: submission.job.partition, at: clock())
        // Submitted by the watching thread (`poll`): a refusal then ends the workers with Slurm's reason.
        let handle = watch(Watched(tag: tag, job: placement.job, hosts: hosts, callbacks: callbacks, submission: submission, since: clock()))
        for host in hosts { callbacks.started(host, handle) }
        wake.signal()
    }

    public func signal(_ worker: Int32, _ signal: Int32) {
        let now = clock()
        let target: (Watched, Bool)? = state.withLock { state in
            guard let watched = state.watched[worker] else { return nil }
            // Every host of a job shares its Slurm job: one signal reaches them all.
            let key = "\(worker):\(signal)"
            if let last = state.lastSignals[key], now - last < 5 { return nil }
            state.lastSignals[key] = now
            if watched.slurmID == nil { state.watched[worker] = nil }
            return (watched, watched.slurmID == nil)
        }
        guard let (watched, unsubmitted) = target else { return }
        if unsubmitted {
            // Never reached the cluster: it ends here.
            try? store?.ended(tag: watched.tag, state: "never submitted", at: now)
            let end = WorkerEnd(exit: .signaled(signal), detail: "stopped before Slurm received it")
            for host in watched.hosts { watched.callbacks.exited(host, end) }
            return
        }
        guard let id = watched.slurmID else { return }
        signals.async { [self] in
            do {
                switch signal {
                case SIGKILL:
                    try cluster.cancel(id)
                default:
                    // A job Slurm has not started yet has nothing to stop gracefully, nor to be told of an interruption.
                    if case .waiting = (try cluster.job(id)).map(SlurmJobPhase.of) ?? .running {
                        try cluster.cancel(id)
                    } else {
                        try cluster.signal(id, signal == SIGUSR1 ? "USR1" : "USR2")
                    }
                }
                note("slurm_job_signalled", [("job", watched.job), ("slurm_job", String(id)), ("signal", String(signal))])
            } catch {
                note("slurm_signal_failed", [("job", watched.job), ("slurm_job", String(id)), ("error", "\(error)")])
            }
        }
    }

    public func logLocation(job: String, host: Int) -> String {
        "\(settings.nodeDirectory)/jobs/\(job)/algo-\(host).worker.log on the Slurm node that ran it"
    }

    public func mayStillRun(job: String) -> Bool {
        !((try? store?.open(job: job)) ?? []).isEmpty
    }

    // MARK: - Submitting and reattaching

    private func watch(_ watched: Watched) -> Int32 {
        state.withLock { state in
            let handle = state.nextHandle
            state.nextHandle += 1
            state.watched[handle] = watched
            return handle
        }
    }

    /// Sends a recorded submission. The cluster unreachable (or refusing the token) leaves it waiting,
    /// with the reason in the job's secondary status; a rejection ends it with Slurm's reason.
    private func submit(_ handle: Int32) throws {
        let pending: Watched? = state.withLock { state in
            guard var watched = state.watched[handle], watched.slurmID == nil else { return nil }
            watched.lastAttempt = clock()
            state.watched[handle] = watched
            return watched
        }
        guard let watched = pending, let submission = watched.submission else { return }
        do {
            let id = try cluster.submit(submission)
            try? store?.submitted(tag: watched.tag, slurmJobID: id)
            let stillWatched = state.withLock { state -> Bool in
                guard state.watched[handle] != nil else { return false }
                state.watched[handle]?.slurmID = id
                state.watched[handle]?.since = clock()
                return true
            }
            note("slurm_job_submitted", [("job", watched.job), ("slurm_job", String(id)), ("partition", submission.job.partition),
                                         ("tasks", String(submission.job.tasks))])
            // Stopped while it was being submitted: it goes at once.
            if !stillWatched { try? cluster.cancel(id) }
        } catch where error.code == .unreachable || error.code == .unauthorized || error.code == .unavailable {
            let message = error.code == .unavailable
                ? "Waiting for Slurm nodes: \(error.message). The job is submitted when the partition has a node for it."
                : "Waiting for the Slurm cluster: \(error.message). The job is submitted when it answers."
            let changed = state.withLock { state -> Bool in
                guard state.watched[handle]?.lastMessage != message else { return false }
                state.watched[handle]?.lastMessage = message
                return true
            }
            if changed {
                note("slurm_submit_waiting", [("job", watched.job), ("error", error.message)])
                watched.callbacks.waiting(message)
            }
        } catch {
            // The caller (`poll`) ends the workers with this reason.
            try? store?.ended(tag: watched.tag, state: "rejected", at: clock())
            note("slurm_job_rejected", [("job", watched.job), ("error", error.message)])
            throw PlacementRejected(reason: "CapacityError: Slurm rejected the allocation (partition \(submission.job.partition), \(submission.job.tasks) task(s) of "
                + "\(submission.job.cpus_per_task) CPUs and \(submission.job.memory_per_cpu * submission.job.cpus_per_task) MiB): \(error.message)")
        }
    }

    /// The job's allocation from before a restart, if one may still run: watched again rather than submitted anew.
    private func reattach(_ job: String, hosts: [Int], _ callbacks: WorkerCallbacks) throws -> Bool {
        guard let store else { return false }
        let alreadyWatched = state.withLock { $0.watched.values.contains { $0.job == job } }
        guard !alreadyWatched else { return false }
        for allocation in try store.open(job: job) {
            var id = allocation.slurmJobID
            if id == nil {
                // The platform stopped between the intent and the cluster's answer: the tag tells whether it got there.
                do {
                    id = try cluster.jobs().first { $0.comment == allocation.tag }?.id
                } catch {
                    // Cannot tell now: it would be submitted twice if it did arrive. Wait for the cluster.
                    throw SlurmError(.unreachable, "cannot tell whether the Slurm job of \(job) was submitted before the platform "
                        + "restarted: \(error.message)")
                }
                guard let found = id else {
                    try? store.ended(tag: allocation.tag, state: "never submitted", at: clock())
                    continue
                }
                try? store.submitted(tag: allocation.tag, slurmJobID: found)
            }
            guard let slurmID = id else { continue }
            let handle = watch(Watched(tag: allocation.tag, job: job, hosts: hosts, callbacks: callbacks, submission: nil, slurmID: slurmID,
                                       since: clock()))
            for host in hosts { callbacks.started(host, handle) }
            note("slurm_job_reattached", [("job", job), ("slurm_job", String(slurmID))])
            return true
        }
        return false
    }

    // MARK: - Watching

    /// One pass: submissions waiting for the cluster are retried (every 5 s), and every submitted
    /// job's state is read once.
    func poll() {
        let now = clock()
        let (retry, submitted): ([Int32], [(Int32, Watched)]) = state.withLock { state in
            let retry = state.watched.filter { $0.value.slurmID == nil && now - $0.value.lastAttempt >= 5 }.map(\.key)
            let submitted = state.watched.filter { $0.value.slurmID != nil }.map { ($0.key, $0.value) }
            state.lastSignals = state.lastSignals.filter { now - $0.value < 60 }
            return (retry, submitted)
        }
        for handle in retry {
            do { try submit(handle) } catch {
                let watched = state.withLock { $0.watched.removeValue(forKey: handle) }
                let end = WorkerEnd(exit: .exited(127), detail: "\(error)", failure: (error as? PlacementRejected)?.reason ?? "\(error)")
                if let watched { for host in watched.hosts { watched.callbacks.exited(host, end) } }
            }
        }
        guard !submitted.isEmpty else { return }
        let known: [Int: SlurmJobInfo]
        do {
            known = Dictionary(try cluster.jobs().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let recovered = state.withLock { state -> Double? in
                defer { state.unreachableSince = nil; state.lastProblem = nil }
                return state.unreachableSince
            }
            if let since = recovered { note("slurm_reachable_again", [("after_seconds", String(Int(now - since)))]) }
        } catch {
            unreachable(error, submitted: submitted, now: now)
            return
        }
        for (handle, watched) in submitted {
            guard let id = watched.slurmID else { continue }
            var info = known[id]
            if info == nil {
                do { info = try cluster.job(id) } catch { continue }
            }
            guard let info else {
                finish(handle, WorkerEnd(exit: .signaled(SIGKILL), detail: "Slurm job \(id) is no longer known to the cluster (lost)"),
                       state: "lost")
                continue
            }
            switch SlurmJobPhase.of(info) {
            case .running:
                break
            case .waiting(let message):
                guard now - watched.since >= waitingNoticeSeconds || info.reason.contains("Invalid") || info.reason.contains("Held") else { break }
                let changed = state.withLock { state -> Bool in
                    guard state.watched[handle]?.lastMessage != message else { return false }
                    state.watched[handle]?.lastMessage = message
                    return true
                }
                if changed { watched.callbacks.waiting(message) }
            case .ended(let end):
                finish(handle, end, state: info.state)
            case .requeued(let end):
                // Slurm would run it again; Anneal restarts the job itself (from its checkpoints), so this copy goes.
                try? cluster.cancel(id)
                note("slurm_requeue_cancelled", [("job", watched.job), ("slurm_job", String(id))])
                finish(handle, end, state: "PREEMPTED")
            }
        }
    }

    private func unreachable(_ error: SlurmError, submitted: [(Int32, Watched)], now: Double) {
        let first = state.withLock { state -> Bool in
            defer { state.lastProblem = error.message }
            if state.unreachableSince == nil { state.unreachableSince = now }
            return state.lastProblem != error.message
        }
        if first { note("slurm_unreachable", [("error", error.message)]) }
        // Jobs not running yet say why they wait; running workers carry on (they need the control plane, not slurmctld).
        let message = "Waiting for the Slurm cluster: \(error.message). The job resumes when it answers."
        for (handle, watched) in submitted {
            let changed = state.withLock { state -> Bool in
                guard state.watched[handle]?.lastMessage != message else { return false }
                state.watched[handle]?.lastMessage = message
                return true
            }
            if changed { watched.callbacks.waiting(message) }
        }
    }

    private func finish(_ handle: Int32, _ end: WorkerEnd, state slurmState: String) {
        guard let watched = state.withLock({ $0.watched.removeValue(forKey: handle) }) else { return }
        try? store?.ended(tag: watched.tag, state: slurmState, at: clock())
        note("slurm_job_ended", [("job", watched.job), ("slurm_job", String(watched.slurmID ?? 0)), ("state", slurmState),
                                 ("preempted", String(end.preempted))])
        for host in watched.hosts { watched.callbacks.exited(host, end) }
    }
}
