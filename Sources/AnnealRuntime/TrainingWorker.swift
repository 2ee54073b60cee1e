import AnnealClient
import AnnealCore
import Foundation
import Glibc
import Synchronization

/// `anneal worker`: runs one instance (host) of a training job. A signed client of the control plane
/// like any other: it reads its assignment, stages the channels from S3, writes the container
/// contract, runs the entry point (sandboxed), ships log lines and metrics, uploads the artifacts
/// and reports how it went. It needs no database and no shared filesystem.
public final class TrainingWorker: Sendable {
    let options: WorkerOptions
    let client: AWSClient
    let processes = ChildProcesses()
    private let trainingPID = Mutex<Int32?>(nil)
    private let stopRequested = Atomic<Bool>(false)
    /// The stop is a spot interruption: checkpoints are synced, no final artifacts are uploaded.
    private let interruption = Atomic<Bool>(false)
    private let lastReport = Mutex<Task<Void, Never>?>(nil)

    public init(options: WorkerOptions) {
        self.options = options
        client = AWSClient(endpoint: options.controlPlane, region: options.region,
                           credentials: ClientCredentials(accessKeyID: options.accessKeyID, secret: options.secret, sessionToken: options.sessionToken))
    }

    /// SIGTERM (stop, MaxRuntime): pass it to the training process, then SIGKILL after the grace
    /// period; artifacts are still uploaded.
    public func requestStop() {
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        guard let pid = trainingPID.withLock({ $0 }) else { return }
        if Sandbox.isAvailable { processes.terminateDescendants(of: pid) } else { processes.signal(pid, SIGTERM) }
        let grace = options.stopGraceSeconds
        Thread.detachNewThread { [processes] in
            sleep(UInt32(max(1, grace)))
            processes.signal(pid, SIGKILL)
        }
    }

    /// SIGUSR1 from the supervisor: a spot interruption notice. The script still gets SIGTERM and the
    /// grace period, as on SageMaker; checkpoints are synced; nothing final is uploaded.
    public func requestInterruption() {
        interruption.store(true, ordering: .sequentiallyConsistent)
        requestStop()
    }

    /// SIGKILL to the training process and everything in its sandbox, at once (no grace: its volume is full).
    func killTraining() {
        guard let pid = trainingPID.withLock({ $0 }) else { return }
        processes.signal(pid, SIGKILL)
    }

    func setTraining(_ pid: Int32, grace: Int) {
        trainingPID.withLock { $0 = pid }
        if stopRequested.load(ordering: .sequentiallyConsistent) { requestStop() }
    }

    public func run() async -> Int32 {
        trace("worker started")
        if options.ownsDirectory, let problem = takeDirectory() {
            print("anneal worker: cannot make the instance directory \(options.jobDirectory): \(problem)")
            return 2
        }
        return await work()
    }

    /// The instance's directory, fresh or taken over from a warm instance (`--own-directory`).
    /// Returns what went wrong, or nil.
    func takeDirectory() -> String? {
        let root = options.jobDirectory
        // Anything left under this name (an earlier attempt of the job) is not this instance's.
        try? FileManager.default.removeItem(atPath: root)
        if let warm = options.warmFrom, rename(warm, root) == 0 { return nil }
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func work() async -> Int32 {
        var fetched: WorkerProtocol.Assignment?
        for attempt in 0..<5 where fetched == nil {
            do {
                fetched = try await client.call(signingName: WorkerProtocol.signingName, target: "\(WorkerProtocol.targetPrefix).GetAssignment",
                                                WorkerProtocol.AssignmentRequest(TrainingJobName: options.jobName, HostIndex: options.hostIndex),
                                                as: WorkerProtocol.Assignment.self)
            } catch {
                print("anneal worker: cannot read the assignment of \(options.jobName) (attempt \(attempt + 1)): \(error)")
                try? await Task.sleep(for: .milliseconds(200 << attempt))
            }
        }
        guard let assignment = fetched else {
            if options.ownsDirectory { try? FileManager.default.removeItem(atPath: options.jobDirectory) }
            return 2
        }
        trace("assignment fetched")
        let spec = assignment.Spec
        let shipper = LogShipper(client: client, jobName: spec.name, hostIndex: options.hostIndex,
                                 startedAt: Int64(Date().timeIntervalSince1970),
                                 metricDefinitions: spec.metricDefinitions.map { ($0.name, $0.regex) })
        // The stream is created while the channels download; every flush waits for it.
        shipper.startOpening { error in print("anneal worker: cannot open the log stream: \(error)") }
        let flusher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                await shipper.flush()
            }
        }
        let period = assignment.MetricsPeriodSeconds ?? UtilisationSampler.defaultPeriod
        let utilisation = Task {
            await UtilisationSampler(directory: options.jobDirectory).report(client: client, job: spec.name, host: options.hostIndex, period: period)
        }
        let outcome = await train(spec: spec, arn: assignment.TrainingJobArn, shipper: shipper)
        utilisation.cancel()
        flusher.cancel()
        // A flush the flusher has begun still carries lines and metrics: let it land before the last
        // flush and the final report, or they would arrive after the job ended (or never).
        await flusher.value
        await shipper.flush()
        // An interruption is no outcome: the supervisor decides it (restart), whoever gave the notice.
        let interrupted = outcome.stopped && interruption.load(ordering: .sequentiallyConsistent)
        await report(outcome.succeeded ? "completed" : (interrupted ? "interrupted" : (outcome.stopped ? "stopped" : "failed")), reason: outcome.reason)
        await shipper.flush()
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        trace("worker cpu user=\(Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6) "
              + "system=\(Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6)")
        // An instance no warm pool will keep is gone with its worker (the supervisor removes what a
        // worker that died could not).
        if options.ownsDirectory && (spec.keepAliveSeconds ?? 0) == 0 {
            try? FileManager.default.removeItem(atPath: options.jobDirectory)
        }
        return outcome.succeeded || outcome.stopped ? 0 : 1
    }

    struct Outcome {
        var succeeded = false
        var stopped = false
        var reason: String?
    }

    func train(spec: TrainingJobSpec, arn: String, shipper: LogShipper) async -> Outcome {
        let root = options.jobDirectory
        let log: @Sendable (String) -> Void = { line in shipper.add(line, at: Int64(Date().timeIntervalSince1970 * 1000)) }
        let previous = prepareInstanceDirectory(root, spec: spec, log: log)
        var instance = InstanceCache()
        let warm = (spec.keepAliveSeconds ?? 0) > 0
        // What this instance holds is recorded for a next job that takes it warm, whatever the outcome.
        defer { if warm { instance.save(root: root) } }
        do {
            for directory in ["input/data", "input/config", "model", "output/data", "output/intermediate", "code", "checkpoints",
                              InstanceCache.cacheDirectory] {
                try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
            }
        } catch {
            return Outcome(reason: "InternalServerError: cannot prepare the job directory: \(error)")
        }

        // Reports go out in order without holding up the work they describe (Downloading was recorded
        // when the assignment was fetched); channels, code and checkpoints download at the same time.
        do {
            async let channels = stageChannels(spec, into: root + "/input/data", previous: previous, log: log)
            async let code: Void = stageCode(spec, into: root + "/code", log: log)
            async let checkpoints: Void = restoreCheckpoints(spec, into: root + "/checkpoints", log: log)
            instance.channels = try await channels
            trace("channels staged")
            try await code
            try await checkpoints
            trace("code and checkpoints staged")
        } catch {
            return Outcome(reason: "\(error)")
        }
        let sandboxed = Sandbox.isAvailable
        let visibleRoot = sandboxed ? "/opt/ml" : root
        let contract = ContainerContract(spec: spec, hostIndex: options.hostIndex, arn: arn, region: options.region, root: visibleRoot)
        let runtime: FrameworkRuntime
        do {
            try contract.writeConfigFiles(into: root)
            runtime = try RuntimeResolver(directory: options.runtimesDirectory).resolve(image: spec.trainingImage, log: log)
        } catch {
            return Outcome(reason: "\(error)")
        }
        do { instance.requirements = try await installRequirements(runtime: runtime, code: root + "/code", previous: previous.requirements, log: log) } catch {
            return Outcome(reason: "\(error)")
        }

        reportInOrder("training")
        guard !stopRequested.load(ordering: .sequentiallyConsistent) else {
            if interruption.load(ordering: .sequentiallyConsistent) { return Outcome(stopped: true) }
            await uploadArtifacts(spec, root: root, log: log)
            return Outcome(stopped: true)
        }
        if !sandboxed { log("[anneal] bubblewrap is not installed: the script runs without a sandbox, /opt/ml is \(root)") }
        let checkpoints = spec.checkpointS3URI.flatMap(S3Location.init(uri:)).map {
            CheckpointSync(directory: root + "/checkpoints", location: $0, client: client)
        }
        await checkpoints?.markCurrent()
        let syncing = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(options.checkpointSyncSeconds))
                await checkpoints?.pass(log: log)
            }
        }
        let volumeFull = VolumeFull()
        let watching = watchVolume(spec: spec, root: root, full: volumeFull, log: log)
        let exit: EntryPointExit
        do {
            exit = try await runEntryPoint(spec: spec, contract: contract, runtime: runtime, sandboxed: sandboxed, shipper: shipper)
        } catch {
            syncing.cancel()
            watching.cancel()
            return Outcome(reason: "\(error)")
        }
        syncing.cancel()
        watching.cancel()
        if let full = volumeFull.value {
            // What filled the volume is not synced or uploaded: it would only move the problem.
            return Outcome(reason: full)
        }
        if let checkpoints, await checkpoints.pass(log: log) > 0 { log("[anneal] checkpoints synced to \(spec.checkpointS3URI ?? "")") }
        if interruption.load(ordering: .sequentiallyConsistent) {
            log("[anneal] spot interruption: checkpoints synced, no artifacts uploaded")
            return Outcome(stopped: true)
        }
        if stopRequested.load(ordering: .sequentiallyConsistent) {
            await report("uploading")
            await uploadArtifacts(spec, root: root, log: log)
            return Outcome(stopped: true)
        }
        guard exit.exit.succeeded else {
            return Outcome(reason: failureReason(exit: exit, root: root, tail: shipper.tail))
        }
        await report("uploading")
        if let problem = await uploadArtifacts(spec, root: root, log: log) { return Outcome(reason: problem) }
        return Outcome(succeeded: true)
    }

    /// A line in the worker's own log (not the job's), written through at once so a killed worker
    /// still leaves a trace of where it was.
    func trace(_ message: String) {
        print("\(Date().timeIntervalSince1970) \(message)")
        fflush(nil)
    }

    /// Sends a report after every report already queued, without waiting for it to land.
    @discardableResult
    func reportInOrder(_ event: String, reason: String? = nil) -> Task<Void, Never> {
        lastReport.withLock { last in
            let previous = last
            let next = Task { [self] in
                await previous?.value
                await send(event, reason: reason)
            }
            last = next
            return next
        }
    }

    /// Sends a report after those queued and waits until it has landed.
    func report(_ event: String, reason: String? = nil) async {
        await reportInOrder(event, reason: reason).value
    }

    private func send(_ event: String, reason: String?) async {
        trace("report \(event)")
        let progress = WorkerProtocol.Progress(TrainingJobName: options.jobName, HostIndex: options.hostIndex, Event: event, FailureReason: reason)
        for attempt in 0..<5 {
            do {
                _ = try await client.call(signingName: WorkerProtocol.signingName, target: "\(WorkerProtocol.targetPrefix).ReportProgress",
                                          progress, as: WorkerProtocol.Empty.self)
                return
            } catch {
                print("anneal worker: reporting \(event) failed (attempt \(attempt + 1)): \(error)")
                try? await Task.sleep(for: .milliseconds(200 << attempt))
            }
        }
    }

    /// FailureReason as SageMaker writes it: `/opt/ml/output/failure` if the script wrote one.
    func failureReason(exit ended: EntryPointExit, root: String, tail: [String]) -> String {
        if ended.outOfMemory { return "OutOfMemory: Process killed by SIGKILL (signal 9)" }
        let exit = ended.exit
        if let written = try? String(contentsOfFile: root + "/output/failure", encoding: .utf8),
           !written.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return String(("AlgorithmError: " + written).prefix(1024))
        }
        let last = tail.suffix(10).joined(separator: "\n")
        let code: String = switch exit {
        case .exited(let status): String(status)
        case .signaled(let signal): "-\(signal)"
        }
        return String("AlgorithmError: ExecuteUserScriptError:\nExitCode \(code)\nErrorMessage \"\(last)\"".prefix(1024))
    }
}
