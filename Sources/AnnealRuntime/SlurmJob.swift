import AnnealCore
import Foundation
import Glibc

/// How Anneal's workers are placed on a Slurm cluster (from `anneal serve --slurm-*`).
public struct SlurmSettings: Sendable {
    /// The partition of each pool (the spot pool's is preemptible: PreemptMode=REQUEUE).
    public var partitions: [PoolKind: String]
    /// A node-local directory on every node: job directories (`jobs/`) and the workers' logs.
    public var nodeDirectory: String
    /// Where framework runtimes are cached on each node.
    public var runtimesDirectory: String
    /// `anneal` at the same path on every node.
    public var workerExecutable: String
    /// The control plane as the nodes reach it.
    public var controlPlane: URL
    public var region: String
    public var stopGraceSeconds: Int
    /// The GRES name of GPUs on the cluster (`gpu`); nil when its nodes have none configured.
    public var gpuGres: String?
    /// PATH of the workers on the nodes.
    public var path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public init(partitions: [PoolKind: String], nodeDirectory: String, runtimesDirectory: String, workerExecutable: String,
                controlPlane: URL, region: String, stopGraceSeconds: Int, gpuGres: String? = nil) {
        self.partitions = partitions
        self.nodeDirectory = nodeDirectory
        self.runtimesDirectory = runtimesDirectory
        self.workerExecutable = workerExecutable
        self.controlPlane = controlPlane
        self.region = region
        self.stopGraceSeconds = stopGraceSeconds
        self.gpuGres = gpuGres
    }
}

/// A batch job as slurmrestd v0.0.38 takes it (`POST /slurm/v0.0.38/job/submit`), and as the CLI
/// fallback turns it into `sbatch` options.
public struct SlurmSubmission: Sendable, Equatable, Codable {
    public struct Job: Sendable, Equatable, Codable {
        public var name: String
        public var comment: String
        public var partition: String
        public var tasks: Int
        public var cpus_per_task: Int
        public var memory_per_cpu: Int
        public var time_limit: Int
        /// Left out to mean "no": slurmrestd 22.05 sets Requeue=1 whenever the key is present, even as
        /// `false`; without it the cluster's JobRequeue (0 by default) applies.
        public var requeue: Bool?
        public var gpus_per_task: String?
        public var current_working_directory: String
        public var standard_output: String
        public var environment: [String: String]
    }

    public var job: Job
    public var script: String

    /// The options `sbatch` takes for the same job (the script comes on its standard input; the
    /// environment is the command's own, with `--export=NONE`-like `--export` of these names).
    public var sbatchArguments: [String] {
        var arguments = ["--parsable", "--job-name=\(job.name)", "--comment=\(job.comment)", "--partition=\(job.partition)",
                         "--ntasks=\(job.tasks)", "--cpus-per-task=\(job.cpus_per_task)", "--mem-per-cpu=\(job.memory_per_cpu)M",
                         "--time=\(job.time_limit)", job.requeue == true ? "--requeue" : "--no-requeue",
                         "--chdir=\(job.current_working_directory)", "--output=\(job.standard_output)",
                         "--export=" + job.environment.keys.sorted().joined(separator: ",")]
        if let gpus = job.gpus_per_task { arguments.append("--gpus-per-task=\(gpus)") }
        return arguments
    }
}

public struct SlurmPlacementError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension SlurmSubmission {
    /// One Slurm job for every instance of a job attempt, so they are allocated together: one task
    /// per instance (`algo-<task+1>`), each with the instance type's vCPUs and memory, on as many
    /// nodes as Slurm finds room on. The batch script starts the workers with `srun`; each worker's
    /// directory is node-local.
    public static func build(_ placement: WorkerPlacement, tag: String, settings: SlurmSettings) throws(SlurmPlacementError) -> SlurmSubmission {
        guard let first = placement.instances.first else { throw SlurmPlacementError(description: "no instance to place") }
        let type = first.type
        guard let partition = settings.partitions[first.pool] else {
            throw SlurmPlacementError(description: "no Slurm partition is configured for the \(first.pool.rawValue) pool")
        }
        var gpus: String?
        if type.gpus > 0 {
            guard let gres = settings.gpuGres else {
                throw SlurmPlacementError(description: "\(type.name) has \(type.gpus) GPU(s) but the Slurm executor has no GPU GRES configured "
                    + "(anneal serve --slurm-gpu-gres gpu)")
            }
            gpus = gres == "gpu" ? String(type.gpus) : "\(gres):\(type.gpus)"
        }
        let cpus = max(1, type.vCPUs)
        // Anneal enforces MaxRuntimeInSeconds itself; Slurm's limit is the backstop, after the grace and the upload.
        let minutes = (placement.maxRuntimeSeconds + settings.stopGraceSeconds + 180 + 59) / 60
        var environment = ["PATH": settings.path, "HOME": settings.nodeDirectory,
                           "ANNEAL_WORKER_ACCESS_KEY_ID": placement.credentials.accessKeyID,
                           "ANNEAL_WORKER_SECRET_ACCESS_KEY": placement.credentials.secret,
                           "ANNEAL_INSTANCE_IDS": placement.instances.map(\.id).joined(separator: ",")]
        if let token = placement.credentials.sessionToken { environment["ANNEAL_WORKER_SESSION_TOKEN"] = token }
        let job = Job(name: "anneal-\(placement.job)", comment: tag, partition: partition, tasks: placement.instances.count,
                      cpus_per_task: cpus, memory_per_cpu: max(1, (type.memoryMiB + cpus - 1) / cpus), time_limit: max(1, minutes),
                      requeue: nil, gpus_per_task: gpus, current_working_directory: "/tmp", standard_output: "/dev/null",
                      environment: environment)
        return SlurmSubmission(job: job, script: script(job: placement.job, warmFrom: placement.warmFrom, settings: settings))
    }

    /// The batch script. The batch shell and `srun` ignore USR1/USR2 (Anneal's stop and interruption
    /// notices go to every process of the job, and only the workers act on them); a SIGTERM from
    /// Slurm (a preemption, a cancellation) reaches every worker, which treats it as an interruption.
    static func script(job: String, warmFrom: String? = nil, settings: SlurmSettings) -> String {
        let base = settings.nodeDirectory + "/jobs/" + job
        let worker = [settings.workerExecutable, "worker", "--job", job, "--host", "$h", "--control-plane", settings.controlPlane.absoluteString,
                      "--region", settings.region, "--job-dir", "$d", "--runtimes", settings.runtimesDirectory,
                      "--stop-grace", String(settings.stopGraceSeconds), "--signals", "slurm"]
        let quotedWorker = worker.map { $0.hasPrefix("$") ? "\"\($0)\"" : shellQuoted($0) }.joined(separator: " ")
        // A warm pool's directory moves to this job when the task lands on the node that kept it.
        let warm = warmFrom.map { "w=\(shellQuoted(settings.nodeDirectory + "/jobs/" + $0))/algo-$h; " + "if [ -d \"$w\" ]; then mv \"$w\" \"$d\"; fi; " } ?? ""
        let task = "h=$((SLURM_PROCID + 1)); b=\(shellQuoted(base)); d=\"$b/algo-$h\"; mkdir -p \"$b\" && rm -rf \"$d\" && "
            + "{ \(warm)mkdir -p \"$d\"; } && exec \(quotedWorker) >>\"$b/algo-$h.worker.log\" 2>&1"
        return """
            #!/bin/bash
            # Anneal training job \(job): one task per instance (algo-N is task N-1), placed by anneal serve.
            umask 077
            base=\(shellQuoted(base))
            mkdir -p "$base" \(shellQuoted(settings.nodeDirectory + "/slurm-logs"))
            exec >>\(shellQuoted(settings.nodeDirectory + "/slurm-logs/" + job + "."))"$SLURM_JOB_ID.log" 2>&1
            trap '' USR1 USR2
            trap 'echo "[anneal] SIGTERM from Slurm (preemption or cancellation)"' TERM
            echo "[anneal] Slurm job $SLURM_JOB_ID on $SLURM_JOB_NODELIST: $SLURM_NTASKS worker(s)"
            srun --kill-on-bad-exit=0 /bin/sh -c \(shellQuoted(task)) &
            step=$!
            while kill -0 "$step" 2>/dev/null; do wait "$step"; done
            wait "$step"
            status=$?
            echo "[anneal] workers ended: $status"
            exit "$status"

            """
    }

    /// `value` as one word of a POSIX shell.
    public static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A Slurm job as the cluster reports it (the fields Anneal reads from v0.0.38's job list, or `scontrol --json`).
public struct SlurmJobInfo: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var comment: String
    public var state: String
    public var reason: String
    public var exitCode: Int
    public var preemptTime: Int
    public var restarts: Int
    public var partition: String
    public var nodes: String

    public init(id: Int, name: String = "", comment: String = "", state: String, reason: String = "None", exitCode: Int = 0,
                preemptTime: Int = 0, restarts: Int = 0, partition: String = "", nodes: String = "") {
        self.id = id
        self.name = name
        self.comment = comment
        self.state = state
        self.reason = reason
        self.exitCode = exitCode
        self.preemptTime = preemptTime
        self.restarts = restarts
        self.partition = partition
        self.nodes = nodes
    }
}

/// Where a Slurm job is, in Anneal's terms.
public enum SlurmJobPhase: Sendable, Equatable {
    /// Not running yet (the message is for the job's secondary status).
    case waiting(String)
    case running
    /// Over: every worker of it has ended like this.
    case ended(WorkerEnd)
    /// Slurm preempted it and requeued it (or is about to): Anneal cancels it and restarts the job
    /// itself, so it never runs twice.
    case requeued(WorkerEnd)

    /// The mapping from Slurm's job states (squeue(1), JOB STATE CODES) to worker ends.
    public static func of(_ job: SlurmJobInfo) -> SlurmJobPhase {
        let state = job.state.uppercased()
        let reason = job.reason.isEmpty || job.reason == "None" ? "" : " (reason: \(job.reason))"
        let preempted = WorkerEnd(exit: .signaled(SIGTERM), detail: "Slurm job \(job.id) was preempted on \(job.nodes.isEmpty ? "its node" : job.nodes)",
                                  preempted: true)
        switch state {
        case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SUSPENDED":
            if job.restarts > 0 || job.preemptTime > 0 || state.hasPrefix("REQUEUE") { return .requeued(preempted) }
            if state == "SUSPENDED" { return .waiting("Slurm suspended job \(job.id)\(reason)") }
            return .waiting("Waiting for Slurm to allocate the instances (Slurm job \(job.id), partition \(job.partition)\(reason))")
        case "RUNNING", "COMPLETING", "SIGNALING", "STAGE_OUT", "RESIZING":
            return .running
        case "PREEMPTED":
            return .ended(preempted)
        default:
            break
        }
        if job.preemptTime > 0 { return .ended(preempted) }
        let exit: ProcessExit = (job.exitCode & 0x7f) != 0 ? .signaled(Int32(job.exitCode & 0x7f)) : .exited(Int32((job.exitCode >> 8) & 0xff))
        switch state {
        case "COMPLETED", "FAILED":
            return .ended(WorkerEnd(exit: exit, detail: state == "FAILED" ? "Slurm job \(job.id) FAILED with \(exit.description)\(reason)" : nil))
        case "CANCELLED":
            return .ended(WorkerEnd(exit: exit, detail: "Slurm job \(job.id) was cancelled by the cluster (CANCELLED\(reason))"))
        case "NODE_FAIL":
            return .ended(WorkerEnd(exit: .signaled(SIGKILL), detail: "Slurm job \(job.id) lost its node \(job.nodes) (NODE_FAIL\(reason))"))
        case "TIMEOUT":
            return .ended(WorkerEnd(exit: exit, detail: "Slurm job \(job.id) reached its Slurm time limit (TIMEOUT)"))
        case "OUT_OF_MEMORY":
            return .ended(WorkerEnd(exit: exit, detail: "Slurm job \(job.id) ran out of memory (OUT_OF_MEMORY)"))
        default:
            return .ended(WorkerEnd(exit: exit, detail: "Slurm job \(job.id) ended \(state)\(reason)"))
        }
    }
}
