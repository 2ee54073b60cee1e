import AnnealCrypto

/// Client-side SigV4: signs a request the way botocore does, for Anneal's own clients (the worker,
/// the CLI) and for tests that talk to the server in process.
public struct SigV4Signer: Sendable {
    public var accessKeyID: String
    public var secret: String
    public var region: String
    public var service: String
    public var sessionToken: String?

    public init(accessKeyID: String, secret: String, region: String, service: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secret = secret
        self.region = region
        self.service = service
        self.sessionToken = sessionToken
    }

    /// Returns `headers` plus `x-amz-date`, `x-amz-security-token` (if any) and `Authorization`.
    /// `headers` must include `host`. S3 also wants `x-amz-content-sha256` among them.
    public func sign(method: String, rawPath: String, rawQuery: String = "", headers: [(name: String, value: String)],
                     payloadHash: String, time epochSeconds: Int64) -> [(name: String, value: String)] {
        let amzDate = SigV4Time.amzDate(epochSeconds)
        var all = headers
        all.append((name: "x-amz-date", value: amzDate))
        if let sessionToken { all.append((name: "x-amz-security-token", value: sessionToken)) }
        let credential = SigV4Credential(accessKeyId: accessKeyID, date: String(amzDate.prefix(8)), region: region, service: service)
        let signed = Array(Set(all.map { $0.name.lowercased() })).sorted()
        let auth = SigV4Authorization(credential: credential, signedHeaders: signed, signature: "", amzDate: amzDate,
                                      requestTime: epochSeconds, isPresigned: false)
        let request = SigV4Request(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: all)
        let canonical = SigV4.canonicalRequest(request, auth: auth, payloadHash: payloadHash, singleEncodePath: service == "s3")
        let stringToSign = SigV4.stringToSign(canonicalRequest: canonical, auth: auth)
        let signature = HMAC.sha256(key: SigV4.signingKey(secret: secret, credential: credential),
                                    data: Array(stringToSign.utf8)).hexString
        all.append((name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(credential.scope), "
            + "SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)"))
        return all
    }
}
