import AnnealAWS
import AnnealStore
import Foundation

/// CloudWatch Logs, JSON 1.1 (`X-Amz-Target: Logs_20140328.<Op>`): log groups and streams, and the
/// events training jobs print, as the sagemaker SDK (DescribeLogStreams, GetLogEvents) and
/// `aws logs tail` (FilterLogEvents) read them.
public struct LogsService: JSONService {
    public let name = "logs"
    public let targetPrefix = "Logs_20140328"
    public let wire = AWSProtocol.json11

    let store: LogStore
    /// Wall clock in epoch milliseconds: creation and ingestion times, and the accepted time range
    /// of PutLogEvents.
    let clock: @Sendable () -> Int64

    public init(store: LogStore, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.store = store
        self.clock = clock
    }

    public func handle(operation: String, body: [UInt8], context: CallContext) throws(AWSError) -> [UInt8] {
        switch operation {
        case "CreateLogGroup": try encode(createLogGroup(decode(body), context))
        case "DeleteLogGroup": try encode(deleteLogGroup(decode(body), context))
        case "DescribeLogGroups": try encode(describeLogGroups(decode(body), context))
        case "PutRetentionPolicy": try encode(putRetentionPolicy(decode(body), context))
        case "DeleteRetentionPolicy": try encode(deleteRetentionPolicy(decode(body), context))
        case "CreateLogStream": try encode(createLogStream(decode(body), context))
        case "DeleteLogStream": try encode(deleteLogStream(decode(body), context))
        case "DescribeLogStreams": try encode(describeLogStreams(decode(body), context))
        case "PutLogEvents": try encode(putLogEvents(decodePutLogEvents(body), context))
        case "GetLogEvents": try encode(getLogEvents(decode(body), context))
        case "FilterLogEvents": try encode(filterLogEvents(decode(body), context))
        default: throw AWSError.unknownOperation("\(targetPrefix).\(operation)")
        }
    }

    // MARK: - Codec

    private func decode<T: Decodable>(_ body: [UInt8]) throws(AWSError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw AWSError.serialization("Unexpected value type at '\(path)': \(context.debugDescription)")
        } catch {
            throw AWSError.serialization("The request body is not valid JSON for this operation")
        }
    }

    /// The bulk request through its fast reader; JSONDecoder (and its errors) for anything else.
    private func decodePutLogEvents(_ body: [UInt8]) throws(AWSError) -> LogsShapes.PutLogEvents {
        if let request = LogsFastJSON.putLogEvents(body) { return request }
        return try decode(body)
    }

    private func encode<T: Encodable>(_ value: T) throws(AWSError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw AWSError.internalFailure("cannot encode the reply: \(error)")
        }
    }
}

/// The Logs errors, in the shapes the clients model (`client.exceptions.ResourceNotFoundException`, ...).
enum LogsErrors {
    static func invalid(_ message: String) -> AWSError {
        AWSError("InvalidParameterException", message)
    }

    static func groupNotFound() -> AWSError {
        AWSError("ResourceNotFoundException", "The specified log group does not exist.")
    }

    /// A store failure as the client sees it.
    static func from(_ error: StoreError) -> AWSError {
        switch error.code {
        case .notFound: AWSError("ResourceNotFoundException", error.message)
        case .conflict: AWSError("ResourceAlreadyExistsException", error.message)
        case .invalid: invalid(error.message)
        case .busy: AWSError("ServiceUnavailableException", "The service is busy; retry the request.", status: 503, senderFault: false)
        default: AWSError.internalFailure("The log store failed: \(error.message)")
        }
    }
}

extension LogsService {
    /// Runs a store call, turning its failures into the Logs errors.
    func storing<T>(_ body: () throws(StoreError) -> T) throws(AWSError) -> T {
        do {
            return try body()
        } catch {
            throw LogsErrors.from(error)
        }
    }

    func groupARN(_ group: String, _ context: CallContext) -> String {
        "arn:aws:logs:\(context.region):\(context.principal.accountID):log-group:\(group)"
    }

    /// Authorises `logs:<operation>` on the group.
    func authorize(_ operation: String, group: String, _ context: CallContext) throws(AWSError) {
        try context.authorize("logs:\(operation)", resource: groupARN(group, context))
    }
}
