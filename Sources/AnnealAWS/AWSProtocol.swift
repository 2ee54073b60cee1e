import AnnealCore
import AnnealHTTP

/// The wire protocols Anneal speaks, and how each shapes its replies and errors.
public enum AWSProtocol: String, Sendable {
    /// JSON 1.1 (`SageMaker.*`, `Logs_20140328.*`).
    case json11
    /// JSON 1.0, awsQueryCompatible (`GraniteServiceVersion20100801.*`, CloudWatch).
    case json10
    /// Query: form body in, XML out (STS, IAM, CloudWatch for older clients).
    case query
    /// REST-XML (S3).
    case restXML

    public var contentType: String {
        switch self {
        case .json11: "application/x-amz-json-1.1"
        case .json10: "application/x-amz-json-1.0"
        case .query: "text/xml"
        case .restXML: "application/xml"
        }
    }

    /// The header that carries the request id on every reply.
    public var requestIDHeader: String {
        self == .restXML ? "x-amz-request-id" : "x-amzn-RequestId"
    }

    /// A successful reply with the given body.
    public func success(_ body: [UInt8], requestID: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", contentType), (requestIDHeader, requestID)], body: .bytes(body))
    }

    /// The error in this protocol's own shape. `xmlNamespace` is the Query service's namespace;
    /// `bodiless` drops the body (S3 HEAD replies).
    public func error(_ error: AWSError, requestID: String, xmlNamespace: String? = nil, bodiless: Bool = false) -> HTTPResponse {
        var headers: [(name: String, value: String)] = [(requestIDHeader, requestID)]
        let body: String
        switch self {
        case .json11, .json10:
            if self == .json10 {
                headers.append(("x-amzn-query-error", "\(error.queryCode ?? error.code);\(error.isSenderFault ? "Sender" : "Receiver")"))
            }
            body = "{\"__type\":\(JSONText.quote(error.code)),\"message\":\(JSONText.quote(error.message))}"
        case .query:
            var xml = XMLWriter(declaration: false)
            xml.element("ErrorResponse", attributes: xmlNamespace.map { [("xmlns", $0)] } ?? []) { xml in
                xml.element("Error") { xml in
                    xml.element("Type", error.isSenderFault ? "Sender" : "Receiver")
                    xml.element("Code", error.queryCode ?? error.code)
                    xml.element("Message", error.message)
                }
                xml.element("RequestId", requestID)
            }
            body = xml.text
        case .restXML:
            headers.append(("x-amz-id-2", requestID))
            var xml = XMLWriter()
            xml.element("Error") { xml in
                xml.element("Code", error.code)
                xml.element("Message", error.message)
                for item in error.extra { xml.element(item.name, item.value) }
                xml.optional("Resource", error.resource)
                xml.element("RequestId", requestID)
            }
            body = xml.text
        }
        headers.append(("Content-Type", contentType))
        return HTTPResponse(status: error.status, headers: headers, body: bodiless ? .empty : .bytes(Array(body.utf8)))
    }
}
