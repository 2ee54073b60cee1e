import AnnealAWS

/// A JSON-protocol service (SageMaker, Logs, CloudWatch), chosen by its `X-Amz-Target` prefix.
public protocol JSONService: Sendable {
    /// Name in logs and metrics, e.g. `sagemaker`.
    var name: String { get }
    /// `SageMaker`, `Logs_20140328`, `GraniteServiceVersion20100801`.
    var targetPrefix: String { get }
    var wire: AWSProtocol { get }
    /// Handles one operation; the body is the request's JSON. Returns the reply's JSON.
    func handle(operation: String, body: [UInt8], context: CallContext) throws(AWSError) -> [UInt8]
}

/// A Query-protocol service (STS, IAM, CloudWatch's Query side), chosen by its SigV4 signing name.
public protocol QueryService: Sendable {
    var name: String { get }
    /// The credential-scope service name: `sts`, `iam`, `monitoring`.
    var signingName: String { get }
    /// The XML namespace of replies, e.g. `https://sts.amazonaws.com/doc/2011-06-15/`.
    var xmlNamespace: String { get }
    /// Handles one action and returns the reply's XML document.
    func handle(action: String, parameters: [String: String], context: CallContext) throws(AWSError) -> String
}

/// The services behind the one port.
public struct ServiceDirectory: Sendable {
    public var json: [any JSONService] = []
    public var query: [any QueryService] = []
    /// S3 REST: every request no other protocol claims.
    public var s3: S3Service?

    public init(json: [any JSONService] = [], query: [any QueryService] = [], s3: S3Service? = nil) {
        self.json = json
        self.query = query
        self.s3 = s3
    }

    func jsonService(target: String) -> (any JSONService, String)? {
        guard let dot = target.lastIndex(of: ".") else { return nil }
        let prefix = target[..<dot]
        let operation = String(target[target.index(after: dot)...])
        guard let service = json.first(where: { $0.targetPrefix == prefix }) else { return nil }
        return (service, operation)
    }

    func queryService(signingName: String) -> (any QueryService)? {
        query.first { $0.signingName == signingName }
    }
}

/// Wraps a Query reply body in `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>`.
public func queryReply(action: String, namespace: String, requestID: String, result: (inout XMLWriter) -> Void) -> String {
    var xml = XMLWriter(declaration: false)
    xml.element("\(action)Response", attributes: [("xmlns", namespace)]) { xml in
        xml.element("\(action)Result") { result(&$0) }
        xml.element("ResponseMetadata") { $0.element("RequestId", requestID) }
    }
    return xml.text
}
