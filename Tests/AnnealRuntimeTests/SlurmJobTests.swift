import AnnealCore
import Foundation
import Glibc
import Synchronization
import Testing
@testable import AnnealRuntime

@Suite struct SlurmSubmissionTests {
    static let large = InstanceType(name: "ml.m5.large", vCPUs: 2, memoryMiB: 8192, onDemandPrice: 0.115)
    static let gpu = InstanceType(name: "ml.g4dn.xlarge", vCPUs: 4, memoryMiB: 16384, gpus: 1, onDemandPrice: 0.736)

    static func settings(gres: String? = nil) -> SlurmSettings {
        SlurmSettings(partitions: [.onDemand: "batch", .spot: "preemptible"], nodeDirectory: "/var/lib/anneal node",
                      runtimesDirectory: "/var/lib/anneal/runtimes", workerExecutable: "/usr/local/bin/anneal",
                      controlPlane: URL(string: "http://10.0.0.1:8717")!, region: "eu-west-1", stopGraceSeconds: 120, gpuGres: gres)
    }

    static func placement(_ type: InstanceType = large, count: Int = 2, pool: PoolKind = .onDemand, runtime: Int = 3600) -> WorkerPlacement {
        let instances = (1...count).reversed().map { CapacityInstance(id: "i-\($0)", job: "job-1", host: $0, pool: pool, type: type) }
        return WorkerPlacement(job: "job-1", instances: instances,
                               credentials: .init(accessKeyID: "ASIAKEY", secret: "s3cr3t", sessionToken: "tok"), maxRuntimeSeconds: runtime)
    }

    @Test func oneSlurmJobWithATaskPerInstanceSizedByTheInstanceType() throws {
        let submission = try SlurmSubmission.build(Self.placement(), tag: "anneal:job-1:42", settings: Self.settings())
        let job = submission.job
        #expect(job.name == "anneal-job-1" && job.comment == "anneal:job-1:42" && job.partition == "batch")
        #expect(job.tasks == 2 && job.cpus_per_task == 2 && job.memory_per_cpu == 4096)
        // MaxRuntime 3600 s + grace 120 s + 180 s for the upload, in whole minutes, rounded up.
        #expect(job.time_limit == 65)
        #expect(job.requeue == nil && job.gpus_per_task == nil)
        #expect(job.environment["ANNEAL_WORKER_ACCESS_KEY_ID"] == "ASIAKEY" && job.environment["ANNEAL_WORKER_SESSION_TOKEN"] == "tok")
        #expect(job.environment["ANNEAL_INSTANCE_IDS"] == "i-1,i-2" && job.environment["HOME"] == "/var/lib/anneal node")
        #expect(!submission.script.contains("s3cr3t"), "credentials travel in the environment, never in the script")
        // The task's command is one quoted word of `srun /bin/sh -c`: its own quotes appear quoted.
        func inner(_ text: String) -> String { String(SlurmSubmission.shellQuoted(text).dropFirst().dropLast()) }
        #expect(submission.script.contains(inner("'/usr/local/bin/anneal' 'worker' '--job' 'job-1' '--host' \"$h\"")))
        #expect(submission.script.contains(inner("'--control-plane' 'http://10.0.0.1:8717'")))
        #expect(submission.script.contains(inner("'--signals' 'slurm'")) && submission.script.contains(inner("b='/var/lib/anneal node/jobs/job-1'")))
        #expect(submission.script.contains("trap '' USR1 USR2"))
    }

    @Test func theSpotPoolGoesToItsPartition() throws {
        let submission = try SlurmSubmission.build(Self.placement(count: 1, pool: .spot), tag: "t", settings: Self.settings())
        #expect(submission.job.partition == "preemptible" && submission.job.tasks == 1)
    }

    @Test func gpusNeedAConfiguredGres() throws {
        #expect(throws: SlurmPlacementError.self) {
            try SlurmSubmission.build(Self.placement(Self.gpu, count: 1), tag: "t", settings: Self.settings())
        }
        let plain = try SlurmSubmission.build(Self.placement(Self.gpu, count: 1), tag: "t", settings: Self.settings(gres: "gpu"))
        #expect(plain.job.gpus_per_task == "1" && plain.sbatchArguments.contains("--gpus-per-task=1"))
        let typed = try SlurmSubmission.build(Self.placement(Self.gpu, count: 1), tag: "t", settings: Self.settings(gres: "a100"))
        #expect(typed.job.gpus_per_task == "a100:1")
    }

    @Test func theRESTBodyUsesSlurmrestdsFieldNames() throws {
        let submission = try SlurmSubmission.build(Self.placement(), tag: "t", settings: Self.settings())
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(submission)) as? [String: Any])
        let job = try #require(object["job"] as? [String: Any])
        #expect(object["script"] is String)
        #expect(job["cpus_per_task"] as? Int == 2 && job["memory_per_cpu"] as? Int == 4096 && job["tasks"] as? Int == 2)
        #expect(job["time_limit"] as? Int == 65 && job["partition"] as? String == "batch")
        #expect(job["requeue"] == nil, "slurmrestd 22.05 reads any requeue key as true")
        #expect(job["current_working_directory"] as? String == "/tmp" && job["environment"] is [String: Any])
    }

    @Test func sbatchGetsTheSameJob() throws {
        let arguments = try SlurmSubmission.build(Self.placement(), tag: "t", settings: Self.settings()).sbatchArguments
        for expected in ["--parsable", "--partition=batch", "--ntasks=2", "--cpus-per-task=2", "--mem-per-cpu=4096M", "--time=65",
                         "--no-requeue", "--comment=t", "--job-name=anneal-job-1"] {
            #expect(arguments.contains(expected), "\(expected)")
        }
        let export = try #require(arguments.first { $0.hasPrefix("--export=") })
        #expect(export.contains("ANNEAL_WORKER_SECRET_ACCESS_KEY") && !export.contains("s3cr3t"))
    }

    @Test(arguments: [("plain", "'plain'"), ("it's", "'it'\\''s'"), ("$HOME `x`", "'$HOME `x`'"), ("", "''")])
    func shellQuoting(_ value: String, _ quoted: String) {
        #expect(SlurmSubmission.shellQuoted(value) == quoted)
    }
}

@Suite struct SlurmJobPhaseTests {
    static func info(_ state: String, exit: Int = 0, preempt: Int = 0, restarts: Int = 0, reason: String = "None") -> SlurmJobInfo {
        SlurmJobInfo(id: 7, state: state, reason: reason, exitCode: exit, preemptTime: preempt, restarts: restarts, partition: "spot",
                     nodes: "node-3")
    }

    @Test func waitingAndRunning() {
        #expect(SlurmJobPhase.of(Self.info("PENDING", reason: "Resources"))
            == .waiting("Waiting for Slurm to allocate the instances (Slurm job 7, partition spot (reason: Resources))"))
        #expect(SlurmJobPhase.of(Self.info("CONFIGURING")) == .waiting("Waiting for Slurm to allocate the instances (Slurm job 7, partition spot)"))
        #expect(SlurmJobPhase.of(Self.info("RUNNING")) == .running)
        #expect(SlurmJobPhase.of(Self.info("COMPLETING")) == .running)
    }

    @Test func endsBecomeWorkerEnds() {
        #expect(SlurmJobPhase.of(Self.info("COMPLETED")) == .ended(WorkerEnd(exit: .exited(0))))
        #expect(SlurmJobPhase.of(Self.info("FAILED", exit: 3 << 8))
            == .ended(WorkerEnd(exit: .exited(3), detail: "Slurm job 7 FAILED with exit code 3")))
        #expect(SlurmJobPhase.of(Self.info("FAILED", exit: 9)) == .ended(WorkerEnd(exit: .signaled(9), detail: "Slurm job 7 FAILED with signal 9 (SIGKILL)")))
        #expect(SlurmJobPhase.of(Self.info("CANCELLED", exit: 15))
            == .ended(WorkerEnd(exit: .signaled(15), detail: "Slurm job 7 was cancelled by the cluster (CANCELLED)")))
        #expect(SlurmJobPhase.of(Self.info("NODE_FAIL"))
            == .ended(WorkerEnd(exit: .signaled(SIGKILL), detail: "Slurm job 7 lost its node node-3 (NODE_FAIL)")))
        #expect(SlurmJobPhase.of(Self.info("TIMEOUT")) == .ended(WorkerEnd(exit: .exited(0), detail: "Slurm job 7 reached its Slurm time limit (TIMEOUT)")))
        #expect(SlurmJobPhase.of(Self.info("BOOT_FAIL")) == .ended(WorkerEnd(exit: .exited(0), detail: "Slurm job 7 ended BOOT_FAIL")))
    }

    @Test func aPreemptionIsNeverAFailure() {
        let preempted = WorkerEnd(exit: .signaled(SIGTERM), detail: "Slurm job 7 was preempted on node-3", preempted: true)
        #expect(SlurmJobPhase.of(Self.info("PREEMPTED")) == .ended(preempted))
        // The workers ended on their own during the grace time: still a preemption, whatever the exit.
        #expect(SlurmJobPhase.of(Self.info("COMPLETED", preempt: 1_796_420_099)) == .ended(preempted))
        #expect(SlurmJobPhase.of(Self.info("FAILED", exit: 3 << 8, preempt: 1_796_420_099)) == .ended(preempted))
        #expect(SlurmJobPhase.of(Self.info("CANCELLED", preempt: 1_796_420_099)) == .ended(preempted))
        // Requeued by Slurm: Anneal cancels that copy and restarts the job itself.
        #expect(SlurmJobPhase.of(Self.info("PENDING", restarts: 1)) == .requeued(preempted))
        #expect(SlurmJobPhase.of(Self.info("REQUEUED")) == .requeued(preempted))
    }
}

@Suite struct SlurmClusterReportTests {
    @Test func nodesInUsePerPool() {
        let nodes = [SlurmNode(name: "a", state: "mixed", partitions: ["batch", "preemptible"], cpus: 16, allocatedCPUs: 4),
                     SlurmNode(name: "b", state: "idle", partitions: ["batch"], cpus: 16, allocatedCPUs: 0),
                     SlurmNode(name: "c", state: "idle+cloud+powered_down", partitions: ["batch", "preemptible"], cpus: 32, allocatedCPUs: 0)]
        let jobs = [SlurmJobInfo(id: 1, state: "RUNNING", partition: "batch"), SlurmJobInfo(id: 2, state: "PENDING", partition: "preemptible"),
                    SlurmJobInfo(id: 3, state: "RUNNING", partition: "batch")]
        let report = SlurmClusterReport.build(cluster: "c", partitions: [.onDemand: "batch", .spot: "preemptible"], nodes: nodes, jobs: jobs,
                                              annealJobIDs: [1, 2])
        let pools = Dictionary(uniqueKeysWithValues: report.pools.map { ($0.pool, $0) })
        #expect(pools["on-demand"] == .init(pool: "on-demand", partition: "batch", nodes: 3, nodesInUse: 1, nodesPoweredDown: 1, cpus: 64,
                                            allocatedCPUs: 4, annealJobsRunning: 1, annealJobsWaiting: 0))
        #expect(pools["spot"] == .init(pool: "spot", partition: "preemptible", nodes: 2, nodesInUse: 1, nodesPoweredDown: 1, cpus: 48,
                                       allocatedCPUs: 4, annealJobsRunning: 0, annealJobsWaiting: 1))
    }

    @Test func poweredDownCloudNodesTheListingHidesCountFromThePartitionTotals() {
        // Without PrivateData=cloud the node listing lacks powered-down cloud nodes; the partition counts them.
        // cloud2 resumes for a job: in use, not powered down, though Slurm still flags it POWERED_DOWN.
        let nodes = [SlurmNode(name: "cloud1", state: "allocated+cloud", partitions: ["cloud"], cpus: 2, allocatedCPUs: 2),
                     SlurmNode(name: "cloud2", state: "allocated+cloud+powered_down+powering_up", partitions: ["cloud"], cpus: 2, allocatedCPUs: 2)]
        let sizes = [SlurmPartition(name: "cloud", nodes: 4, cpus: 8), SlurmPartition(name: "spot", nodes: 1, cpus: 16)]
        let hidden = SlurmClusterReport.build(cluster: "c", partitions: [.onDemand: "cloud"], nodes: nodes, sizes: sizes, jobs: [], annealJobIDs: [])
        #expect(hidden.pools == [.init(pool: "on-demand", partition: "cloud", nodes: 4, nodesInUse: 2, nodesPoweredDown: 2, cpus: 8,
                                       allocatedCPUs: 4, annealJobsRunning: 0, annealJobsWaiting: 0)])
        // With PrivateData=cloud every node is listed: nothing is counted twice.
        let all = nodes + [SlurmNode(name: "cloud3", state: "idle+cloud+powered_down", partitions: ["cloud"], cpus: 2, allocatedCPUs: 0),
                           SlurmNode(name: "cloud4", state: "idle+cloud+powered_down", partitions: ["cloud"], cpus: 2, allocatedCPUs: 0)]
        let listed = SlurmClusterReport.build(cluster: "c", partitions: [.onDemand: "cloud"], nodes: all, sizes: sizes, jobs: [], annealJobIDs: [])
        #expect(listed == hidden)
    }
}
