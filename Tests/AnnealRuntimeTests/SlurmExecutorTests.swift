import AnnealCore
import AnnealStore
import Foundation
import Glibc
import Synchronization
import Testing
@testable import AnnealRuntime

/// A cluster in memory: what the executor submits, signals and cancels, and the states it reads.
final class FakeCluster: SlurmCluster, Sendable {
    struct State {
        var reachable = true
        var rejection: String?
        var submitted: [SlurmSubmission] = []
        var jobs: [Int: SlurmJobInfo] = [:]
        var signals: [String] = []
        var cancelled: [Int] = []
    }

    let state = Mutex(State())
    var location: String { "fake cluster" }

    func check() throws(SlurmError) {
        guard state.withLock({ $0.reachable }) else { throw SlurmError(.unreachable, "fake cluster is unreachable: connection refused") }
    }

    func ping() throws(SlurmError) { try check() }

    func submit(_ submission: SlurmSubmission) throws(SlurmError) -> Int {
        try check()
        return try state.withLock { state throws(SlurmError) -> Int in
            if let rejection = state.rejection { throw SlurmError.refusal(rejection) }
            state.submitted.append(submission)
            let id = 100 + state.submitted.count
            state.jobs[id] = SlurmJobInfo(id: id, name: submission.job.name, comment: submission.job.comment, state: "PENDING",
                                          partition: submission.job.partition)
            return id
        }
    }

    func jobs() throws(SlurmError) -> [SlurmJobInfo] {
        try check()
        return state.withLock { Array($0.jobs.values) }
    }

    func job(_ id: Int) throws(SlurmError) -> SlurmJobInfo? {
        try check()
        return state.withLock { $0.jobs[id] }
    }

    func signal(_ id: Int, _ name: String) throws(SlurmError) {
        try check()
        state.withLock { $0.signals.append("\(id):\(name)") }
    }

    func cancel(_ id: Int) throws(SlurmError) {
        try check()
        state.withLock { state in
            state.cancelled.append(id)
            state.jobs[id]?.state = "CANCELLED"
        }
    }

    func partitionExists(_ name: String) throws(SlurmError) -> Bool {
        try check()
        return ["batch", "preemptible"].contains(name)
    }

    func nodes() throws(SlurmError) -> [SlurmNode] { [] }

    func partitions() throws(SlurmError) -> [SlurmPartition] { [] }

    func set(_ id: Int, _ change: (inout SlurmJobInfo) -> Void) {
        state.withLock { state in
            if var job = state.jobs[id] {
                change(&job)
                state.jobs[id] = job
            }
        }
    }
}

/// What the executor reported back, as the Supervisor would see it.
final class Reports: Sendable {
    let started = Mutex<[Int: Int32]>([:])
    let exited = Mutex<[Int: WorkerEnd]>([:])
    let waiting = Mutex<[String]>([])

    var callbacks: WorkerCallbacks {
        WorkerCallbacks(started: { host, worker in self.started.withLock { $0[host] = worker } },
                        exited: { host, end in self.exited.withLock { $0[host] = end } },
                        waiting: { message in self.waiting.withLock { $0.append(message) } })
    }
}

/// Synthetic time for the executor.
final class TestClock: Sendable {
    let value = Mutex<Double>(1000)
}

@Suite struct SlurmExecutorTests {
    let now = TestClock()

    func executor(_ cluster: FakeCluster, store: SlurmAllocationStore? = nil) -> SlurmExecutor {
        SlurmExecutor(cluster: cluster, settings: SlurmSubmissionTests.settings(), store: store, waitingNoticeSeconds: 5,
                      clock: { [now] in now.value.withLock { $0 } })
    }

    func advance(_ seconds: Double) { now.value.withLock { $0 += seconds } }

    @Test func aReachableClusterGetsOneJobForAllInstancesAndItsEndReachesEveryHost() throws {
        let cluster = FakeCluster()
        let executor = executor(cluster)
        let reports = Reports()
        try executor.place(SlurmSubmissionTests.placement(), reports.callbacks)
        #expect(cluster.state.withLock { $0.submitted.count } == 0, "submitted by the watching thread, not the placing one")
        executor.poll()
        #expect(cluster.state.withLock { $0.submitted.count } == 1)
        let handles = reports.started.withLock { $0 }
        #expect(Set(handles.keys) == [1, 2] && Set(handles.values).count == 1)
        cluster.set(101) { $0.state = "RUNNING" }
        executor.poll()
        #expect(reports.exited.withLock { $0.isEmpty })
        cluster.set(101) { $0.state = "COMPLETED" }
        executor.poll()
        #expect(reports.exited.withLock { $0 } == [1: WorkerEnd(exit: .exited(0)), 2: WorkerEnd(exit: .exited(0))])
    }

    @Test func anUnreachableClusterMakesTheJobWaitThenItIsSubmittedOnce() throws {
        let cluster = FakeCluster()
        cluster.state.withLock { $0.reachable = false }
        let executor = executor(cluster)
        let reports = Reports()
        try executor.place(SlurmSubmissionTests.placement(count: 1), reports.callbacks)
        executor.poll()
        #expect(reports.waiting.withLock { $0 } == ["Waiting for the Slurm cluster: fake cluster is unreachable: connection refused. "
            + "The job is submitted when it answers."])
        #expect(reports.started.withLock { $0.count } == 1)
        executor.poll()
        #expect(reports.waiting.withLock { $0.count } == 1, "the same message once")
        cluster.state.withLock { $0.reachable = true }
        executor.poll()
        #expect(cluster.state.withLock { $0.submitted.count } == 0, "retried every 5 s, not at every poll")
        advance(5)
        executor.poll()
        executor.poll()
        #expect(cluster.state.withLock { $0.submitted.count } == 1)
    }

    @Test func aStopBeforeTheClusterAnswersEndsTheWorkersWithoutSubmitting() throws {
        let cluster = FakeCluster()
        cluster.state.withLock { $0.reachable = false }
        let executor = executor(cluster)
        let reports = Reports()
        try executor.place(SlurmSubmissionTests.placement(count: 2), reports.callbacks)
        let handle = try #require(reports.started.withLock { $0[1] })
        executor.signal(handle, SIGTERM)
        #expect(reports.exited.withLock { $0.count } == 2)
        cluster.state.withLock { $0.reachable = true }
        advance(10)
        executor.poll()
        #expect(cluster.state.withLock { $0.submitted.isEmpty })
    }

    @Test func aRejectionIsThePlacementsFailureReason() throws {
        let cluster = FakeCluster()
        cluster.state.withLock { $0.rejection = "Requested node configuration is not available" }
        let reports = Reports()
        let executor = executor(cluster)
        try executor.place(SlurmSubmissionTests.placement(count: 1), reports.callbacks)
        executor.poll()
        let reason = "CapacityError: Slurm rejected the allocation (partition batch, 1 task(s) of 2 CPUs and 8192 MiB): "
            + "Requested node configuration is not available"
        #expect(reports.exited.withLock { $0[1] } == WorkerEnd(exit: .exited(127), detail: reason, failure: reason))
    }

    @Test func nodesDownForNowMakeTheJobWaitNotFail() throws {
        let cluster = FakeCluster()
        cluster.state.withLock { $0.rejection = "Required node not available (down, drained or reserved)" }
        let reports = Reports()
        let executor = executor(cluster)
        try executor.place(SlurmSubmissionTests.placement(count: 1), reports.callbacks)
        executor.poll()
        #expect(reports.exited.withLock { $0.isEmpty })
        #expect(reports.waiting.withLock { $0 } == ["Waiting for Slurm nodes: Required node not available (down, drained or reserved). "
            + "The job is submitted when the partition has a node for it."])
        cluster.state.withLock { $0.rejection = nil }
        advance(5)
        executor.poll()
        #expect(cluster.state.withLock { $0.submitted.count } == 1)
        #expect(reports.exited.withLock { $0.isEmpty })
    }

    @Test func signalsMapToSlurmOnesOncePerJob() async throws {
        let cluster = FakeCluster()
        let executor = executor(cluster)
        let reports = Reports()
        try executor.place(SlurmSubmissionTests.placement(count: 2), reports.callbacks)
        executor.poll()
        cluster.set(101) { $0.state = "RUNNING" }
        let handle = try #require(reports.started.withLock { $0[1] })
        executor.signal(handle, SIGTERM)
        executor.signal(handle, SIGTERM)
        executor.signal(handle, SIGUSR1)
        executor.signal(handle, SIGKILL)
        for _ in 0..<100 where cluster.state.withLock({ $0.cancelled.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(cluster.state.withLock { $0.signals } == ["101:USR2", "101:USR1"])
        #expect(cluster.state.withLock { $0.cancelled } == [101])
    }

    @Test func aRequeueBySlurmIsCancelledAndEndsAsAPreemption() throws {
        let cluster = FakeCluster()
        let executor = executor(cluster)
        let reports = Reports()
        try executor.place(SlurmSubmissionTests.placement(count: 1, pool: .spot), reports.callbacks)
        executor.poll()
        cluster.set(101) { $0.state = "PENDING"; $0.restarts = 1 }
        executor.poll()
        #expect(cluster.state.withLock { $0.cancelled } == [101])
        #expect(reports.exited.withLock { $0[1]?.preempted } == true)
    }

    @Test func aRestartedServerReattachesInsteadOfSubmittingAgain() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-exec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(path: directory + "/anneal.db")
        let store = SlurmAllocationStore(database: database)
        let cluster = FakeCluster()
        let first = executor(cluster, store: store)
        try first.place(SlurmSubmissionTests.placement(count: 1), Reports().callbacks)
        first.poll()
        cluster.set(101) { $0.state = "RUNNING" }
        // A new server (a new executor) over the same records.
        let restarted = executor(cluster, store: store)
        #expect(restarted.mayStillRun(job: "job-1") && !restarted.mayStillRun(job: "job-2"))
        let reports = Reports()
        try restarted.place(SlurmSubmissionTests.placement(count: 1), reports.callbacks)
        #expect(cluster.state.withLock { $0.submitted.count } == 1)
        #expect(reports.started.withLock { $0.count } == 1)
        cluster.set(101) { $0.state = "COMPLETED" }
        restarted.poll()
        #expect(reports.exited.withLock { $0[1] } == WorkerEnd(exit: .exited(0)))
        #expect(!restarted.mayStillRun(job: "job-1"))
    }

    @Test func anIntentWithoutAnAnswerIsFoundByItsTagOrSubmittedAgain() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-exec-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = SlurmAllocationStore(database: try Database(path: directory + "/anneal.db"))
        let cluster = FakeCluster()
        // Submitted, but the server stopped before it recorded the job ID.
        try store.intend(tag: "anneal:job-1:1", job: "job-1", hosts: 1, partition: "batch", at: 1)
        cluster.state.withLock { $0.jobs[55] = SlurmJobInfo(id: 55, comment: "anneal:job-1:1", state: "RUNNING") }
        // Never submitted.
        try store.intend(tag: "anneal:job-2:1", job: "job-2", hosts: 1, partition: "batch", at: 1)
        let executor = executor(cluster, store: store)
        let found = Reports()
        try executor.place(SlurmSubmissionTests.placement(count: 1), found.callbacks)
        #expect(cluster.state.withLock { $0.submitted.isEmpty })
        var second = SlurmSubmissionTests.placement(count: 1)
        second.job = "job-2"
        try executor.place(second, Reports().callbacks)
        executor.poll()
        #expect(cluster.state.withLock { $0.submitted.map(\.job.name) } == ["anneal-job-2"])
        #expect(try store.open(job: "job-1").first?.slurmJobID == 55)
    }
}
