import AnnealAWS
import AnnealCore
import Glibc

/// A CloudWatch request's members, whichever wire form carried them: JSON 1.0 gives typed values,
/// the Query form gives strings (`MetricData.member.1.Value=2.5`), so every accessor takes both.
/// Paths in messages are written as AWS writes them, Query style (`MetricData.member.1.Value`).
struct CloudWatchInput {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String = "") {
        self.value = value
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool {
        if let member = value[key], !member.isNull { true } else { false }
    }

    func member(_ key: String) -> CloudWatchInput? {
        guard let member = value[key], !member.isNull else { return nil }
        return CloudWatchInput(member, path: name(key))
    }

    func string(_ key: String) throws(AWSError) -> String? {
        guard let member = value[key], !member.isNull else { return nil }
        guard let text = member.string else { throw CloudWatchErrors.invalidValue(member, name(key)) }
        return text
    }

    func required(_ key: String) throws(AWSError) -> String {
        guard let text = try string(key) else { throw CloudWatchErrors.missing(name(key)) }
        return text
    }

    /// A double: a JSON number, or text (Query, and botocore's "NaN" / "Infinity" / "-Infinity").
    func double(_ key: String) throws(AWSError) -> Double? {
        guard let member = value[key], !member.isNull else { return nil }
        return try CloudWatchInput.double(member, name(key))
    }

    static func double(_ member: JSONValue, _ name: String) throws(AWSError) -> Double {
        switch member {
        case .number(let number): return number
        case .string(let text):
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default:
                guard let number = Double(text) else { throw CloudWatchErrors.invalidValue(member, name) }
                return number
            }
        default: throw CloudWatchErrors.invalidValue(member, name)
        }
    }

    func int(_ key: String) throws(AWSError) -> Int? {
        guard let member = value[key], !member.isNull else { return nil }
        if let number = member.int { return number }
        if let text = member.string, let number = Int(text) { return number }
        throw CloudWatchErrors.invalidValue(member, name(key))
    }

    func bool(_ key: String) throws(AWSError) -> Bool? {
        guard let member = value[key], !member.isNull else { return nil }
        if let flag = member.bool { return flag }
        switch member.string {
        case "true": return true
        case "false": return false
        default: throw CloudWatchErrors.invalidValue(member, name(key))
        }
    }

    /// A time in epoch milliseconds: epoch seconds (JSON), or ISO 8601 text (Query).
    func timestamp(_ key: String) throws(AWSError) -> Int64? {
        guard let member = value[key], !member.isNull else { return nil }
        let seconds: Double?
        switch member {
        case .number(let number): seconds = number
        case .string(let text): seconds = Double(text) ?? ISO8601Time.parse(text)
        default: seconds = nil
        }
        guard let seconds, seconds.isFinite, abs(seconds) < 1e11 else { throw CloudWatchErrors.invalidValue(member, name(key)) }
        return Int64((seconds * 1000).rounded())
    }

    /// A list's members; `max` as the model's constraint.
    func list(_ key: String, max: Int? = nil) throws(AWSError) -> [CloudWatchInput] {
        guard let member = value[key], !member.isNull, member != .string("") else { return [] }
        guard let items = member.array else { throw CloudWatchErrors.invalidValue(member, name(key)) }
        if let max, items.count > max {
            throw CloudWatchErrors.invalid("The collection \(name(key)) must not have a size greater than \(max).")
        }
        return items.enumerated().map { CloudWatchInput($1, path: "\(name(key)).member.\($0 + 1)") }
    }

    /// A string within `min...max` characters.
    func string(_ key: String, length: ClosedRange<Int>) throws(AWSError) -> String? {
        guard let text = try string(key) else { return nil }
        guard length.contains(text.count) else {
            throw CloudWatchErrors.invalid("The parameter \(name(key)) must be between \(length.lowerBound) and "
                + "\(length.upperBound) characters long.")
        }
        return text
    }
}

extension CloudWatchInput {
    /// The Query form's flat parameters as the tree JSON would carry: `A.member.2.B=x` becomes
    /// `{"A": [.., {"B": "x"}]}`. List positions are 1-based; gaps are dropped.
    static func tree(fromQuery parameters: [String: String]) -> JSONValue {
        final class Node {
            var text: String?
            var children: [String: Node] = [:]
        }
        let root = Node()
        for (key, text) in parameters where key != "Action" && key != "Version" {
            var node = root
            for part in key.split(separator: ".", omittingEmptySubsequences: false) {
                let name = String(part)
                if let child = node.children[name] { node = child } else {
                    let child = Node()
                    node.children[name] = child
                    node = child
                }
            }
            node.text = text
        }
        func convert(_ node: Node) -> JSONValue {
            if node.children.isEmpty { return .string(node.text ?? "") }
            if let members = node.children["member"], node.children.count == 1 {
                let items = members.children.compactMap { index, child in Int(index).map { ($0, child) } }.sorted { $0.0 < $1.0 }
                return .array(items.map { convert($0.1) })
            }
            // `Dimensions=` with no members: an empty list, sent as an empty string.
            return .object(node.children.mapValues(convert))
        }
        return convert(root)
    }
}

/// ISO 8601 times as the Query protocol sends them: `2026-12-04T18:30:05Z`, with optional fraction
/// and a `Z` or `±hh:mm` offset.
enum ISO8601Time {
    static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<(index + digits)] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.count, bytes[index] == character.asciiValue else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2) else { return nil }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t") || bytes[index] == 32 else {
            return index == bytes.count ? epoch(year, month, day, 0, 0, 0) : nil
        }
        index += 1
        guard let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2) else { return nil }
        var fraction = 0.0
        if expect(".") {
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        if expect("Z") || expect("z") {
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            _ = expect(":")
            guard let minutes = number(2) else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard index == bytes.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61,
              let base = epoch(year, month, day, hour, minute, second) else { return nil }
        return base + fraction - Double(offset)
    }

    private static func epoch(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Double? {
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Double(timegm(&parts))
    }

    /// `2026-12-04T18:30:05.000Z`, as CloudWatch's Query replies write times.
    static func format(milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds.floorDivided(by: 1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(milliseconds - Int64(seconds) * 1000)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fraction = millis < 10 ? "00\(millis)" : (millis < 100 ? "0\(millis)" : "\(millis)")
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }
}

extension Int64 {
    /// Division rounding toward negative infinity (times before 1970 stay in their own second).
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
