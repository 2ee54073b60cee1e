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
            let constraint = "Map keys must satisfy constraint: [\(ModelCheck.constraints(keyShape))]"
            violations.append(ModelCheck.violation(value, at: path, constraint))
        }
        if valuesFail {
            let constraint = "Map value must satisfy constraint: [\(ModelCheck.constraints(valueShape))]"
            violations.append(ModelCheck.violation(value, at: path, constraint))
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
