import AnnealAWS
import AnnealCrypto
import AnnealStore

/// The continuation tokens of the Logs operations. Clients treat them as opaque strings; they are
/// made from store positions so that the same place always gives the same token.
enum LogsTokens {
    /// DescribeLogGroups / DescribeLogStreams: the page cursor of the last item shown.
    static func page(_ cursor: String) -> String {
        Base64.encode(Array(cursor.utf8))
    }

    static func pageCursor(_ token: String?) throws(AWSError) -> String? {
        guard let token else { return nil }
        guard let bytes = Base64.decode(token), !bytes.isEmpty, let cursor = String(validating: bytes, as: UTF8.self) else {
            throw invalid(token)
        }
        return cursor
    }

    /// GetLogEvents: `f/<position>` reads on after the position, `b/<position>` back before it.
    static func forward(_ position: LogPosition) -> String { "f/" + position.encoded }
    static func backward(_ position: LogPosition) -> String { "b/" + position.encoded }

    static func events(_ token: String?) throws(AWSError) -> (forward: Bool, position: LogPosition)? {
        guard let token else { return nil }
        let direction = token.prefix(2)
        guard direction == "f/" || direction == "b/", let position = LogPosition(encoded: token.dropFirst(2)) else {
            throw invalid(token)
        }
        return (direction == "f/", position)
    }

    /// FilterLogEvents: where the next page starts.
    static func filter(_ position: LogPosition) -> String { position.encoded }

    static func filterPosition(_ token: String?) throws(AWSError) -> LogPosition? {
        guard let token else { return nil }
        guard let position = LogPosition(encoded: token) else { throw invalid(token) }
        return position
    }

    /// PutLogEvents' `nextSequenceToken`: clients may send it back, and the service ignores it (as
    /// AWS now does).
    static func sequence(_ value: Int64) -> String {
        let digits = String(max(value, 0))
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    private static func invalid(_ token: String) -> AWSError {
        LogsErrors.invalid("The specified nextToken is invalid.")
    }
}
