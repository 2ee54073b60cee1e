/// An IAM policy document (identity or trust policy) in the AWS JSON policy language.
public struct PolicyDocument: Sendable, Equatable {
    public var version: String
    public var statements: [PolicyStatement]

    public init(version: String = "2012-10-17", statements: [PolicyStatement]) {
        self.version = version
        self.statements = statements
    }
}

extension PolicyDocument {
    /// The condition keys and policy variables (`${aws:username}`), in lower case, that the statements
    /// read from a request.
    public var contextKeys: Set<String> {
        var keys = Set<String>()
        func variables(in text: String) {
            var rest = Substring(text)
            while let start = rest.range(of: "${"), let end = rest[start.upperBound...].firstIndex(of: "}") {
                let name = rest[start.upperBound..<end]
                if !["*", "?", "$"].contains(name) { keys.insert(name.lowercased()) }
                rest = rest[rest.index(after: end)...]
            }
        }
        for statement in statements {
            for condition in statement.conditions {
                keys.insert(condition.lookupKey)
                condition.values.forEach(variables(in:))
            }
            switch statement.resources {
            case .only(let patterns)?, .allBut(let patterns)?: patterns.forEach(variables(in:))
            case nil: break
            }
        }
        return keys
    }
}

public struct PolicyStatement: Sendable, Equatable {
    public enum Effect: String, Sendable {
        case allow = "Allow"
        case deny = "Deny"
    }

    /// Either `Action` or `NotAction` (exactly one), and either `Resource` or `NotResource` (at most
    /// one: trust policies have neither, naming a `Principal` instead).
    public enum Match: Sendable, Equatable {
        case only([String])
        case allBut([String])
    }

    public var sid: String?
    public var effect: Effect
    public var actions: Match { didSet { compiledActions = CompiledMatch(actions, foldingCase: true) } }
    public var resources: Match? { didSet { compiledResources = resources.map { CompiledMatch($0, foldingCase: false) } } }
    /// `Principal` of a trust policy, by type (`AWS`, `Service`, `Federated`), or `*` for everyone.
    public var principals: [String: [String]]?
    public var conditions: [PolicyCondition]
    /// The patterns as bytes, prepared once when the policy is read: they are matched for every request.
    private(set) var compiledActions: CompiledMatch
    private(set) var compiledResources: CompiledMatch?

    public init(sid: String? = nil, effect: Effect, actions: Match, resources: Match? = nil, principals: [String: [String]]? = nil,
                conditions: [PolicyCondition] = []) {
        self.sid = sid
        self.effect = effect
        self.actions = actions
        self.resources = resources
        self.principals = principals
        self.conditions = conditions
        compiledActions = CompiledMatch(actions, foldingCase: true)
        compiledResources = resources.map { CompiledMatch($0, foldingCase: false) }
    }
}

/// `Action`/`Resource` patterns ready to match: UTF-8 bytes, folded to lower case for actions (which
/// match whatever their case). Patterns holding policy variables are matched from their text instead.
struct CompiledMatch: Sendable, Equatable {
    /// Every pattern's bytes, one after the other, and where each lies: no array per pattern, so
    /// matching retains nothing.
    let bytes: [UInt8]
    let ranges: [Range<Int>]
    let isNegated: Bool
    let hasVariables: Bool

    init(_ match: PolicyStatement.Match, foldingCase: Bool) {
        let texts: [String]
        switch match {
        case .only(let list): (texts, isNegated) = (list, false)
        case .allBut(let list): (texts, isNegated) = (list, true)
        }
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for text in texts {
            let start = bytes.count
            bytes += foldingCase ? PolicyEvaluator.asciiLowercased(text).utf8 : text.utf8
            ranges.append(start..<bytes.count)
        }
        self.bytes = bytes
        self.ranges = ranges
        hasVariables = texts.contains { $0.contains("${") }
    }

    /// Whether `value` (bytes, folded as the patterns are) matches: any pattern, or none for `Not...`.
    func matches(_ value: UnsafeBufferPointer<UInt8>) -> Bool {
        let any = bytes.withUnsafeBufferPointer { all in
            ranges.contains { PolicyEvaluator.wildcard(UnsafeBufferPointer(rebasing: all[$0]), value, ignoringCase: false) }
        }
        return any != isNegated
    }
}

/// One condition: `"<Operator>": {"<key>": <values>}`, with the `IfExists` suffix and the
/// `ForAnyValue:` / `ForAllValues:` set qualifiers.
public struct PolicyCondition: Sendable, Equatable {
    public enum SetQualifier: String, Sendable {
        case forAnyValue = "ForAnyValue"
        case forAllValues = "ForAllValues"
    }

    public var operation: String
    public var ifExists: Bool
    public var qualifier: SetQualifier?
    public var key: String
    public var values: [String]
    /// Derived once, when the policy is read, rather than on every request it is evaluated for:
    /// the key in lower case (request keys are), whether the operator is negated, and its positive form.
    let lookupKey: String
    let isNegated: Bool
    let positiveOperation: String
    /// Whether a value holds a policy variable (`${aws:username}`) to fill in.
    let hasVariables: Bool
    let isNull: Bool
    /// For `IpAddress`/`NotIpAddress`: the values as address blocks, read once (nil: not an address).
    let ipBlocks: [IPv4Block?]

    public init(operation: String, ifExists: Bool = false, qualifier: SetQualifier? = nil, key: String, values: [String]) {
        self.operation = operation
        self.ifExists = ifExists
        self.qualifier = qualifier
        self.key = key
        self.values = values
        lookupKey = key.lowercased()
        isNegated = PolicyEvaluator.negated(operation)
        positiveOperation = PolicyEvaluator.positiveForm(operation)
        hasVariables = values.contains { $0.contains("${") }
        isNull = operation == "Null"
        ipBlocks = positiveOperation == "IpAddress" ? values.map { IPv4Block($0) } : []
    }
}

/// Why a policy document was refused (`MalformedPolicyDocument`), naming what is wrong.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension PolicyDocument {
    /// The condition operators the evaluator knows (without `IfExists`).
    public static let operators: Set<String> = [
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
        "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Bool", "NumericEquals", "NumericNotEquals", "NumericLessThan",
        "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals", "DateNotEquals", "DateLessThan",
        "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "IpAddress", "NotIpAddress", "Null",
    ]

    /// Parses and checks a policy as IAM does. `trust` for a role's trust policy (statements name a
    /// Principal and no Resource); otherwise an identity policy (Resource, no Principal).
    public static func parse(_ json: JSONValue, trust: Bool = false) throws(PolicyError) -> PolicyDocument {
        guard case .object(let members) = json else { throw PolicyError("The policy must be a JSON object.") }
        let allowed: Set<String> = ["Version", "Id", "Statement"]
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PolicyError("Unknown field \(unknown) in the policy (expected Version, Id, Statement).")
        }
        let version = members["Version"]?.string ?? "2008-10-17"
        guard version == "2012-10-17" || version == "2008-10-17" else {
            throw PolicyError("The policy Version must be 2012-10-17 (or the legacy 2008-10-17), not \(version).")
        }
        let raw: [JSONValue]
        switch members["Statement"] {
        case .array(let list)?: raw = list
        case .object?: raw = [members["Statement"]!]
        default: throw PolicyError("The policy needs a Statement (an object or a list of them).")
        }
        guard !raw.isEmpty else { throw PolicyError("The policy's Statement list is empty.") }
        var statements: [PolicyStatement] = []
        for (index, item) in raw.enumerated() {
            statements.append(try statement(item, index: index + 1, trust: trust))
        }
        return PolicyDocument(version: version, statements: statements)
    }

    static func statement(_ json: JSONValue, index: Int, trust: Bool) throws(PolicyError) -> PolicyStatement {
        guard case .object(let members) = json else { throw PolicyError("Statement \(index) must be a JSON object.") }
        let at = "Statement \(index)" + (members["Sid"]?.string.map { " (\($0))" } ?? "")
        let allowed: Set<String> = ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal",
                                    "Condition"]
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PolicyError("\(at): unknown field \(unknown).")
        }
        guard let effect = members["Effect"]?.string.flatMap(PolicyStatement.Effect.init(rawValue:)) else {
            throw PolicyError("\(at): Effect must be Allow or Deny.")
        }
        let actions = try match(members, "Action", "NotAction", at: at, required: true)!
        for action in actionNames(actions) where action != "*" {
            guard let colon = action.firstIndex(of: ":"), colon != action.startIndex, action.index(after: colon) != action.endIndex else {
                throw PolicyError("\(at): the action '\(action)' must be written service:Action (for example s3:GetObject).")
            }
        }
        let resources = try match(members, "Resource", "NotResource", at: at, required: false)
        var principals: [String: [String]]?
        if let principal = members["Principal"] {
            switch principal {
            case .string("*"): principals = ["AWS": ["*"]]
            case .object(let types):
                var parsed: [String: [String]] = [:]
                for (type, value) in types {
                    guard ["AWS", "Service", "Federated", "CanonicalUser"].contains(type) else {
                        throw PolicyError("\(at): unknown Principal type \(type) (use AWS, Service or Federated).")
                    }
                    parsed[type] = try strings(value, at: "\(at) Principal.\(type)")
                }
                principals = parsed
            default: throw PolicyError("\(at): Principal must be \"*\" or an object such as {\"Service\": \"sagemaker.amazonaws.com\"}.")
            }
        }
        if trust {
            guard principals != nil else { throw PolicyError("\(at): a trust policy statement must name a Principal.") }
            guard resources == nil else { throw PolicyError("\(at): a trust policy statement takes no Resource.") }
        } else {
            guard principals == nil, members["NotPrincipal"] == nil else {
                throw PolicyError("\(at): an identity policy takes no Principal (that belongs in a role's trust policy).")
            }
            guard resources != nil else { throw PolicyError("\(at): Resource (or NotResource) is required.") }
        }
        var conditions: [PolicyCondition] = []
        if let condition = members["Condition"] {
            guard case .object(let blocks) = condition else { throw PolicyError("\(at): Condition must be a JSON object.") }
            for (name, block) in blocks.sorted(by: { $0.key < $1.key }) {
                var operation = name
                var qualifier: PolicyCondition.SetQualifier?
                if let colon = operation.firstIndex(of: ":") {
                    guard let parsed = PolicyCondition.SetQualifier(rawValue: String(operation[..<colon])) else {
                        throw PolicyError("\(at): unknown condition qualifier in \(name) (use ForAnyValue: or ForAllValues:).")
                    }
                    qualifier = parsed
                    operation = String(operation[operation.index(after: colon)...])
                }
                let ifExists = operation.hasSuffix("IfExists") && operation != "IfExists"
                if ifExists { operation.removeLast("IfExists".count) }
                guard operators.contains(operation) else { throw PolicyError("\(at): unknown condition operator \(name).") }
                guard case .object(let keys) = block else { throw PolicyError("\(at): Condition \(name) must map keys to values.") }
                for (key, value) in keys.sorted(by: { $0.key < $1.key }) {
                    conditions.append(PolicyCondition(operation: operation, ifExists: ifExists, qualifier: qualifier, key: key,
                                                      values: try strings(value, at: "\(at) Condition \(name) \(key)")))
                }
            }
        }
        return PolicyStatement(sid: members["Sid"]?.string, effect: effect, actions: actions, resources: resources, principals: principals,
                               conditions: conditions)
    }

    static func match(_ members: [String: JSONValue], _ positive: String, _ negative: String, at: String,
                      required: Bool) throws(PolicyError) -> PolicyStatement.Match? {
        switch (members[positive], members[negative]) {
        case (let value?, nil): return .only(try strings(value, at: "\(at) \(positive)"))
        case (nil, let value?): return .allBut(try strings(value, at: "\(at) \(negative)"))
        case (.some, .some): throw PolicyError("\(at): use \(positive) or \(negative), not both.")
        case (nil, nil):
            if required { throw PolicyError("\(at): \(positive) (or \(negative)) is required.") }
            return nil
        }
    }

    /// A string or a list of strings (numbers and booleans as their text, as IAM accepts them).
    static func strings(_ value: JSONValue, at: String) throws(PolicyError) -> [String] {
        func text(_ item: JSONValue) throws(PolicyError) -> String {
            switch item {
            case .string(let string): return string
            case .bool(let flag): return flag ? "true" : "false"
            case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
            default: throw PolicyError("\(at) must be a string or a list of strings.")
            }
        }
        switch value {
        case .array(let items):
            guard !items.isEmpty else { throw PolicyError("\(at) must not be an empty list.") }
            var result: [String] = []
            for item in items { result.append(try text(item)) }
            return result
        default: return [try text(value)]
        }
    }

    static func actionNames(_ match: PolicyStatement.Match) -> [String] {
        switch match {
        case .only(let names), .allBut(let names): names
        }
    }
}
