import AnnealClient
import AnnealCore
import Foundation
import Synchronization

struct StagingError: Error, CustomStringConvertible {
    var description: String
}

extension TrainingWorker {
    /// File mode (FastFile is staged the same way: the script sees the same files): every object of
    /// each channel, keys kept relative to its prefix; a ManifestFile channel names its objects in a
    /// manifest; Gzip objects are decompressed as they arrive.
    /// On a warm instance, an object `previous` says is already staged (same key, ETag and size) is
    /// not downloaded again, and files no object of this job's listing names are removed. Returns
    /// what is staged, for the instance's next job.
    func stageChannels(_ spec: TrainingJobSpec, into data: String, previous: InstanceCache,
                       log: (String) -> Void) async throws -> [String: [String: InstanceCache.StagedObject]] {
        var stagedChannels: [String: [String: InstanceCache.StagedObject]] = [:]
        for channel in spec.channels {
            let directory = data + "/" + channel.name
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if (channel.inputMode ?? spec.inputMode) == "Pipe" {
                throw StagingError(description: "ClientError: Pipe input mode is not supported by Anneal (channel \(channel.name)); "
                    + "use File or FastFile: the script then reads the channel's files from SM_CHANNEL_\(channel.name.uppercased())")
            }
            guard let location = S3Location(uri: channel.s3URI) else {
                throw StagingError(description: "ClientError: \(channel.s3URI) is not an s3:// URI")
            }
            var objects: [(bucket: String, key: String, relative: String?, size: UInt64, etag: String)]
            switch channel.s3DataType {
            case "S3Prefix":
                let listed: [AWSClient.ListedObject]
                do { listed = try await client.listObjects(bucket: location.bucket, prefix: location.key) } catch {
                    throw StagingError(description: "ClientError: Data download failed: cannot list \(channel.s3URI): \(error)")
                }
                objects = listed.filter { !$0.key.hasSuffix("/") }.sorted { $0.key < $1.key }
                    .map { (location.bucket, $0.key, Self.relativePath(key: $0.key, prefix: location.key), $0.size, $0.etag) }
            case "ManifestFile":
                objects = try await manifestEntries(channel: channel, location: location)
            default:
                throw StagingError(description: "ClientError: S3DataType \(channel.s3DataType) is not supported by Anneal (channel "
                    + "\(channel.name)): AugmentedManifestFile needs Pipe mode; use S3Prefix or ManifestFile")
            }
            if channel.distribution == "ShardedByS3Key" && spec.instanceCount > 1 {
                objects = objects.enumerated().filter { $0.offset % spec.instanceCount == options.hostIndex - 1 }.map(\.element)
            }
            guard !objects.isEmpty || channel.distribution == "ShardedByS3Key" else {
                throw StagingError(description: "ClientError: Data download failed:No S3 objects found under S3 URL \"\(channel.s3URI)\" "
                    + "given in input data source. Please ensure that the bucket exists in the selected region, that objects exist "
                    + "under that S3 prefix, and that the role has \"s3:ListBucket\" permissions on bucket \"\(location.bucket)\".")
            }
            let gzip = channel.compression.lowercased() == "gzip"
            var bytes: UInt64 = 0
            var staged: [String: InstanceCache.StagedObject] = [:]
            var reused = 0
            for object in objects {
                guard var relative = object.relative else {
                    log("[anneal] skipping \(object.key): its path would leave the channel directory")
                    continue
                }
                if gzip && relative.hasSuffix(".gz") && relative.count > 3 { relative.removeLast(3) }
                let target = URL(fileURLWithPath: directory + "/" + relative)
                let source = InstanceCache.StagedObject(bucket: object.bucket, key: object.key, etag: object.etag, size: object.size)
                staged[relative] = source
                if previous.holds(source, channel: channel.name, relative: relative), FileManager.default.fileExists(atPath: target.path) {
                    reused += 1
                    bytes += ((try? FileManager.default.attributesOfItem(atPath: target.path))?[.size] as? UInt64) ?? object.size
                    continue
                }
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                let uri = "s3://\(object.bucket)/\(object.key)"
                let landing = gzip ? URL(fileURLWithPath: target.path + ".anneal-gz") : target
                do { try await client.download(bucket: object.bucket, key: object.key, to: landing) } catch {
                    throw StagingError(description: "ClientError: Data download failed: \(uri): \(error)")
                }
                if gzip {
                    let exit = try await runTool(["/bin/sh", "-c", "gzip -dc -- \"$1\" > \"$2\"", "sh", landing.path, target.path])
                    try? FileManager.default.removeItem(at: landing)
                    guard exit.succeeded else {
                        throw StagingError(description: "ClientError: \(uri) is not gzip data, but channel \(channel.name) sets "
                            + "CompressionType Gzip; upload it compressed or set CompressionType None")
                    }
                }
                bytes += ((try? FileManager.default.attributesOfItem(atPath: target.path))?[.size] as? UInt64) ?? object.size
            }
            if previous.channels[channel.name] != nil { removeStale(in: directory, keeping: Set(staged.keys)) }
            stagedChannels[channel.name] = staged
            log("[anneal] channel \(channel.name): \(objects.count) object(s), \(bytes) bytes from \(channel.s3URI)"
                + (gzip ? " (decompressed)" : "") + (reused > 0 ? ", \(reused) already on this warm instance" : ""))
        }
        return stagedChannels
    }

    /// A ManifestFile channel: a JSON array whose first element is `{"prefix": "s3://bucket/prefix/"}`
    /// and whose other elements are keys relative to it; each file keeps its relative path.
    func manifestEntries(channel: Channel, location: S3Location) async throws
        -> [(bucket: String, key: String, relative: String?, size: UInt64, etag: String)] {
        let manifestFile = URL(fileURLWithPath: options.jobDirectory + "/.manifest-" + channel.name)
        defer { try? FileManager.default.removeItem(at: manifestFile) }
        do { try await client.download(bucket: location.bucket, key: location.key, to: manifestFile) } catch {
            throw StagingError(description: "ClientError: Data download failed: cannot read the manifest \(channel.s3URI): \(error)")
        }
        let invalid = StagingError(description: "ClientError: the manifest \(channel.s3URI) of channel \(channel.name) is not a "
            + "JSON array of the form [{\"prefix\": \"s3://bucket/prefix/\"}, \"relative/key\", ...]")
        guard let manifest = try? JSONSerialization.jsonObject(with: Data(contentsOf: manifestFile)) as? [Any],
              let head = manifest.first as? [String: Any], let prefix = head["prefix"] as? String,
              let base = S3Location(uri: prefix) else { throw invalid }
        var entries: [(bucket: String, key: String, relative: String?, size: UInt64, etag: String)] = []
        for element in manifest.dropFirst() {
            guard let relative = element as? String, !relative.isEmpty else { throw invalid }
            entries.append((base.bucket, base.key + relative, Self.relativePath(key: base.key + relative, prefix: base.key), 0, ""))
        }
        return entries
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

    /// requirements.txt in the code directory is installed for this job (next to the code, on
    /// PYTHONPATH; from the code directory, as the toolkit runs pip, so relative paths in it work), unless this warm instance installed the same file with the same interpreter for
    /// its previous job (`previous`): those packages are used again. Returns the installation's digest.
    func installRequirements(runtime: FrameworkRuntime, code: String, previous: String?,
                             log: @escaping @Sendable (String) -> Void) async throws -> String? {
        let requirements = code + "/requirements.txt"
        let aside = options.jobDirectory + "/" + InstanceCache.packagesAside
        defer { try? FileManager.default.removeItem(atPath: aside) }
        guard let contents = FileManager.default.contents(atPath: requirements) else { return nil }
        let digest = Self.requirementsDigest(contents, python: runtime.python)
        if digest == previous, rename(aside, code + "/.anneal-packages") == 0 {
            log("[anneal] requirements.txt unchanged: using the packages this warm instance installed for its previous job")
            return digest
        }
        log("[anneal] installing requirements.txt")
        let exit = try await runTool([runtime.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                      "--target", code + "/.anneal-packages", "-r", requirements], directory: code, log: log)
        guard exit.succeeded else { throw StagingError(description: "ClientError: installing requirements.txt failed (\(exit))") }
        return digest
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
    func runTool(_ command: [String], directory: String? = nil, log: (@Sendable (String) -> Void)? = nil) async throws -> ProcessExit {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw StagingError(description: "InternalServerError: cannot create a pipe") }
        let reader = fds[0]
        let writer = fds[1]
        let ended = LineReader.Completion()
        LineReader.start(descriptor: reader, onLine: { line, _ in log?(line) }, onEnd: { ended.finish() })
        let exit: ProcessExit = try await withCheckedThrowingContinuation { continuation in
            do {
                _ = try processes.spawn(command, environment: ProcessInfo.processInfo.environment, directory: directory, stdout: writer, stderr: writer,
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
