import Foundation
import Glibc

/// The operator's table of training images that are not SageMaker framework images:
/// `$ANNEAL_HOME/runtimes.json`, read at each job start (so an edit applies to the next job).
///
/// ```json
/// {"runtimes": [
///   {"image": "*/tabular-train:*", "virtualenv": "/srv/venvs/tabular", "train": ["python", "-m", "tabular.train"]},
///   {"image": "my-image", "python": "/usr/bin/python3", "environment": {"OMP_NUM_THREADS": "1"}}
/// ]}
/// ```
/// The first entry whose `image` glob matches wins, before the built-in mappings.
public struct RuntimeTable: Sendable, Equatable, Decodable {
    public struct Entry: Sendable, Equatable, Decodable {
        /// A glob (`*`, `?`, `[...]`) matched against the image URI and against its last path
        /// component, each with and without the tag.
        public var image: String
        /// The interpreter that runs `sagemaker_program` scripts; defaults to the virtualenv's, else the system Python.
        public var python: String?
        /// A virtual environment: its `bin/` comes first on PATH and it is visible (read-only) in the sandbox.
        public var virtualenv: String?
        /// What runs when the job names no `sagemaker_program` and no ContainerEntrypoint, as the
        /// image's `train` program would on SageMaker. A string runs through `/bin/sh -c`.
        public var train: [String]?
        /// Variables the image would set; the job's own `Environment` wins.
        public var environment: [String: String]
        /// More host paths the sandbox shows read-only.
        public var expose: [String]

        public init(image: String, python: String? = nil, virtualenv: String? = nil, train: [String]? = nil,
                    environment: [String: String] = [:], expose: [String] = []) {
            self.image = image
            self.python = python
            self.virtualenv = virtualenv
            self.train = train
            self.environment = environment
            self.expose = expose
        }

        static let keys = ["image", "python", "virtualenv", "train", "environment", "expose"]

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            if let unknown = container.allKeys.first(where: { !Self.keys.contains($0.stringValue) }) {
                throw RuntimeError(message: "\(RuntimeTable.path(decoder.codingPath)): unknown key '\(unknown.stringValue)' "
                    + "(known: \(Self.keys.joined(separator: ", ")))")
            }
            image = try container.decode(String.self, forKey: AnyKey("image"))
            python = try container.decodeIfPresent(String.self, forKey: AnyKey("python"))
            virtualenv = try container.decodeIfPresent(String.self, forKey: AnyKey("virtualenv"))
            if let command = try? container.decodeIfPresent(String.self, forKey: AnyKey("train")) {
                train = ["/bin/sh", "-c", command]
            } else {
                train = try container.decodeIfPresent([String].self, forKey: AnyKey("train"))
            }
            environment = try container.decodeIfPresent([String: String].self, forKey: AnyKey("environment")) ?? [:]
            expose = try container.decodeIfPresent([String].self, forKey: AnyKey("expose")) ?? []
        }

        /// What is wrong with the entry, if anything, in words for the operator.
        func problem() -> String? {
            if image.trimmingCharacters(in: .whitespaces).isEmpty { return "'image' is empty" }
            for (key, path) in [("python", python), ("virtualenv", virtualenv)] {
                if let path, !path.hasPrefix("/") { return "'\(key)' must be an absolute path, not '\(path)'" }
            }
            if let train, train.isEmpty || train[0].isEmpty { return "'train' must name a command" }
            if let path = expose.first(where: { !$0.hasPrefix("/") }) { return "'expose' paths must be absolute, not '\(path)'" }
            if let name = environment.keys.sorted().first(where: { !Self.isVariableName($0) }) {
                return "'\(name)' in 'environment' is not a variable name"
            }
            return nil
        }

        static func isVariableName(_ name: String) -> Bool {
            guard let first = name.utf8.first, first == UInt8(ascii: "_") || (first | 0x20) >= UInt8(ascii: "a") && (first | 0x20) <= UInt8(ascii: "z")
            else { return false }
            return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z")
                || $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = container.allKeys.first(where: { $0.stringValue != "runtimes" }) {
            throw RuntimeError(message: "unknown top-level key '\(unknown.stringValue)' (the file is {\"runtimes\": [...]})")
        }
        entries = try container.decodeIfPresent([Entry].self, forKey: AnyKey("runtimes")) ?? []
    }

    /// The table in `path`; no file is an empty table. A file that does not parse is an error
    /// naming the entry and what is wrong with it.
    public static func load(path: String) throws(RuntimeError) -> RuntimeTable {
        guard FileManager.default.fileExists(atPath: path) else { return RuntimeTable() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RuntimeError(message: "InternalServerError: cannot read \(path)")
        }
        return try parse(data, source: path)
    }

    public static func parse(_ data: Data, source: String) throws(RuntimeError) -> RuntimeTable {
        let table: RuntimeTable
        do { table = try JSONDecoder().decode(RuntimeTable.self, from: data) } catch {
            throw RuntimeError(message: "InternalServerError: \(source) is not a valid runtime table: \(describe(error))")
        }
        for (index, entry) in table.entries.enumerated() {
            if let problem = entry.problem() {
                throw RuntimeError(message: "InternalServerError: \(source): runtimes[\(index)] (\(entry.image)): \(problem)")
            }
        }
        return table
    }

    /// `runtimes[1].train`, as a reader of the file would name the place.
    static func path(_ keys: [any CodingKey]) -> String {
        String(keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix("."))
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as RuntimeError: return error.message
        case DecodingError.typeMismatch(let type, let context):
            let name = "\(type)"
            let expected = name.hasPrefix("Array") ? "a list of strings" : name.hasPrefix("Dictionary") ? "an object of strings"
                : name == "String" ? "a string" : name
            return "\(path(context.codingPath)): expected \(expected)"
        case DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            let location = path(context.codingPath)
            return (location.isEmpty ? "" : location + ": ") + (underlying ?? context.debugDescription)
        case DecodingError.keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        default: return "\(error)"
        }
    }

    /// The first entry whose pattern matches `image`.
    public func entry(for image: String) -> Entry? {
        let candidates = Self.names(of: image)
        return entries.first { entry in candidates.contains { fnmatch(entry.image, $0, 0) == 0 } }
    }

    /// The image URI and its last path component, each with and without the tag (or digest).
    static func names(of image: String) -> [String] {
        func untagged(_ name: String) -> String {
            if let at = name.firstIndex(of: "@") { return String(name[..<at]) }
            let lastSlash = name.lastIndex(of: "/") ?? name.startIndex
            guard let colon = name[lastSlash...].lastIndex(of: ":") else { return name }
            return String(name[..<colon])
        }
        let last = image.split(separator: "/").last.map(String.init) ?? image
        var names: [String] = []
        for name in [image, untagged(image), last, untagged(last)] where !names.contains(name) { names.append(name) }
        return names
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}
