/// One request as the policy language sees it.
public struct PolicyRequest: Sendable, Equatable {
    /// `service:Action`, e.g. `s3:GetObject`.
    public var action: String
    /// The resource ARN, or `*` for actions on no resource.
    public var resource: String
    /// Condition keys (any case) and their values: `aws:SourceIp`, `aws:SecureTransport`,
    /// `sagemaker:InstanceTypes`, ... A multi-valued key holds several.
    public var context: [String: [String]]
    /// The action in lower case and the resource, as bytes: matched against every statement's patterns.
    let actionBytes: [UInt8]
    let resourceBytes: [UInt8]

    public init(action: String, resource: String, context: [String: [String]] = [:]) {
        self.action = action
        self.resource = resource
        actionBytes = Array(PolicyEvaluator.asciiLowercased(action).utf8)
        resourceBytes = Array(resource.utf8)
        // Keys already in lower case (the gateway's own) are taken as they are: this runs on every request.
        if context.keys.allSatisfy({ !$0.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) }) {
            self.context = context
        } else {
            var lowered: [String: [String]] = [:]
            for (key, values) in context { lowered[key.lowercased(), default: []] += values }
            self.context = lowered
        }
    }

    func values(_ key: String) -> [String]? { context[key.lowercased()] }
}

public enum PolicyDecision: Sendable, Equatable {
    case allow
    /// A statement denied it explicitly (its Sid, if it has one): nothing can allow it then.
    case explicitDeny(String?)
    /// No statement allowed it.
    case implicitDeny
}

/// Evaluates identity policies as AWS does: an explicit Deny in any statement wins, else an Allow,
/// else the request is implicitly denied. Actions match case-insensitively, resources
/// case-sensitively, both with `*` and `?`; policy variables (`${aws:username}`, `${*}`, ...) are
/// filled in from the request's context.
public enum PolicyEvaluator {
    public static func evaluate(_ policies: [PolicyDocument], _ request: PolicyRequest) -> PolicyDecision {
        // Statements are visited in place (borrowed, not copied): copying each one retains all its
        // parts, which cost more than matching it, for every statement of every request.
        policies.withUnsafeBufferPointer { documents -> PolicyDecision in
            var allowed = false
            for index in documents.indices {
                let denied = documents[index].statements.withUnsafeBufferPointer { statements -> String?? in
                    for position in statements.indices
                    where applies(statements[position], request, version: documents[index].version) {
                        if statements[position].effect == .deny { return .some(statements[position].sid) }
                        allowed = true
                    }
                    return .none
                }
                if case .some(let sid) = denied { return .explicitDeny(sid) }
            }
            return allowed ? .allow : .implicitDeny
        }
    }

    /// ASCII letters to lower case (action names are ASCII; anything else is left as it is).
    static func asciiLowercased(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return text }
        return String(decoding: text.utf8.map { fold($0, true) }, as: UTF8.self)
    }

    /// Whether a statement's Action, Resource and Condition all match the request.
    public static func applies(_ statement: PolicyStatement, _ request: PolicyRequest, version: String = "2012-10-17") -> Bool {
        let substitute = version == "2012-10-17"
        guard request.actionBytes.withUnsafeBufferPointer({ statement.compiledActions.matches($0) }) else { return false }
        if let compiled = statement.compiledResources, !(substitute && compiled.hasVariables) {
            guard request.resourceBytes.withUnsafeBufferPointer({ compiled.matches($0) }) else { return false }
        } else if let resources = statement.resources {
            let expand = { (pattern: String) in substitute ? variables(pattern, request) : pattern }
            let resourceMatches: Bool = switch resources {
            case .only(let patterns): patterns.contains { wildcard(expand($0), request.resource, ignoringCase: false) }
            case .allBut(let patterns): !patterns.contains { wildcard(expand($0), request.resource, ignoringCase: false) }
            }
            guard resourceMatches else { return false }
        }
        return statement.conditions.allSatisfy { condition(substitute && $0.hasVariables ? expanded($0, request) : $0, request) }
    }

    /// Whether a trust policy lets `principal` (an ARN, `*`, or a service such as
    /// `sagemaker.amazonaws.com`) perform `action` (`sts:AssumeRole`).
    public static func trusts(_ policy: PolicyDocument, service: String? = nil, principalARN: String? = nil, accountID: String? = nil,
                              action: String = "sts:AssumeRole") -> Bool {
        var allowed = false
        for statement in policy.statements {
            guard applies(PolicyStatement(effect: statement.effect, actions: statement.actions), PolicyRequest(action: action, resource: "*"))
            else { continue }
            let principals = statement.principals ?? [:]
            var named = false
            if let service, principals["Service"]?.contains(service) == true { named = true }
            if let principalARN, let aws = principals["AWS"] {
                named = named || aws.contains { pattern in
                    pattern == "*" || pattern == principalARN || (accountID.map { pattern == $0 || pattern == "arn:aws:iam::\($0):root" } ?? false)
                }
            }
            guard named else { continue }
            if statement.effect == .deny { return false }
            allowed = true
        }
        return allowed
    }

    // MARK: - Matching

    /// `*` matches any run of characters (`/` and `:` included, as in IAM), `?` any one character.
    /// Case is ignored for ASCII letters (action names are ASCII). Allocation-free: it runs for every
    /// statement of every policy of every request.
    public static func wildcard(_ pattern: String, _ value: String, ignoringCase: Bool) -> Bool {
        var pattern = pattern
        var value = value
        return pattern.withUTF8 { p in value.withUTF8 { v in wildcard(p, v, ignoringCase: ignoringCase) } }
    }

    @inline(__always)
    static func fold(_ byte: UInt8, _ ignoringCase: Bool) -> UInt8 {
        ignoringCase && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    static func wildcard(_ p: UnsafeBufferPointer<UInt8>, _ v: UnsafeBufferPointer<UInt8>, ignoringCase: Bool) -> Bool {
        var (i, j) = (0, 0)
        var star = -1
        var mark = 0
        while j < v.count {
            if i < p.count && (p[i] == UInt8(ascii: "?") || fold(p[i], ignoringCase) == fold(v[j], ignoringCase)) {
                i += 1
                j += 1
            } else if i < p.count && p[i] == UInt8(ascii: "*") {
                star = i
                mark = j
                i += 1
            } else if star >= 0 {
                i = star + 1
                mark += 1
                j = mark
            } else {
                return false
            }
        }
        while i < p.count && p[i] == UInt8(ascii: "*") { i += 1 }
        return i == p.count
    }

    /// `${aws:username}` and the like from the context; `${*}`, `${?}`, `${$}` stand for the
    /// characters themselves. An unknown variable matches nothing (it stays as written).
    static func variables(_ text: String, _ request: PolicyRequest) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                result += rest[start.lowerBound...]
                return result
            }
            let name = String(rest[start.upperBound..<end])
            switch name {
            case "*", "?", "$": result += name
            default:
                if let value = request.values(name)?.first { result += value } else { result += "${\(name)}" }
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    static func expanded(_ condition: PolicyCondition, _ request: PolicyRequest) -> PolicyCondition {
        PolicyCondition(operation: condition.operation, ifExists: condition.ifExists, qualifier: condition.qualifier, key: condition.key,
                        values: condition.values.map { variables($0, request) })
    }

    /// One condition against the request's context.
    static func condition(_ condition: PolicyCondition, _ request: PolicyRequest) -> Bool {
        let present = request.context[condition.lookupKey]
        if condition.isNull {
            let wantsAbsent = condition.values.contains { $0.lowercased() == "true" }
            return wantsAbsent == (present == nil || present!.isEmpty)
        }
        guard let actual = present, !actual.isEmpty else {
            if condition.ifExists { return true }
            // ForAllValues over no values is vacuously true; a negated operator on a missing key is true.
            if condition.qualifier == .forAllValues { return true }
            return condition.isNegated && condition.qualifier == nil
        }
        let positive = condition.positiveOperation
        let negative = condition.isNegated
        let matches: (String) -> Bool
        if !condition.ipBlocks.isEmpty {
            // Address blocks were read with the policy; an address is read once per value here.
            matches = { value in
                let address = IPv4Block.parse(value)
                return zip(condition.ipBlocks, condition.values).contains { block, expected in
                    if let block { return address.map { $0 & block.mask == block.network } ?? false }
                    return value == expected
                }
            }
        } else {
            matches = { value in condition.values.contains { compare(positive, value, $0) } }
        }
        // With a set qualifier the operator (negated or not) applies to each request value; without
        // one, a negated operator holds when no value matches.
        switch condition.qualifier {
        case .forAllValues?: return actual.allSatisfy { matches($0) != negative }
        case .forAnyValue?: return actual.contains { matches($0) != negative }
        case nil: return actual.contains(where: matches) != negative
        }
    }

    static func negated(_ operation: String) -> Bool {
        operation.contains("Not") && operation != "Null"
    }

    static func positiveForm(_ operation: String) -> String {
        switch operation {
        case "StringNotEquals": "StringEquals"
        case "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase"
        case "StringNotLike": "StringLike"
        case "ArnNotEquals": "ArnEquals"
        case "ArnNotLike": "ArnLike"
        case "NumericNotEquals": "NumericEquals"
        case "DateNotEquals": "DateEquals"
        case "NotIpAddress": "IpAddress"
        default: operation
        }
    }

    static func compare(_ operation: String, _ actual: String, _ expected: String) -> Bool {
        switch operation {
        case "StringEquals": return actual == expected
        case "StringEqualsIgnoreCase": return actual.lowercased() == expected.lowercased()
        case "StringLike": return wildcard(expected, actual, ignoringCase: false)
        case "ArnEquals", "ArnLike":
            let a = actual.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            let e = expected.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            guard a.count == 6, e.count == 6 else { return false }
            return zip(e, a).allSatisfy { wildcard(String($0), String($1), ignoringCase: false) }
        case "Bool": return actual.lowercased() == expected.lowercased()
        case "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
            guard let x = Double(actual), let y = Double(expected) else { return false }
            return ordered(operation.dropFirst("Numeric".count), x, y)
        case "DateEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals":
            guard let x = epochSeconds(actual), let y = epochSeconds(expected) else { return false }
            return ordered(operation.dropFirst("Date".count), x, y)
        case "IpAddress": return IPv4Block(expected).map { $0.contains(actual) } ?? (actual == expected)
        default: return false
        }
    }

    static func ordered(_ relation: Substring, _ x: Double, _ y: Double) -> Bool {
        switch relation {
        case "Equals": x == y
        case "LessThan": x < y
        case "LessThanEquals": x <= y
        case "GreaterThan": x > y
        case "GreaterThanEquals": x >= y
        default: false
        }
    }

    /// Epoch seconds, or an ISO 8601 UTC time (`2026-12-04T10:00:00Z`, date alone allowed).
    static func epochSeconds(_ text: String) -> Double? {
        if let number = Double(text) { return number }
        let digits = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard digits.count >= 3 else { return nil }
        let (year, month, day) = (digits[0], digits[1], digits[2])
        let (hour, minute, second) = (digits.count > 3 ? digits[3] : 0, digits.count > 4 ? digits[4] : 0, digits.count > 5 ? digits[5] : 0)
        // Days from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second)
    }
}

/// An IPv4 CIDR block (`10.0.0.0/8`; a bare address is a /32).
struct IPv4Block: Sendable, Equatable {
    let network: UInt32
    let mask: UInt32

    init?(_ text: String) {
        let slash = text.firstIndex(of: "/")
        guard let address = IPv4Block.parse(slash.map { String(text[..<$0]) } ?? text) else { return nil }
        let bits = slash.map { Int(text[text.index(after: $0)...]) ?? -1 } ?? 32
        guard (0...32).contains(bits) else { return nil }
        mask = bits == 0 ? 0 : UInt32.max << (32 - bits)
        network = address & mask
    }

    func contains(_ text: String) -> Bool {
        guard let address = IPv4Block.parse(text) else { return false }
        return address & mask == network
    }

    /// A dotted quad, read without allocating (the source address of every request goes through here).
    static func parse(_ text: String) -> UInt32? {
        var address: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                address = address << 8 | octet
                (octet, digits, dots) = (0, 0, dots + 1)
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard digits <= 3, octet <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, dots == 3 else { return nil }
        return address << 8 | octet
    }
}
