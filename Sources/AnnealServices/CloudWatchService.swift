import AnnealAWS
import AnnealCore
import AnnealStore
import Foundation

/// CloudWatch metrics in both wire forms clients use: JSON 1.0 (`X-Amz-Target:
/// GraniteServiceVersion20100801.<Op>`, awsQueryCompatible: what botocore >= 1.42.7 sends) and the
/// Query protocol (`Action=<Op>&Version=2010-08-01`, XML replies: older clients), chosen by the
/// SigV4 scope `monitoring`. One implementation serves both: each form is read into the same tree
/// and each reply written from the same tree.
public struct CloudWatchService: JSONService, QueryService {
    public let name = "cloudwatch"
    public let targetPrefix = "GraniteServiceVersion20100801"
    public let wire = AWSProtocol.json10
    public let signingName = "monitoring"
    public let xmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"

    let store: MetricStore
    /// Wall clock in epoch milliseconds: the default timestamp of PutMetricData and its accepted range.
    let clock: @Sendable () -> Int64

    public init(store: MetricStore, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.store = store
        self.clock = clock
    }

    public func handle(operation: String, body: [UInt8], context: CallContext) throws(AWSError) -> [UInt8] {
        let value: JSONValue
        do { value = try JSONValue.parse(body) } catch {
            throw AWSError.serialization("The request body is not valid JSON: \(error)")
        }
        guard value.object != nil else { throw AWSError.serialization("The request body is not a JSON object") }
        return try dispatch(operation, CloudWatchInput(value), context).bytes
    }

    public func handle(action: String, parameters: [String: String], context: CallContext) throws(AWSError) -> String {
        if let version = parameters["Version"], version != "2010-08-01" {
            throw CloudWatchErrors.invalid("The value \(version) for parameter Version is invalid: CloudWatch speaks 2010-08-01.")
        }
        let reply = try dispatch(action, CloudWatchInput(CloudWatchInput.tree(fromQuery: parameters)), context)
        return CloudWatchReplies.xml(action: action, namespace: xmlNamespace, requestID: context.requestID, reply)
    }

    func dispatch(_ operation: String, _ input: CloudWatchInput, _ context: CallContext) throws(AWSError) -> JSONValue {
        switch operation {
        case "PutMetricData":
            try context.authorize("cloudwatch:PutMetricData")
            return try putMetricData(input)
        case "GetMetricStatistics":
            try context.authorize("cloudwatch:GetMetricStatistics")
            return try getMetricStatistics(input)
        case "GetMetricData":
            try context.authorize("cloudwatch:GetMetricData")
            return try getMetricData(input)
        case "ListMetrics":
            try context.authorize("cloudwatch:ListMetrics")
            return try listMetrics(input)
        default:
            throw context.wire == .query ? AWSError.invalidAction(operation, service: "monitoring")
                : AWSError.unknownOperation("\(targetPrefix).\(operation)")
        }
    }

    /// Runs a store call, turning its failures into CloudWatch's errors.
    func storing<T>(_ body: () throws(StoreError) -> T) throws(AWSError) -> T {
        do { return try body() } catch {
            switch error.code {
            case .busy: throw AWSError("ServiceUnavailable", "The service is busy; retry the request.", status: 503, senderFault: false)
            default: throw AWSError("InternalServiceFault", "The metric store failed: \(error.message)", status: 500,
                                    senderFault: false, queryCode: "InternalServiceError")
            }
        }
    }
}

/// CloudWatch's errors: the JSON `__type` is the modeled shape name, the Query code (and the
/// `x-amzn-query-error` header botocore reads) the error's code.
enum CloudWatchErrors {
    static func invalid(_ message: String) -> AWSError {
        AWSError("InvalidParameterValueException", message, queryCode: "InvalidParameterValue")
    }

    static func invalidValue(_ value: JSONValue, _ name: String) -> AWSError {
        let shown: String = switch value {
        case .string(let text): text
        case .number(let number): JSONValue.number(number).serialized
        default: value.serialized
        }
        return invalid("The value \(shown) for parameter \(name) is invalid.")
    }

    static func missing(_ name: String) -> AWSError {
        AWSError("MissingRequiredParameterException", "The parameter \(name) is required.", queryCode: "MissingParameter")
    }

    static func combination(_ message: String) -> AWSError {
        AWSError("InvalidParameterCombinationException", message, queryCode: "InvalidParameterCombination")
    }

    static func invalidToken(_ message: String = "The NextToken is not valid: pass the NextToken of the previous reply unchanged.") -> AWSError {
        AWSError("InvalidNextToken", message)
    }
}
