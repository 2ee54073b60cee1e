import Foundation
import Glibc

/// A framework runtime: the interpreter a training image maps to, and what the sandbox must show.
public struct FrameworkRuntime: Sendable, Equatable {
    public var python: String
    /// Host directories the sandbox exposes read-only (the runtime's own environment).
    public var exposed: [String]
    /// The image's `train` program (from runtimes.json), for jobs that name no script.
    public var train: [String]? = nil
    /// Variables the image would set (from runtimes.json).
    public var environment: [String: String] = [:]
    /// Searched before the system's directories, so `python3` and `pip3` in a ContainerEntrypoint
    /// script are the runtime's own (the v3 SDK's `sm_train.sh` runs `command -v python3`).
    public var binDirectories: [String] = []

    public static let systemPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    public var searchPath: [String] {
        var path: [String] = []
        for directory in binDirectories + Self.systemPath where !path.contains(directory) { path.append(directory) }
        return path
    }
}

public struct RuntimeError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Maps training images to local runtimes: SageMaker scikit-learn images to cached virtual
/// environments with that scikit-learn (the nearest version that installs here), `anneal/python`
/// images to the system Python.
public struct RuntimeResolver: Sendable {
    public let directory: String
    public let systemPython: String
    /// The operator's table (`runtimes.json` beside `directory`, i.e. `$ANNEAL_HOME/runtimes.json`).
    public let tablePath: String

    public init(directory: String, systemPython: String? = nil, tablePath: String? = nil) {
        self.directory = directory
        self.systemPython = systemPython ?? RuntimeResolver.resolvedPython(cache: directory + "/.system-python")
        self.tablePath = tablePath ?? URL(fileURLWithPath: directory).deletingLastPathComponent().appendingPathComponent("runtimes.json").path
    }

    /// The interpreter itself rather than a launcher in front of it (pyenv's shims are shell scripts
    /// that cost ~80 ms a start), found once and remembered in `cache`.
    static func resolvedPython(cache: String) -> String {
        if let cached = try? String(contentsOfFile: cache, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           FileManager.default.isExecutableFile(atPath: cached) {
            return cached
        }
        let launcher = findPython()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher)
        process.arguments = ["-c", "import sys; print(sys.executable)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return launcher }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let resolved = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: resolved) else { return launcher }
        try? FileManager.default.createDirectory(atPath: (cache as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? resolved.write(toFile: cache, atomically: true, encoding: .utf8)
        return resolved
    }

    /// The operator's table first (so it can also override the built-in mappings), then SageMaker
    /// scikit-learn images, then `anneal/python`; anything else is the job's ClientError.
    public func resolve(image: String?, log: (String) -> Void) throws(RuntimeError) -> FrameworkRuntime {
        let image = image ?? ""
        if let entry = try RuntimeTable.load(path: tablePath).entry(for: image) {
            return try runtime(for: entry)
        }
        if let version = Self.scikitLearnVersion(image) {
            return try scikitLearn(version, log: log)
        }
        let repository = image.split(separator: "/").last.map { String($0.split(separator: ":").first ?? "") } ?? ""
        if repository == "python" || image.hasPrefix("anneal/python") || image.hasPrefix("python:") {
            return FrameworkRuntime(python: systemPython, exposed: [], binDirectories: [Self.directoryOf(systemPython)])
        }
        throw RuntimeError(message: "ClientError: No local runtime maps the training image '\(image)'. Use a SageMaker scikit-learn "
            + "image (...sagemaker-scikit-learn:<version>-cpu-py3) or anneal/python:3, or map the image in \(tablePath).")
    }

    func runtime(for entry: RuntimeTable.Entry) throws(RuntimeError) -> FrameworkRuntime {
        let python = entry.python ?? entry.virtualenv.map { $0 + "/bin/python" } ?? systemPython
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw RuntimeError(message: "InternalServerError: \(tablePath) maps the image pattern '\(entry.image)' to the Python "
                + "\(python), which is not an executable file")
        }
        if let virtualenv = entry.virtualenv, !FileManager.default.fileExists(atPath: virtualenv + "/bin") {
            throw RuntimeError(message: "InternalServerError: \(tablePath) maps the image pattern '\(entry.image)' to the virtualenv "
                + "\(virtualenv), which has no bin/ directory")
        }
        let bin = entry.virtualenv.map { [$0 + "/bin"] } ?? []
        // A `python` inside a virtual environment needs that environment visible in the sandbox too.
        let environmentRoot = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().path
        let pythonsEnvironment = entry.virtualenv == nil && FileManager.default.fileExists(atPath: environmentRoot + "/pyvenv.cfg")
            ? [environmentRoot] : []
        var runtime = FrameworkRuntime(python: python, exposed: (entry.virtualenv.map { [$0] } ?? []) + pythonsEnvironment + entry.expose,
                                       environment: entry.environment, binDirectories: bin + [Self.directoryOf(python)])
        if let train = entry.train {
            runtime.train = [try runtime.executable(train[0], purpose: "the train command of '\(entry.image)' in \(tablePath)")]
                + train.dropFirst()
        }
        return runtime
    }

    static func directoryOf(_ path: String) -> String { (path as NSString).deletingLastPathComponent }

    /// `1.2` from `...sagemaker-scikit-learn:1.2-1-cpu-py3`.
    static func scikitLearnVersion(_ image: String) -> String? {
        guard let range = image.range(of: "sagemaker-scikit-learn:") else { return nil }
        let tag = image[range.upperBound...]
        let parts = tag.split(separator: "-").first?.split(separator: ".") ?? []
        guard parts.count >= 2, Int(parts[0]) != nil, Int(parts[1]) != nil else { return nil }
        return "\(parts[0]).\(parts[1])"
    }

    /// The pip requirement for a SageMaker scikit-learn version on this Python: releases before 1.1
    /// publish no wheels for current Pythons, so they map to 1.1; before 1.4 numpy must stay below 2.
    static func requirements(for version: String) -> [String] {
        let parts = version.split(separator: ".").compactMap { Int($0) }
        let (major, minor) = (parts.first ?? 1, parts.count > 1 ? parts[1] : 0)
        let effective = (major, minor) < (1, 1) ? "1.1" : version
        let old = (major, minor) < (1, 4)
        return ["scikit-learn==\(effective).*"] + (old ? ["numpy<2", "pandas<2.2", "scipy<1.12"] : ["numpy", "pandas", "scipy"]) + ["joblib"]
    }

    private func scikitLearn(_ version: String, log: (String) -> Void) throws(RuntimeError) -> FrameworkRuntime {
        let name = "sklearn-\(version)"
        let target = directory + "/" + name
        let runtime = FrameworkRuntime(python: target + "/bin/python", exposed: [target], binDirectories: [target + "/bin"])
        if FileManager.default.fileExists(atPath: target + "/.ready") { return runtime }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // One creator at a time; the others wait and then find it ready.
        let lock = open(directory + "/.\(name).lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw RuntimeError(message: "InternalServerError: cannot lock \(directory)") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        if FileManager.default.fileExists(atPath: target + "/.ready") { return runtime }
        let staging = target + ".staging-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        let requirements = Self.requirements(for: version)
        log("Creating the scikit-learn \(version) runtime (first use; cached afterwards): \(requirements.joined(separator: " "))")
        try run([systemPython, "-m", "venv", staging], log: log)
        try run([staging + "/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + requirements, log: log)
        _ = FileManager.default.createFile(atPath: staging + "/.ready", contents: Data())
        try? FileManager.default.removeItem(atPath: target)
        guard rename(staging, target) == 0 else { throw RuntimeError(message: "InternalServerError: cannot install the runtime \(target)") }
        return runtime
    }

    private func run(_ command: [String], log: (String) -> Void) throws(RuntimeError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { throw RuntimeError(message: "InternalServerError: cannot run \(command[0]): \(error)") }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: output.suffix(2000), as: UTF8.self)
            text.split(separator: "\n").suffix(20).forEach { log(String($0)) }
            throw RuntimeError(message: "InternalServerError: creating the runtime failed (\(command.joined(separator: " "))): "
                + (text.split(separator: "\n").last.map(String.init) ?? "exit \(process.terminationStatus)"))
        }
    }

    static func findPython() -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/python3"
    }
}

/// The bubblewrap sandbox a training process runs in: read-only system, the job directory at
/// /opt/ml, private /tmp, its own PID namespace and hostname, Anneal's home hidden, no capabilities.
/// (No `--new-session`: the executor already starts it in a session of its own with no terminal, and
/// staying in that session lets a stop reach the training process itself, see `ChildProcesses.terminate`.)
public struct Sandbox: Sendable {
    public static let bubblewrap = "/usr/bin/bwrap"

    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: bubblewrap) }

    public static func command(_ argv: [String], jobDirectory: String, hidden: [String], exposed: [String],
                               hostsFile: String, hostName: String, workingDirectory: String) -> [String] {
        var args = [bubblewrap, "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--tmpfs", "/opt"]
        let opt = (try? FileManager.default.contentsOfDirectory(atPath: "/opt")) ?? []
        for entry in opt.sorted() where entry != "ml" { args += ["--ro-bind", "/opt/\(entry)", "/opt/\(entry)"] }
        for path in hidden { args += ["--tmpfs", path] }
        for path in exposed { args += ["--ro-bind", path, path] }
        args += ["--bind", jobDirectory, "/opt/ml", "--ro-bind", hostsFile, "/etc/hosts",
                 "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                 "--hostname", hostName, "--cap-drop", "ALL", "--die-with-parent",
                 "--chdir", workingDirectory, "--"]
        return args + argv
    }
}
