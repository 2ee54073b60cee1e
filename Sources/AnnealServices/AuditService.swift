import AnnealAWS
import AnnealCore
import AnnealStore

/// The audit log over JSON 1.1 (`X-Amz-Target: Anneal_20261204.ListAuditEvents`), for the web
/// console and `anneal audit`: authorised as `anneal:ListAuditEvents` on `*`.
public struct AuditService: JSONService {
    public let name = "anneal"
    public let targetPrefix = AuditService.prefix
    public let wire = AWSProtocol.json11
    public static let prefix = "Anneal_20261204"

    let store: AuditStore

    public init(store: AuditStore) { self.store = store }

    public func handle(operation: String, body: [UInt8], context: CallContext) throws(AWSError) -> [UInt8] {
        guard operation == "ListAuditEvents" else { throw AWSError.unknownOperation("\(targetPrefix).\(operation)") }
        let request: JSONValue
        do { request = try JSONValue.parse(body) } catch { throw AWSError.serialization("The request body is not valid JSON: \(error)") }
        let query: AuditQuery
        switch AuditQuery.parse(request) {
        case .success(let parsed): query = parsed
        case .failure(let error): throw AWSError.validation(error.message)
        }
        try context.authorize("anneal:ListAuditEvents", resource: "*")
        let page: (events: [AuditEvent], nextToken: String?)
        do { page = try store.events(query) } catch {
            throw error.code == .busy ? AWSError("ThrottlingException", "The database is busy; retry the request.")
                : AWSError.internalFailure("The audit log could not be read: \(error.message)")
        }
        let reply = JSONValue.members([
            ("AuditEvents", .array(page.events.map(Self.reply))),
            ("NextToken", page.nextToken.map { .string($0) }),
        ])
        return reply.bytes
    }

    static func reply(_ event: AuditEvent) -> JSONValue {
        .members([
            ("EventTime", .number(Double(event.timeMilliseconds) / 1000)),
            ("Principal", .string(event.principal)),
            ("AccessKeyId", .string(event.accessKeyID)),
            ("Action", .string(event.action)),
            ("Resource", .string(event.resource)),
            ("Outcome", .string(event.outcome.rawValue)),
            ("ErrorCode", event.errorCode.map { .string($0) }),
            ("SourceIp", .string(event.sourceIP)),
            ("RequestId", .string(event.requestID)),
        ])
    }
}
