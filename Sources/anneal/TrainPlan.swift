import AnnealClient
import Foundation

/// What `anneal train` was asked to do, checked completely before anything is uploaded or created,
/// so bad input costs nothing and leaves nothing behind.
struct TrainPlan {
    enum ImageChoice: Equatable {
        case scikitLearn(version: String)
        case uri(String)
    }

    enum ChannelSource: Equatable {
        case s3(String)
        case local(URL, isDirectory: Bool)
    }

    /// The script, relative to the code directory (`sagemaker_program`).
    var program: String?
    /// What is packed as sourcedir.tar.gz: a directory's contents, or the entry point alone.
    var code: (directory: URL, entries: [String])?
    var image: ImageChoice
    var instanceType = "ml.m5.large"
    var instanceCount = 1
    var hyperparameters: [(key: String, value: String)] = []
    var channels: [(name: String, source: ChannelSource)] = []
    var outputPath: String?
    var bucket: String?
    var maxRuntime = 86_400
    var role: String?
    var jobName: String?
    var baseJobName: String?
    var wait = false
    var json = false
    var home: String?

    init(_ parsed: Arguments, workingDirectory: String) throws(UsageError) {
        let options = parsed.options
        wait = parsed.flags.contains("wait")
        json = parsed.flags.contains("json")
        home = options["home"]
        image = try Self.image(framework: options["framework"], version: options["framework-version"], uri: options["image"])

        guard parsed.positional.count <= 1 else {
            throw UsageError("one entry point at most, got \(parsed.positional.joined(separator: " ")) (quote values with spaces)")
        }
        if parsed.positional.first != nil && options["entry-point"] != nil {
            throw UsageError("give the entry point once: as the first argument or as --entry-point")
        }
        let entry = parsed.positional.first ?? options["entry-point"]
        let base = URL(fileURLWithPath: workingDirectory)
        let sourceDirectory = options["source-dir"].map { URL(fileURLWithPath: $0, relativeTo: base).standardizedFileURL }
        if let sourceDirectory {
            guard Self.isDirectory(sourceDirectory) else {
                throw UsageError("--source-dir \(options["source-dir"] ?? ""): no such directory")
            }
            let entries = ((try? FileManager.default.contentsOfDirectory(atPath: sourceDirectory.path)) ?? []).sorted()
            guard !entries.isEmpty else { throw UsageError("--source-dir \(sourceDirectory.path) is empty") }
            code = (sourceDirectory, entries)
        }
        if let entry {
            program = try Self.program(entry, sourceDirectory: sourceDirectory, base: base)
            if sourceDirectory == nil {
                let file = URL(fileURLWithPath: entry, relativeTo: base).standardizedFileURL
                code = (file.deletingLastPathComponent(), [file.lastPathComponent])
            }
        } else if case .scikitLearn = image {
            throw UsageError("--framework sklearn needs an entry point: anneal train train.py --framework sklearn ...")
        }

        instanceType = options["instance-type"] ?? instanceType
        guard Self.isInstanceType(instanceType) else {
            throw UsageError("--instance-type \(instanceType) is not an instance type like ml.m5.large")
        }
        instanceCount = try Self.positive(options["instance-count"], option: "instance-count") ?? instanceCount
        maxRuntime = try Self.positive(options["max-runtime"], option: "max-runtime") ?? maxRuntime
        hyperparameters = try Self.hyperparameters(parsed.lists["hyperparameter"] ?? [], reserved: program != nil || code != nil)
        channels = try Self.channels(parsed.lists["channel"] ?? [], base: base)

        outputPath = options["output-path"]
        if let outputPath, S3Location(uri: outputPath) == nil {
            throw UsageError("--output-path \(outputPath) is not an s3://bucket/prefix URI")
        }
        bucket = options["bucket"]
        if let bucket, !Self.isBucketName(bucket) {
            throw UsageError("--bucket \(bucket) is not a bucket name (3-63 lower-case letters, digits, dots and hyphens)")
        }
        role = options["role"]
        if let role, role.range(of: #"^arn:aws[a-z-]*:iam::\d{12}:role/\S+$"#, options: .regularExpression) == nil {
            throw UsageError("--role \(role) is not a role ARN like arn:aws:iam::123456789012:role/SageMakerRole")
        }
        jobName = options["job-name"]
        if let jobName, !Self.isJobName(jobName) {
            throw UsageError("--job-name \(jobName) must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit")
        }
        baseJobName = options["base-job-name"]
        if let baseJobName, baseJobName.count > 39 || !Self.isJobName(baseJobName) {
            throw UsageError("--base-job-name \(baseJobName) must be 1-39 letters, digits and hyphens (a timestamp is added)")
        }
    }

    static func image(framework: String?, version: String?, uri: String?) throws(UsageError) -> ImageChoice {
        switch (framework, uri) {
        case (.some, .some): throw UsageError("give either --framework or --image, not both")
        case (nil, .some(let uri)):
            guard version == nil else { throw UsageError("--framework-version goes with --framework sklearn, not with --image") }
            guard !uri.isEmpty, !uri.contains(where: \.isWhitespace) else { throw UsageError("--image '\(uri)' is not an image URI") }
            return .uri(uri)
        case (.some(let name), nil):
            guard ["sklearn", "scikit-learn"].contains(name.lowercased()) else {
                throw UsageError("unknown framework '\(name)': --framework knows sklearn; for another image pass --image URI "
                    + "(and map it in $ANNEAL_HOME/runtimes.json)")
            }
            let version = version ?? Framework.defaultScikitLearnVersion
            guard Framework.scikitLearnVersions.contains(version) else {
                throw UsageError("--framework-version \(version) is not a SageMaker scikit-learn version; use one of "
                    + Framework.scikitLearnVersions.joined(separator: ", "))
            }
            return .scikitLearn(version: version)
        case (nil, nil):
            throw UsageError("say what runs the script: --framework sklearn [--framework-version \(Framework.defaultScikitLearnVersion)] "
                + "or --image URI (for example anneal/python:3)")
        }
    }

    /// The entry point relative to the source directory, which must hold it.
    static func program(_ entry: String, sourceDirectory: URL?, base: URL) throws(UsageError) -> String {
        guard let sourceDirectory else {
            let file = URL(fileURLWithPath: entry, relativeTo: base).standardizedFileURL
            guard FileManager.default.fileExists(atPath: file.path), !isDirectory(file) else {
                throw UsageError("entry point \(entry) not found: give the path of the script (or --source-dir DIR and its path inside DIR)")
            }
            return file.lastPathComponent
        }
        let inside = sourceDirectory.appendingPathComponent(entry).standardizedFileURL
        // Also accept the entry point's own path (src/train.py with --source-dir src).
        let direct = URL(fileURLWithPath: entry, relativeTo: base).standardizedFileURL
        let root = sourceDirectory.path.hasSuffix("/") ? sourceDirectory.path : sourceDirectory.path + "/"
        for candidate in [inside, direct] where candidate.path.hasPrefix(root) && FileManager.default.fileExists(atPath: candidate.path)
            && !isDirectory(candidate) {
            return String(candidate.path.dropFirst(root.count))
        }
        throw UsageError("entry point \(entry) not found in --source-dir \(sourceDirectory.path): give its path inside that directory")
    }

    static func hyperparameters(_ pairs: [String], reserved: Bool) throws(UsageError) -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw UsageError("--hyperparameter \(pair) is not KEY=VALUE (for example --hyperparameter epochs=10)")
            }
            let key = String(pair[..<equals])
            let value = String(pair[pair.index(after: equals)...])
            guard key.count <= 256, value.count <= 2500 else {
                throw UsageError("--hyperparameter \(key): keys are at most 256 characters and values at most 2500")
            }
            guard !result.contains(where: { $0.key == key }) else { throw UsageError("--hyperparameter \(key) is given twice") }
            if reserved && ["sagemaker_program", "sagemaker_submit_directory"].contains(key) {
                throw UsageError("--hyperparameter \(key) is set by anneal train from the entry point and --source-dir")
            }
            result.append((key, value))
        }
        guard result.count <= 100 else { throw UsageError("at most 100 hyperparameters") }
        return result
    }

    static func channels(_ pairs: [String], base: URL) throws(UsageError) -> [(name: String, source: ChannelSource)] {
        var result: [(name: String, source: ChannelSource)] = []
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex, pair.index(after: equals) != pair.endIndex else {
                throw UsageError("--channel \(pair) is not NAME=PATH or NAME=s3://bucket/prefix (for example --channel train=data/train.csv)")
            }
            let name = String(pair[..<equals])
            let value = String(pair[pair.index(after: equals)...])
            guard name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_".contains($0)) }) else {
                throw UsageError("--channel \(name): channel names are 1-64 letters, digits, '.', '-' and '_'")
            }
            guard !result.contains(where: { $0.name == name }) else { throw UsageError("--channel \(name) is given twice") }
            if value.hasPrefix("s3://") {
                guard let location = S3Location(uri: value), isBucketName(location.bucket) else {
                    throw UsageError("--channel \(name): \(value) is not an s3://bucket/prefix URI")
                }
                result.append((name, .s3(value)))
            } else {
                let path = URL(fileURLWithPath: value, relativeTo: base).standardizedFileURL
                guard FileManager.default.fileExists(atPath: path.path) else {
                    throw UsageError("--channel \(name): \(value) does not exist (give a local file or directory, or an s3:// URI)")
                }
                let directory = isDirectory(path)
                if directory, !hasFiles(path) {
                    throw UsageError("--channel \(name): \(value) has no files (a channel needs data)")
                }
                result.append((name, .local(path, isDirectory: directory)))
            }
        }
        guard result.count <= 20 else { throw UsageError("at most 20 channels") }
        return result
    }

    static func positive(_ text: String?, option: String) throws(UsageError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 1 else { throw UsageError("--\(option) \(text) is not a whole number of at least 1") }
        return value
    }

    static func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }

    static func hasFiles(_ directory: URL) -> Bool {
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        while let file = files?.nextObject() as? URL {
            if (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true { return true }
        }
        return false
    }

    static func isJobName(_ name: String) -> Bool {
        name.range(of: "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", options: .regularExpression) != nil
    }

    static func isInstanceType(_ type: String) -> Bool {
        type.range(of: #"^ml\.[a-z0-9-]+\.[a-z0-9]+$"#, options: .regularExpression) != nil
    }

    static func isBucketName(_ name: String) -> Bool {
        name.range(of: #"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"#, options: .regularExpression) != nil
    }
}
