/// What `ListAuditEvents` (and `anneal audit`) asks of the audit log: newest first, filtered, a page
/// at a time.
public struct AuditQuery: Sendable, Equatable {
    public var startMilliseconds: Int64?
    public var endMilliseconds: Int64?
    public var outcome: AuditEvent.Outcome?
    public var principal: String?
    public var maxResults: Int
    /// Only events older than this id (from the previous page's NextToken).
    public var beforeID: Int64?

    public init(startMilliseconds: Int64? = nil, endMilliseconds: Int64? = nil, outcome: AuditEvent.Outcome? = nil,
                principal: String? = nil, maxResults: Int = 100, beforeID: Int64? = nil) {
        self.startMilliseconds = startMilliseconds
        self.endMilliseconds = endMilliseconds
        self.outcome = outcome
        self.principal = principal
        self.maxResults = maxResults
        self.beforeID = beforeID
    }

    public static let defaultMaxResults = 100
    public static let maxMaxResults = 1000

    /// The query a `ListAuditEvents` body asks for, or the reason it is invalid (a ValidationException).
    public static func parse(_ body: JSONValue) -> Result<AuditQuery, AuditQueryError> {
        guard case .object(let members) = body else { return .failure(AuditQueryError("The request body must be a JSON object")) }
        let known: Set<String> = ["StartTime", "EndTime", "Outcome", "Principal", "MaxResults", "NextToken"]
        if let unknown = members.first(where: { !known.contains($0.key) }) {
            return .failure(AuditQueryError("Unknown parameter '\(unknown.key)': expected one of "
                + known.sorted().joined(separator: ", ")))
        }
        var query = AuditQuery()
        for (field, target) in [("StartTime", \AuditQuery.startMilliseconds), ("EndTime", \AuditQuery.endMilliseconds)] {
            guard let value = body[field], value != .null else { continue }
            guard let seconds = value.number, seconds.isFinite, seconds >= 0, seconds < 1e11 else {
                return .failure(AuditQueryError("\(field) must be a time in epoch seconds (a non-negative number)"))
            }
            query[keyPath: target] = Int64(seconds * 1000)
        }
        if let start = query.startMilliseconds, let end = query.endMilliseconds, start > end {
            return .failure(AuditQueryError("StartTime must not be after EndTime"))
        }
        if let value = body["Outcome"], value != .null {
            guard let text = value.string, let outcome = AuditEvent.Outcome(rawValue: text) else {
                return .failure(AuditQueryError("Outcome must be one of: Allowed, Denied"))
            }
            query.outcome = outcome
        }
        if let value = body["Principal"], value != .null {
            guard let text = value.string, !text.isEmpty, text.utf8.count <= 2048 else {
                return .failure(AuditQueryError("Principal must be a non-empty ARN of at most 2048 characters"))
            }
            query.principal = text
        }
        if let value = body["MaxResults"], value != .null {
            guard let number = value.number, number == number.rounded(), number >= 1, number <= Double(maxMaxResults) else {
                return .failure(AuditQueryError("MaxResults must be an integer from 1 to \(maxMaxResults)"))
            }
            query.maxResults = Int(number)
        }
        if let value = body["NextToken"], value != .null {
            guard let text = value.string, let id = AuditPageToken.decode(text) else {
                return .failure(AuditQueryError("The NextToken is not one this operation returned"))
            }
            query.beforeID = id
        }
        return .success(query)
    }
}

public struct AuditQueryError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// NextToken of the audit log: the id of the last event of the page, marked so that a token from
/// another operation is refused rather than misread.
public enum AuditPageToken {
    public static func encode(_ id: Int64) -> String { "audit-" + String(id, radix: 36) }

    public static func decode(_ token: String) -> Int64? {
        guard token.hasPrefix("audit-"), let id = Int64(token.dropFirst(6), radix: 36), id > 0 else { return nil }
        return id
    }
}

extension AuditQuery {
    /// `--since` of `anneal audit`: a duration back from `now` (`90s`, `15m`, `2h`, `7d`), epoch
    /// seconds, or an ISO 8601 UTC time (`2026-12-04T21:00:00Z`, or a date alone). Nil when unreadable.
    public static func since(_ text: String, nowMilliseconds: Int64) -> Int64? {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last.flatMap({ units[$0] }), let amount = Int64(text.dropLast()), amount >= 0, amount < 100_000_000 {
            return nowMilliseconds - amount * unit * 1000
        }
        if let seconds = Double(text), seconds >= 0, seconds < 1e11 { return Int64(seconds * 1000) }
        guard text.count >= 10, text.first?.isNumber == true, let seconds = PolicyEvaluator.epochSeconds(text) else { return nil }
        return Int64(seconds * 1000)
    }
}
