import Synchronization

/// One shape of the SageMaker API model (botocore's `service-2.json`), reduced to what the service
/// checks on input: types, required members, lengths, ranges, patterns and enums. The shapes
/// themselves are generated from the model (`SageMakerModel`), so the constraints are the model's, not
/// a guess.
public indirect enum ModelShape: Sendable {
    case structure([ModelMember], required: Set<String>)
    case list(ModelShape, length: ModelRange)
    case map(key: ModelShape, value: ModelShape, length: ModelRange)
    case string(length: ModelRange, pattern: ModelPattern?)
    case enumeration([String])
    /// `integer` (32-bit) in the model.
    case integer(ModelRange)
    /// `long` in the model.
    case long(ModelRange)
    /// `float` and `double`.
    case float
    case boolean
    /// Epoch seconds (integer or fractional) or an ISO-8601 string.
    case timestamp

    /// The member named `name`, for structures.
    public func member(_ name: String) -> ModelShape? {
        if case .structure(let members, _) = self { members.first { $0.name == name }?.shape } else { nil }
    }
}

public struct ModelMember: Sendable {
    public var name: String
    public var shape: ModelShape

    public init(_ name: String, _ shape: ModelShape) {
        self.name = name
        self.shape = shape
    }
}

/// Inclusive bounds, either of which may be absent.
public struct ModelRange: Sendable, Equatable {
    public var min: Int64?
    public var max: Int64?

    public init(min: Int64? = nil, max: Int64? = nil) {
        self.min = min
        self.max = max
    }

    public static let any = ModelRange()
}

/// A regular expression from the model. It must match the whole value (as the service's Java
/// validators do). `display` is the form AWS prints in its messages, which for some shapes still
/// carries the `^...$` anchors older models had.
public struct ModelPattern: Sendable {
    public var source: String
    public var display: String

    public init(_ source: String, display: String? = nil) {
        self.source = source
        self.display = display ?? source
    }

    /// Whether `value` matches the whole pattern. A pattern that does not compile (never the case for
    /// the generated ones; a test compiles them all) matches nothing.
    public func matches(_ value: String) -> Bool {
        ModelPattern.cache.matches(self, value)
    }

    private static let cache = PatternCache()
}

/// Compiled patterns, compiled once each. `Regex` is not `Sendable`, so matching happens under
/// the lock; the patterns are small and the lock is held for microseconds.
private final class PatternCache: Sendable {
    private struct Compiled {
        var regex: Regex<AnyRegexOutput>?
        /// Swift's `Regex` has no lookbehind: a trailing `(?<!-)` is checked by hand instead.
        var mustNotEndWithHyphen: Bool
    }

    private let compiled = Mutex<[String: Compiled]>([:])

    func matches(_ pattern: ModelPattern, _ value: String) -> Bool {
        compiled.withLock { cache in
            let entry: Compiled
            if let found = cache[pattern.source] {
                entry = found
            } else {
                var source = pattern.source
                let lookbehind = "(?<!-)"
                let trims = source.hasSuffix(lookbehind)
                if trims { source.removeLast(lookbehind.count) }
                entry = Compiled(regex: (try? Regex(source))?.matchingSemantics(.unicodeScalar), mustNotEndWithHyphen: trims)
                cache[pattern.source] = entry
            }
            guard let regex = entry.regex else { return false }
            if entry.mustNotEndWithHyphen && value.hasSuffix("-") { return false }
            return (try? regex.wholeMatch(in: value)) != nil
        }
    }

    /// Whether the pattern compiles (tests use it to check every generated pattern).
    func compiles(_ pattern: ModelPattern) -> Bool {
        _ = matches(pattern, "")
        return compiled.withLock { $0[pattern.source]?.regex != nil }
    }
}

extension ModelPattern {
    /// Whether the pattern compiles with the engine the checker uses.
    public var compiles: Bool { ModelPattern.cache.compiles(self) }
}
