import AnnealClient
import AnnealCore
import Foundation
import Synchronization

struct StagingError: Error, CustomStringConvertible {
    var description: String
}

extension TrainingWorker {
    /// File mode: every object under each channel's prefix, keys kept relative to it.
    func stageChannels(_ spec: TrainingJobSpec, into data: String, log: (String) -> Void) async throws {
        for channel in spec.channels {
            let directory = data + "/" + channel.name
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if (channel.inputMode ?? spec.inputMode) == "Pipe" {
                throw StagingError(description: "ClientError: Pipe input mode is not supported by Anneal (channel \(channel.name)); "
                    + "use File or FastFile")
            }
            guard channel.s3DataType == "S3Prefix" else {
                throw StagingError(description: "ClientError: S3DataType \(channel.s3DataType) is not supported yet (channel "
                    + "\(channel.name)); use S3Prefix")
            }
            guard let location = S3Location(uri: channel.s3URI) else {
                throw StagingError(description: "ClientError: \(channel.s3URI) is not an s3:// URI")
            }
            var objects: [AWSClient.ListedObject]
            do { objects = try await client.listObjects(bucket: location.bucket, prefix: location.key) } catch {
                throw StagingError(description: "ClientError: Data download failed: cannot list \(channel.s3URI): \(error)")
            }
            objects = objects.filter { !$0.key.hasSuffix("/") }.sorted { $0.key < $1.key }
            if channel.distribution == "ShardedByS3Key" && spec.instanceCount > 1 {
                objects = objects.enumerated().filter { $0.offset % spec.instanceCount == options.hostIndex - 1 }.map(\.element)
            }
            guard !objects.isEmpty || channel.distribution == "ShardedByS3Key" else {
                throw StagingError(description: "ClientError: Data download failed:No S3 objects found under S3 URL \"\(channel.s3URI)\" "
                    + "given in input data source. Please ensure that the bucket exists in the selected region, that objects exist "
                    + "under that S3 prefix, and that the role has \"s3:ListBucket\" permissions on bucket \"\(location.bucket)\".")
            }
            var bytes: UInt64 = 0
            for object in objects {
                guard let relative = Self.relativePath(key: object.key, prefix: location.key) else {
                    log("[anneal] skipping \(object.key): its path would leave the channel directory")
                    continue
                }
                let target = URL(fileURLWithPath: directory + "/" + relative)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                do { try await client.download(bucket: location.bucket, key: object.key, to: target) } catch {
                    throw StagingError(description: "ClientError: Data download failed: s3://\(location.bucket)/\(object.key): \(error)")
                }
                bytes += object.size
            }
            log("[anneal] channel \(channel.name): \(objects.count) object(s), \(bytes) bytes from \(channel.s3URI)")
        }
    }

    /// The key below the prefix, as a relative path that stays inside the channel directory.
    static func relativePath(key: String, prefix: String) -> String? {
        var relative = key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
        if relative.isEmpty { relative = (key as NSString).lastPathComponent }
        while relative.hasPrefix("/") { relative.removeFirst() }
        let parts = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        return parts.joined(separator: "/")
    }

    /// `sagemaker_submit_directory`: a sourcedir.tar.gz extracted into /opt/ml/code (the toolkit then
    /// skips its own download because the directory is not empty).
    func stageCode(_ spec: TrainingJobSpec, into code: String, log: (String) -> Void) async throws {
        guard let submit = ContainerContract(spec: spec, hostIndex: options.hostIndex, arn: "", region: options.region, root: "").submitDirectory,
              !submit.isEmpty else { return }
        guard let location = S3Location(uri: submit) else {
            throw StagingError(description: "ClientError: sagemaker_submit_directory \(submit) is not an s3:// URI")
        }
        let archive = URL(fileURLWithPath: options.jobDirectory + "/.sourcedir.tar.gz")
        do { try await client.download(bucket: location.bucket, key: location.key, to: archive) } catch {
            throw StagingError(description: "ClientError: cannot download the code \(submit): \(error)")
        }
        let exit = try await runTool(["/bin/tar", "-xzf", archive.path, "-C", code, "--no-same-owner"])
        try? FileManager.default.removeItem(at: archive)
        guard exit.succeeded else { throw StagingError(description: "ClientError: \(submit) is not a tar.gz archive (tar: \(exit))") }
        log("[anneal] code from \(submit)")
    }

    func restoreCheckpoints(_ spec: TrainingJobSpec, into directory: String, log: (String) -> Void) async throws {
        guard let uri = spec.checkpointS3URI, let location = S3Location(uri: uri) else { return }
        let objects = (try? await client.listObjects(bucket: location.bucket, prefix: location.key)) ?? []
        for object in objects {
            guard let relative = Self.relativePath(key: object.key, prefix: location.key) else { continue }
            let target = URL(fileURLWithPath: directory + "/" + relative)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try await client.download(bucket: location.bucket, key: object.key, to: target)
        }
        if !objects.isEmpty { log("[anneal] restored \(objects.count) checkpoint file(s) from \(uri)") }
    }

    /// requirements.txt in the code directory is installed for this job (next to the code, on PYTHONPATH).
    func installRequirements(runtime: FrameworkRuntime, code: String, log: @escaping @Sendable (String) -> Void) async throws {
        let requirements = code + "/requirements.txt"
        guard FileManager.default.fileExists(atPath: requirements) else { return }
        log("[anneal] installing requirements.txt")
        let exit = try await runTool([runtime.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                      "--target", code + "/.anneal-packages", "-r", requirements], log: log)
        guard exit.succeeded else { throw StagingError(description: "ClientError: installing requirements.txt failed (\(exit))") }
    }

    /// model.tar.gz and output.tar.gz at `<S3OutputPath>/<job>/output/`. Returns a failure reason.
    @discardableResult
    func uploadArtifacts(_ spec: TrainingJobSpec, root: String, log: @escaping @Sendable (String) -> Void) async -> String? {
        guard let output = S3Location(uri: spec.outputS3Path) else { return "ClientError: S3OutputPath \(spec.outputS3Path) is not an s3:// URI" }
        // With several hosts, the first uploads (each host's /opt/ml/model would overwrite the others').
        guard options.hostIndex == 1 else { return nil }
        var prefix = output.key
        if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
        prefix += "\(spec.name)/output/"
        for (directory, name) in [("model", "model.tar.gz"), ("output/data", "output.tar.gz")] {
            let archive = root + "/." + name
            let entries = ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + directory)) ?? []).sorted()
            if directory == "output/data" && entries.isEmpty { continue }
            do {
                trace("packing \(directory)")
                let exit = try await runTool(["/bin/tar", "-czf", archive, "-C", root + "/" + directory] + (entries.isEmpty ? ["--files-from", "/dev/null"] : entries))
                guard exit.succeeded else { return "InternalServerError: packing \(directory) failed (tar: \(exit))" }
                trace("uploading \(name)")
                try await client.upload(file: URL(fileURLWithPath: archive), bucket: output.bucket, key: prefix + name, contentType: "application/x-tar")
                trace("uploaded \(name)")
                try? FileManager.default.removeItem(atPath: archive)
                log("[anneal] uploaded s3://\(output.bucket)/\(prefix)\(name)")
            } catch {
                return "ClientError: uploading \(name) to s3://\(output.bucket)/\(prefix) failed: \(error)"
            }
        }
        return nil
    }

    /// Runs a helper program (tar, pip) to completion; its output goes to `log` when given.
    func runTool(_ command: [String], log: (@Sendable (String) -> Void)? = nil) async throws -> ProcessExit {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw StagingError(description: "InternalServerError: cannot create a pipe") }
        let reader = fds[0]
        let writer = fds[1]
        let ended = LineReader.Completion()
        LineReader.start(descriptor: reader, onLine: { line, _ in log?(line) }, onEnd: { ended.finish() })
        let exit: ProcessExit = try await withCheckedThrowingContinuation { continuation in
            do {
                _ = try processes.spawn(command, environment: ProcessInfo.processInfo.environment, stdout: writer, stderr: writer,
                                        onExit: { continuation.resume(returning: $0) })
            } catch {
                continuation.resume(throwing: error)
            }
            close(writer)
        }
        await ended.wait()
        return exit
    }
}

extension LineReader {
    /// Resumed once the reader has seen the end of its pipe.
    final class Completion: Sendable {
        private let state = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

        func finish() {
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.done = true
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }

        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.done { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}
