/// An error in AWS terms: the code the clients parse, a message for people, and the HTTP status.
/// Every protocol renders it in its own shape (see `AWSProtocol`).
public struct AWSError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var status: Int
    /// Whether the caller (Sender) or the service (Receiver) is at fault.
    public var isSenderFault: Bool
    /// The code awsQueryCompatible JSON clients report (`x-amzn-query-error`); defaults to `code`.
    public var queryCode: String?
    /// S3 only: the resource the error is about, and extra elements (`BucketName`, `Key`, ...).
    public var resource: String?
    public var extra: [(name: String, value: String)]

    public init(_ code: String, _ message: String, status: Int = 400, senderFault: Bool = true,
                queryCode: String? = nil, resource: String? = nil, extra: [(name: String, value: String)] = []) {
        self.code = code
        self.message = message
        self.status = status
        self.isSenderFault = senderFault
        self.queryCode = queryCode
        self.resource = resource
        self.extra = extra
    }

    public var description: String { "\(code): \(message)" }
}

extension AWSError {
    public static func validation(_ message: String) -> AWSError {
        AWSError("ValidationException", message, queryCode: "ValidationError")
    }
    public static func serialization(_ message: String) -> AWSError {
        AWSError("SerializationException", message)
    }
    public static func unknownOperation(_ target: String) -> AWSError {
        AWSError("UnknownOperationException", "Unknown operation \(target)")
    }
    public static func invalidAction(_ action: String, service: String) -> AWSError {
        AWSError("InvalidAction", "Could not find operation \(action) for \(service)")
    }
    public static func missingParameter(_ name: String) -> AWSError {
        AWSError("MissingParameter", "The request must contain the parameter \(name)")
    }
    public static func internalFailure(_ message: String) -> AWSError {
        AWSError("InternalFailure", message, status: 500, senderFault: false)
    }
}
