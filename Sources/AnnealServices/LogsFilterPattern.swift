import AnnealAWS
import Glibc

/// A CloudWatch Logs filter pattern for unstructured events: terms and "quoted phrases" that must
/// all appear, `?term`s of which at least one must appear, and `-term`s that must not. Matching is
/// by UTF-8 bytes, so it is case-sensitive as AWS's is. An empty pattern matches every event.
///
/// JSON (`{ $.level = ... }`), space-delimited (`[ip, user, ...]`) and regular-expression (`%...%`)
/// patterns are refused with a clear error rather than matched as literal text.
struct LogsFilterPattern: Sendable, Equatable {
    private(set) var required: [[UInt8]] = []
    private(set) var anyOf: [[UInt8]] = []
    private(set) var excluded: [[UInt8]] = []

    init(_ text: String) throws(AWSError) {
        var scalars = Substring(text).unicodeScalars[...]
        func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" }
        func skipSpace() { while let first = scalars.first, isSpace(first) { scalars.removeFirst() } }
        skipSpace()
        if let first = scalars.first, first == "{" || first == "[" || first == "%" {
            throw LogsErrors.invalid("Only term and \"quoted phrase\" filter patterns are supported here (with ?term and -term); "
                + "JSON, space-delimited and regular-expression patterns are not: \(text)")
        }
        while let first = scalars.first {
            var kind = 0  // 0 required, 1 any of, 2 excluded
            if first == "?" || first == "-" {
                kind = first == "?" ? 1 : 2
                scalars.removeFirst()
            }
            var term = String.UnicodeScalarView()
            if scalars.first == "\"" {
                scalars.removeFirst()
                var closed = false
                while let scalar = scalars.popFirst() {
                    if scalar == "\\", let escaped = scalars.popFirst() {
                        term.append(escaped)
                    } else if scalar == "\"" {
                        closed = true
                        break
                    } else {
                        term.append(scalar)
                    }
                }
                guard closed else { throw LogsErrors.invalid("The filter pattern has an unterminated quoted phrase: \(text)") }
            } else {
                while let scalar = scalars.first, !isSpace(scalar) {
                    term.append(scalar)
                    scalars.removeFirst()
                }
            }
            let bytes = Array(String(term).utf8)
            if !bytes.isEmpty {
                switch kind {
                case 1: anyOf.append(bytes)
                case 2: excluded.append(bytes)
                default: required.append(bytes)
                }
            }
            skipSpace()
        }
    }

    var matchesEverything: Bool { required.isEmpty && anyOf.isEmpty && excluded.isEmpty }

    func matches(_ message: String) -> Bool {
        if matchesEverything { return true }
        var message = message
        return message.withUTF8 { haystack in
            required.allSatisfy { Self.contains(haystack, $0) }
                && (anyOf.isEmpty || anyOf.contains { Self.contains(haystack, $0) })
                && !excluded.contains { Self.contains(haystack, $0) }
        }
    }

    /// Whether `needle` occurs in `haystack`: memchr finds candidates for its first byte.
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let base = haystack.baseAddress, needle.count <= haystack.count else { return needle.isEmpty }
        return needle.withUnsafeBufferPointer { needle in
            guard let first = needle.first, let needleBase = needle.baseAddress else { return true }
            var offset = 0
            let lastStart = haystack.count - needle.count
            while offset <= lastStart {
                guard let found = memchr(base + offset, Int32(first), lastStart - offset + 1) else { return false }
                let at = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + at, needleBase, needle.count) == 0 { return true }
                offset = at + 1
            }
            return false
        }
    }
}
