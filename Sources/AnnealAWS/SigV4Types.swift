/// What the verifier needs of a request, independent of the HTTP server.
public struct SigV4Request: Sendable {
    public var method: String
    /// The path exactly as on the wire, still percent-encoded, without the query.
    public var rawPath: String
    /// The part after `?` as on the wire; empty when there is none.
    public var rawQuery: String
    /// Header names may be in any case; a name may repeat (the values are then joined with commas).
    public var headers: [(name: String, value: String)]

    public init(method: String, rawPath: String, rawQuery: String, headers: [(name: String, value: String)]) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
    }
}

/// The `Credential=` part: whose key signed, and the scope the signing key was derived for.
public struct SigV4Credential: Sendable, Equatable {
    public var accessKeyId: String
    /// `yyyyMMdd`.
    public var date: String
    public var region: String
    public var service: String

    public init(accessKeyId: String, date: String, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
    }

    public var scope: String { "\(date)/\(region)/\(service)/aws4_request" }
}

/// Everything a request claims about its signature, parsed but not yet checked.
public struct SigV4Authorization: Sendable {
    public var credential: SigV4Credential
    /// Lowercased, in the order the client listed them.
    public var signedHeaders: [String]
    /// Lowercase hex, as the client sent it.
    public var signature: String
    /// `yyyyMMdd'T'HHmmss'Z'`, from `X-Amz-Date` (header or, when presigned, query) or converted from `Date`.
    public var amzDate: String
    /// Epoch seconds of `amzDate`.
    public var requestTime: Int64
    /// Signed in the query string (a presigned URL) rather than the Authorization header.
    public var isPresigned: Bool
    /// `X-Amz-Expires`, for presigned requests.
    public var expiresSeconds: Int?
    /// `X-Amz-Security-Token` from the header or, when presigned, the query: present for temporary
    /// credentials, which the caller must check belong to `credential.accessKeyId`.
    public var securityToken: String?
    /// The `x-amz-content-sha256` header when present (S3 signs this value as the payload hash).
    public var payloadHashHeader: String?

    public init(credential: SigV4Credential, signedHeaders: [String], signature: String, amzDate: String,
                requestTime: Int64, isPresigned: Bool, expiresSeconds: Int? = nil, securityToken: String? = nil,
                payloadHashHeader: String? = nil) {
        self.credential = credential
        self.signedHeaders = signedHeaders
        self.signature = signature
        self.amzDate = amzDate
        self.requestTime = requestTime
        self.isPresigned = isPresigned
        self.expiresSeconds = expiresSeconds
        self.securityToken = securityToken
        self.payloadHashHeader = payloadHashHeader
    }
}
