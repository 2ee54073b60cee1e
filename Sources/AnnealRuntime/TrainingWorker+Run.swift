import AnnealCore
import Foundation
import Glibc

extension TrainingWorker {
    /// The command SageMaker would run: ContainerEntrypoint + ContainerArguments, or the toolkit's
    /// `python <sagemaker_program> --key value ...`.
    func entryPoint(spec: TrainingJobSpec, contract: ContainerContract, runtime: FrameworkRuntime) throws -> [String] {
        if let entrypoint = spec.containerEntrypoint, !entrypoint.isEmpty {
            return entrypoint + (spec.containerArguments ?? [])
        }
        guard let program = contract.program, !program.isEmpty else {
            return try runtime.trainCommand(arguments: spec.containerArguments, image: spec.trainingImage,
                                            codeDirectory: options.jobDirectory + "/code", visibleCodeDirectory: contract.root + "/code")
        }
        guard FileManager.default.fileExists(atPath: options.jobDirectory + "/code/" + program) else {
            throw StagingError(description: "ClientError: the entry point \(program) was not found in the code directory "
                + "(sagemaker_submit_directory \(contract.submitDirectory ?? "not set"))")
        }
        let path = contract.root + "/code/" + program
        if program.hasSuffix(".py") { return [runtime.python, path] + contract.userArguments }
        if program.hasSuffix(".sh") { return ["/bin/sh", path] + contract.userArguments }
        return [path] + contract.userArguments
    }

    /// GPUs this worker may use: those a cluster gave it (CUDA_VISIBLE_DEVICES, as Slurm sets it for
    /// a GPU GRES), else the machine's NVIDIA devices.
    static func visibleGPUs(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let visible = environment["CUDA_VISIBLE_DEVICES"] {
            return visible.split(separator: ",").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && $0 != "-1" }.count
        }
        let devices = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
        return devices.filter { $0.hasPrefix("nvidia") && Int($0.dropFirst("nvidia".count)) != nil }.count
    }

    func runEntryPoint(spec: TrainingJobSpec, contract: ContainerContract, runtime: FrameworkRuntime, sandboxed: Bool,
                       shipper: LogShipper) async throws -> EntryPointExit {
        let command = try entryPoint(spec: spec, contract: contract, runtime: runtime)
        let instance = InstanceCatalog()[spec.instanceType]
        let machineCPUs = ProcessInfo.processInfo.activeProcessorCount
        var environment = contract.environment(cpus: min(instance?.vCPUs ?? machineCPUs, machineCPUs),
                                               gpus: min(instance?.gpus ?? 0, Self.visibleGPUs()))
        runtime.prepare(&environment, job: spec.environment)
        if (spec.keepAliveSeconds ?? 0) > 0 {
            environment["SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY"] = contract.root + "/" + InstanceCache.cacheDirectory
        }
        environment["HOME"] = "/tmp"
        // Output buffered and flushed every 50 ms rather than written a line at a time (PythonOutput),
        // unless the job sets PYTHONUNBUFFERED; a PYTHONPATH of the job's own comes after the code's.
        try PythonOutput.install(root: options.jobDirectory)
        environment["PYTHONPATH"] = ([contract.root + "/" + PythonOutput.directory, contract.root + "/code", contract.root + "/code/.anneal-packages"]
            + [spec.environment["PYTHONPATH"] ?? ""].filter { !$0.isEmpty }).joined(separator: ":")
        let endpoint = options.controlPlane.absoluteString
        environment["AWS_ENDPOINT_URL"] = endpoint
        environment["AWS_ENDPOINT_URL_S3"] = endpoint
        environment["S3_ENDPOINT_URL"] = endpoint
        // The job's own session credentials, as SageMaker's instances get the execution role's:
        // boto3 and the AWS CLI in the script work against Anneal as that session. A long-term key
        // (a worker started by hand) is never handed to the script.
        if let token = options.sessionToken {
            environment["AWS_ACCESS_KEY_ID"] = options.accessKeyID
            environment["AWS_SECRET_ACCESS_KEY"] = options.secret
            environment["AWS_SESSION_TOKEN"] = token
        }
        environment["AWS_REGION"] = environment["AWS_REGION"] ?? options.region
        environment["AWS_DEFAULT_REGION"] = environment["AWS_DEFAULT_REGION"] ?? options.region
        let root = options.jobDirectory
        var argv = command
        if sandboxed {
            let hosts = root + "/.hosts"
            let lines = ["127.0.0.1 localhost"] + contract.hosts.map { "127.0.0.1 \($0)" }
            try (lines.joined(separator: "\n") + "\n").write(toFile: hosts, atomically: true, encoding: .utf8)
            let home = URL(fileURLWithPath: options.runtimesDirectory).deletingLastPathComponent().path
            argv = Sandbox.command(options.clusterSignals ? ["/usr/bin/env", "--default-signal=TERM"] + command : command, jobDirectory: root,
                                   hidden: [home], exposed: runtime.exposed, hostsFile: hosts,
                                   hostName: options.hostName, workingDirectory: "/opt/ml/code")
        }
        if options.clusterSignals {
            // Slurm signals every process of the job: Anneal's notices (USR1, USR2) are for the worker
            // alone, and bubblewrap must outlive a SIGTERM so the script gets its grace period.
            argv = ["/usr/bin/env", sandboxed ? "--ignore-signal=TERM,USR1,USR2" : "--ignore-signal=USR1,USR2"] + argv
        }
        shipper.add("[anneal] running: \(command.joined(separator: " "))", at: Int64(Date().timeIntervalSince1970 * 1000))
        // Standard output and standard error share one pipe (as `2>&1` does): the stream holds the lines
        // in the order they were written, which two pipes read by two threads could not promise.
        var out: [Int32] = [-1, -1]
        guard pipe(&out) == 0 else { throw StagingError(description: "InternalServerError: cannot create a pipe") }
        // A script that prints in bursts fills the default 64 KiB pipe and waits for the reader; a
        // larger one (the system's maximum, 1 MiB by default) lets it go on while the reader catches up.
        _ = fcntl(out[1], 1031 /* F_SETPIPE_SZ, not exported to Swift */, Self.pipeCapacity)
        let finishedOut = LineReader.Completion()
        LineReader.start(descriptor: out[0], shipper: shipper, onEnd: { finishedOut.finish() })
        let grace = options.stopGraceSeconds
        // The group is this worker's alone: a later attempt of the same instance may start while this one
        // is still being torn down (a lost Slurm node), and releasing kills whatever the group holds.
        let limits = instance.map { type in
            ResourceLimits.apply(name: "\(spec.name)-algo-\(options.hostIndex)-\(getpid())", cpus: type.vCPUs, memoryBytes: type.memoryBytes)
        }
        defer { limits?.release() }
        if let instance, let limits {
            shipper.add("[anneal] \(instance.name): \(instance.vCPUs) vCPUs, \(instance.memoryMiB) MiB memory (\(limits.mechanism.rawValue))",
                        at: Int64(Date().timeIntervalSince1970 * 1000))
        } else {
            shipper.add("[anneal] \(spec.instanceType) is not in the instance catalog: CPU and memory are not limited",
                        at: Int64(Date().timeIntervalSince1970 * 1000))
        }
        let exit: ProcessExit = try await withCheckedThrowingContinuation { continuation in
            do {
                trace("spawning the entry point")
                let pid = try processes.spawn(argv, environment: environment, directory: root + "/code", stdout: out[1], stderr: out[1],
                                              limits: limits, onExit: { continuation.resume(returning: $0) })
                setTraining(pid, grace: grace)
            } catch {
                continuation.resume(throwing: error)
            }
            close(out[1])
        }
        await finishedOut.wait()
        return EntryPointExit(exit: exit, outOfMemory: (limits?.outOfMemoryKills() ?? 0) > 0)
    }
}

extension TrainingWorker {
    /// The capacity asked for the pipe of the script's stdout and stderr (capped by /proc/sys/fs/pipe-max-size).
    static let pipeCapacity: Int32 = {
        let maximum = (try? String(contentsOfFile: "/proc/sys/fs/pipe-max-size", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 1 << 20
        return min(maximum, 1 << 20)
    }()
}

/// How the entry point ended, and whether the kernel killed part of it for want of memory.
struct EntryPointExit {
    var exit: ProcessExit
    var outOfMemory: Bool
}
