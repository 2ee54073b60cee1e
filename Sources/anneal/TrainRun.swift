import AnnealClient
import Foundation
import Glibc

/// Carries out a `TrainPlan`: names, uploads, CreateTrainingJob, and with `--wait` the job's progress.
struct TrainRun {
    let plan: TrainPlan
    let client: AWSClient

    /// Progress for people: stderr when stdout carries JSON.
    func say(_ line: String) {
        if plan.json { printError(line) } else { print(line) }
    }

    func run() async throws -> Int32 {
        let image = switch plan.image {
        case .scikitLearn(let version): Framework.scikitLearnImage(version: version, region: client.region)
        case .uri(let uri): uri
        }
        let name = plan.jobName ?? Self.jobName(base: plan.baseJobName ?? Self.baseName(image: image), at: Date())
        if plan.jobName != nil, try await exists(name) {
            throw UsageError("the training job name \(name) is taken: choose another --job-name (or leave it out for a fresh one)")
        }
        let needsBucket = plan.code != nil || plan.outputPath == nil || plan.channels.contains { if case .local = $0.source { true } else { false } }
        let account = plan.role == nil || (plan.bucket == nil && needsBucket) ? try await client.accountID() : ""
        let bucket = plan.bucket ?? "sagemaker-\(client.region)-\(account)"
        if needsBucket, try await !client.bucketExists(bucket) {
            try await client.createBucket(bucket)
            say("Created the bucket s3://\(bucket)")
        }

        var hyperparameters: [String: String] = [:]
        let scriptMode = plan.program != nil
        for (key, value) in plan.hyperparameters { hyperparameters[key] = scriptMode ? Self.encoded(value) : value }
        if let code = plan.code {
            let uri = try await uploadCode(code, bucket: bucket, key: "\(name)/source/sourcedir.tar.gz")
            hyperparameters["sagemaker_submit_directory"] = Self.encoded(uri, asString: true)
        }
        if let program = plan.program {
            hyperparameters["sagemaker_program"] = Self.encoded(program, asString: true)
            hyperparameters["sagemaker_container_log_level"] = "20"
            hyperparameters["sagemaker_job_name"] = Self.encoded(name, asString: true)
            hyperparameters["sagemaker_region"] = Self.encoded(client.region, asString: true)
        }
        var channels: [CreateTrainingJob.Channel] = []
        for (channel, source) in plan.channels {
            let uri: String
            switch source {
            case .s3(let given): uri = given
            case .local(let path, let isDirectory):
                uri = try await uploadChannel(channel, from: path, isDirectory: isDirectory, bucket: bucket, prefix: "\(name)/input/\(channel)/")
            }
            channels.append(.init(ChannelName: channel, DataSource: .init(S3DataSource: .init(S3Uri: uri))))
        }

        let request = CreateTrainingJob(
            TrainingJobName: name,
            AlgorithmSpecification: .init(TrainingImage: image),
            RoleArn: plan.role ?? "arn:aws:iam::\(account):role/SageMakerRole",
            HyperParameters: hyperparameters, InputDataConfig: channels.isEmpty ? nil : channels,
            OutputDataConfig: .init(S3OutputPath: plan.outputPath ?? "s3://\(bucket)/"),
            ResourceConfig: .init(InstanceType: plan.instanceType, InstanceCount: plan.instanceCount),
            StoppingCondition: .init(MaxRuntimeInSeconds: plan.maxRuntime))
        let created = try await client.call(signingName: "sagemaker", target: "SageMaker.CreateTrainingJob", request,
                                            as: CreateTrainingJob.Reply.self)
        say("Created the training job \(name) (\(image))")
        guard plan.wait else {
            if plan.json {
                print(String(decoding: try JSONEncoder().encode(["TrainingJobName": name, "TrainingJobArn": created.TrainingJobArn]), as: UTF8.self))
            } else {
                say("Follow it with: anneal jobs logs \(name) --follow")
            }
            return ExitCode.success
        }
        return try await JobFollower(client: client, name: name, instanceCount: plan.instanceCount, json: plan.json).follow()
    }

    func exists(_ name: String) async throws -> Bool {
        let body = Array(try JSONEncoder().encode(["TrainingJobName": name]))
        let reply: Result<[UInt8], ClientError>
        do { reply = .success(try await client.json(signingName: "sagemaker", target: "SageMaker.DescribeTrainingJob", body: body)) } catch {
            reply = .failure(error)
        }
        switch reply {
        case .success: return true
        case .failure(let error) where error.code == "ValidationException" && error.message.contains("not found"): return false
        case .failure(let error): throw error
        }
    }

    /// The code as the SDK packs it: the source directory's contents (or the entry point alone) at the archive's root.
    func uploadCode(_ code: (directory: URL, entries: [String]), bucket: String, key: String) async throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("anneal-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let archive = scratch.appendingPathComponent("sourcedir.tar.gz")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-czf", archive.path, "-C", code.directory.path, "--"] + code.entries
        let errors = Pipe()
        tar.standardError = errors
        try tar.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else {
            throw UsageError("cannot pack \(code.directory.path): \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try await client.upload(file: archive, bucket: bucket, key: key, contentType: "application/x-tar")
        say("Uploaded the code to s3://\(bucket)/\(key)")
        return "s3://\(bucket)/\(key)"
    }

    /// A local file or every file below a local directory, under `prefix`; returns the channel's S3 URI.
    func uploadChannel(_ channel: String, from path: URL, isDirectory: Bool, bucket: String, prefix: String) async throws -> String {
        var files: [(URL, String)] = []
        if isDirectory {
            let root = path.resolvingSymlinksInPath()
            for case let file as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) ?? .init() {
                guard (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true else { continue }
                let relative = file.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count)
                files.append((file, String(relative).trimmingCharacters(in: CharacterSet(charactersIn: "/"))))
            }
            guard !files.isEmpty else { throw UsageError("--channel \(channel): \(path.path) has no files to upload") }
        } else {
            files = [(path, path.lastPathComponent)]
        }
        var bytes: UInt64 = 0
        for (file, relative) in files.sorted(by: { $0.1 < $1.1 }) {
            try await client.upload(file: file, bucket: bucket, key: prefix + relative)
            bytes += UInt64((try? file.resourceValues(forKeys: [.fileSizeKey]))?.fileSize ?? 0)
        }
        say("Uploaded channel \(channel): \(files.count) file(s), \(bytes) bytes to s3://\(bucket)/\(prefix)")
        return "s3://\(bucket)/\(prefix)"
    }

    /// As framework estimators send hyperparameters: JSON values as they are, anything else as a JSON string.
    static func encoded(_ value: String, asString: Bool = false) -> String {
        if !asString, (try? JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)) != nil { return value }
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes]) else {
            return value
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The image's repository name, as the SDK's `base_name_from_image` takes it.
    static func baseName(image: String) -> String {
        let last = image.split(separator: "/").last.map(String.init) ?? image
        let repository = last.split(separator: "@").first.flatMap { $0.split(separator: ":").first }.map(String.init) ?? last
        let cleaned = repository.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }
        let trimmed = String(cleaned).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "anneal-train" : trimmed
    }

    /// `base-yyyy-mm-dd-HH-MM-SS-mmm` (UTC), the base cut so the name fits in 63 characters (the SDK's `name_from_base`).
    static func jobName(base: String, at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd-HH-mm-ss-SSS"
        let stamp = formatter.string(from: date)
        var cut = String(base.prefix(63 - stamp.count - 1))
        while cut.hasSuffix("-") { cut.removeLast() }
        return cut + "-" + stamp
    }
}

/// The CreateTrainingJob request `anneal train` sends (the members it sets).
struct CreateTrainingJob: Encodable {
    struct Algorithm: Encodable {
        var TrainingImage: String
        var TrainingInputMode = "File"
    }

    struct Channel: Encodable {
        struct Source: Encodable {
            struct S3: Encodable {
                var S3DataType = "S3Prefix"
                var S3Uri: String
                var S3DataDistributionType = "FullyReplicated"
            }
            var S3DataSource: S3
        }
        var ChannelName: String
        var DataSource: Source
    }

    struct Output: Encodable { var S3OutputPath: String }

    struct Resources: Encodable {
        var InstanceType: String
        var InstanceCount: Int
        var VolumeSizeInGB = 30
    }

    struct Stopping: Encodable { var MaxRuntimeInSeconds: Int }

    struct Reply: Decodable { var TrainingJobArn: String }

    var TrainingJobName: String
    var AlgorithmSpecification: Algorithm
    var RoleArn: String
    var HyperParameters: [String: String]
    var InputDataConfig: [Channel]?
    var OutputDataConfig: Output
    var ResourceConfig: Resources
    var StoppingCondition: Stopping
}
