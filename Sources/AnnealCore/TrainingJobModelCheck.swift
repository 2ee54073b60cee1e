/// What checking a request against its model shape found.
public enum ModelCheckResult: Sendable, Equatable {
    case valid
    /// Constraint violations, each phrased as AWS phrases them
    /// (`Value 'x' at 'trainingJobName' failed to satisfy constraint: ...`).
    case invalid([String])
    /// A member of the wrong JSON type: the service cannot even deserialize the request.
    case malformed(String)

    /// The message AWS sends for these violations: `1 validation error detected: ...` or
    /// `N validation errors detected: a; b`.
    public static func message(_ violations: [String]) -> String {
        let count = violations.count
        return "\(count) validation error\(count == 1 ? "" : "s") detected: " + violations.joined(separator: "; ")
    }
}

/// Checks a JSON request against a `ModelShape` the way the service's deserializer and validators
/// do: a member of the wrong type stops everything (`SerializationException`); otherwise every
/// constraint violation is collected, in member order (`ValidationException`).
///
/// Member paths are written as AWS writes them: member names with a lower-case first letter,
/// list elements as `inputDataConfig.1.member.channelName` (1-based).
public struct ModelCheck {
    private(set) var violations: [String] = []
    private var malformed: String?

    public static func check(_ value: JSONValue, against shape: ModelShape) -> ModelCheckResult {
        var check = ModelCheck()
        check.visit(value, shape, path: "")
        if let malformed = check.malformed { return .malformed(malformed) }
        return check.violations.isEmpty ? .valid : .invalid(check.violations)
    }

    /// `TrainingJobName` → `trainingJobName`, `S3Uri` → `s3Uri`.
    public static func memberPath(_ parent: String, _ member: String) -> String {
        let name = member.prefix(1).lowercased() + member.dropFirst()
        return parent.isEmpty ? name : parent + "." + name
    }

    /// The sentence for one failed constraint.
    public static func violation(_ value: JSONValue?, at path: String, _ constraint: String) -> String {
        let shown = value.map { "'\(render($0))'" } ?? "null"
        return "Value \(shown) at '\(path)' failed to satisfy constraint: \(constraint)"
    }

    private mutating func visit(_ value: JSONValue, _ shape: ModelShape, path: String) {
        guard malformed == nil else { return }
        switch shape {
        case .structure(let members, let required):
            guard case .object(let object) = value else { return mismatch(value, "a structure", path) }
            for member in members {
                let memberPath = ModelCheck.memberPath(path, member.name)
                if let child = object[member.name], child != .null {
                    visit(child, member.shape, path: memberPath)
                } else if required.contains(member.name) {
                    violations.append(ModelCheck.violation(nil, at: memberPath, "Member must not be null"))
                }
            }
        case .list(let element, let length):
            guard case .array(let items) = value else { return mismatch(value, "a list", path) }
            checkLength(value, Int64(items.count), length, path)
            for (index, item) in items.enumerated() {
                let itemPath = (path.isEmpty ? "" : path + ".") + "\(index + 1).member"
                if item == .null {
                    violations.append(ModelCheck.violation(nil, at: itemPath, "Member must not be null"))
                } else {
                    visit(item, element, path: itemPath)
                }
            }
        case .map(let keyShape, let valueShape, let length):
            guard case .object(let object) = value else { return mismatch(value, "a map", path) }
            checkLength(value, Int64(object.count), length, path)
            checkMapEntries(value, object, keyShape: keyShape, valueShape: valueShape, path: path)
        case .string(let length, let pattern):
            guard case .string(let text) = value else { return mismatch(value, "a string", path) }
            for constraint in ModelCheck.stringProblems(text, length, pattern) {
                violations.append(ModelCheck.violation(value, at: path, constraint))
            }
        case .enumeration(let allowed):
            guard case .string(let text) = value else { return mismatch(value, "a string", path) }
            if !allowed.contains(text) {
                violations.append(ModelCheck.violation(value, at: path, ModelCheck.enumConstraint(allowed)))
            }
        case .integer(let range), .long(let range):
            let limit: Double = if case .integer = shape { 2_147_483_648 } else { 9_223_372_036_854_775_808 }
            guard case .number(let number) = value, number == number.rounded(), number >= -limit, number < limit else {
                return mismatch(value, "an integer", path)
            }
            if let min = range.min, number < Double(min) {
                violations.append(ModelCheck.violation(value, at: path, "Member must have value greater than or equal to \(min)"))
            }
            if let max = range.max, number > Double(max) {
                violations.append(ModelCheck.violation(value, at: path, "Member must have value less than or equal to \(max)"))
            }
        case .float:
            guard case .number = value else { return mismatch(value, "a number", path) }
        case .boolean:
            guard case .bool = value else { return mismatch(value, "a boolean", path) }
        case .timestamp:
            guard ModelTimestamp.seconds(value) != nil else { return mismatch(value, "a timestamp", path) }
        }
    }

    private mutating func checkLength(_ value: JSONValue, _ count: Int64, _ length: ModelRange, _ path: String) {
        if let max = length.max, count > max {
            violations.append(ModelCheck.violation(value, at: path, "Member must have length less than or equal to \(max)"))
        }
        if let min = length.min, count < min {
            violations.append(ModelCheck.violation(value, at: path, "Member must have length greater than or equal to \(min)"))
        }
    }

    /// Map keys and values are reported once per map, with every constraint of their shape listed,
    /// as AWS does: `Map value must satisfy constraint: [Member must have length ..., ...]`.
    private mutating func checkMapEntries(_ value: JSONValue, _ object: [String: JSONValue], keyShape: ModelShape,
                                          valueShape: ModelShape, path: String) {
        var keysFail = false
        var valuesFail = false
        for (key, entry) in object.sorted(by: { $0.key < $1.key }) {
            if !ModelCheck.scalarProblems(.string(key), keyShape).isEmpty { keysFail = true }
            switch valueShape {
            case .string, .enumeration:
                guard case .string = entry else { return mismatch(entry, "a string", path + "." + key) }
                if !ModelCheck.scalarProblems(entry, valueShape).isEmpty { valuesFail = true }
            default:
                visit(entry, valueShape, path: path + "." + key)
            }
        }
        if keysFail {
            violations.append(ModelCheck.violation(value, at: path, "Map keys must satisfy constraint: [\(ModelCheck.constraints(keyShape))]"))
        }
        if valuesFail {
            violations.append(ModelCheck.violation(value, at: path, "Map value must satisfy constraint: [\(ModelCheck.constraints(valueShape))]"))
        }
    }

    private mutating func mismatch(_ value: JSONValue, _ expected: String, _ path: String) {
        guard malformed == nil else { return }
        let found = switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "a structure or map"
        }
        let place = path.isEmpty ? "the request" : "'\(path)'"
        malformed = "Expected \(expected) at \(place) but found \(found)."
    }

    static func scalarProblems(_ value: JSONValue, _ shape: ModelShape) -> [String] {
        switch (shape, value) {
        case (.string(let length, let pattern), .string(let text)): stringProblems(text, length, pattern)
        case (.enumeration(let allowed), .string(let text)): allowed.contains(text) ? [] : [enumConstraint(allowed)]
        default: []
        }
    }

    static func stringProblems(_ text: String, _ length: ModelRange, _ pattern: ModelPattern?) -> [String] {
        // Lengths count UTF-16 code units, as Java's String.length() does.
        let count = Int64(text.utf16.count)
        var problems: [String] = []
        if let max = length.max, count > max { problems.append("Member must have length less than or equal to \(max)") }
        if let min = length.min, count < min { problems.append("Member must have length greater than or equal to \(min)") }
        if let pattern, !pattern.matches(text) { problems.append("Member must satisfy regular expression pattern: \(pattern.display)") }
        return problems
    }

    static func enumConstraint(_ allowed: [String]) -> String {
        "Member must satisfy enum value set: [\(allowed.joined(separator: ", "))]"
    }

    /// Every constraint of a scalar shape, for the map key/value form.
    static func constraints(_ shape: ModelShape) -> String {
        switch shape {
        case .string(let length, let pattern):
            var all: [String] = []
            if let max = length.max { all.append("Member must have length less than or equal to \(max)") }
            if let min = length.min { all.append("Member must have length greater than or equal to \(min)") }
            if let pattern { all.append("Member must satisfy regular expression pattern: \(pattern.display)") }
            return all.joined(separator: ", ")
        case .enumeration(let allowed): return enumConstraint(allowed)
        default: return ""
        }
    }

    /// A value as the service's messages show it (Java's `toString` of the deserialized value).
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): JSONValue.format(number)
        case .string(let text): text
        case .array(let items): "[" + items.map(render).joined(separator: ", ") + "]"
        case .object(let members):
            "{" + members.keys.sorted().map { "\($0)=\(render(members[$0] ?? .null))" }.joined(separator: ", ") + "}"
        }
    }
}

/// Timestamps in requests: epoch seconds (integer or fractional) or ISO-8601 text.
public enum ModelTimestamp {
    public static func seconds(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let seconds): seconds
        case .string(let text): Double(text) ?? iso8601(text)
        default: nil
        }
    }

    /// `2026-01-02T03:04:05Z`, with optional fractional seconds and a `±hh:mm` (or `±hhmm`) offset;
    /// a date alone (`2026-01-02`) means midnight UTC.
    public static func iso8601(_ text: String) -> Double? {
        let chars = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= chars.count else { return nil }
            var value = 0
            for byte in chars[index..<(index + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < chars.count, chars[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year, month, day) * 86_400)
        guard index < chars.count else { return seconds }
        guard expect(84) || expect(116) || expect(32),  // T, t or a space
              let hour = digits(2), expect(58), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        if expect(58) {
            guard let second = digits(2), second <= 60 else { return nil }
            seconds += Double(second)
            if expect(46) || expect(44) {
                let start = index
                var scale = 0.1
                while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                    seconds += Double(chars[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
                guard index > start else { return nil }
            }
        }
        if expect(90) || expect(122) { return index == chars.count ? seconds : nil }  // Z or z
        guard index < chars.count else { return seconds }
        let sign: Double = expect(43) ? -1 : (expect(45) ? 1 : 0)
        guard sign != 0, let offsetHours = digits(2) else { return nil }
        _ = expect(58)
        guard let offsetMinutes = digits(2), index == chars.count else { return nil }
        return seconds + sign * Double(offsetHours * 3600 + offsetMinutes * 60)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
