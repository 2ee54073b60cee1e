import AnnealCrypto

/// Server-side verification of AWS Signature Version 4 (`AWS4-HMAC-SHA256`), in the Authorization
/// header or in a presigned URL's query.
///
/// Pure: the caller looks up the secret, passes the clock in and decides the payload hash, so this
/// code has no I/O and tests run on fixed vectors.
public enum SigV4 {
    static let algorithm = "AWS4-HMAC-SHA256"
    /// Header auth: the request time may be this far from the server's clock either way. Presigned:
    /// how far in the future `X-Amz-Date` may be.
    static let maximumSkewSeconds: Int64 = 15 * 60
    /// Presigned URLs live at most a week.
    static let maximumExpiresSeconds = 604_800
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The string to sign (SigV4 task 2): algorithm, request time, scope and the canonical request's hash.
    public static func stringToSign(canonicalRequest: String, auth: SigV4Authorization) -> String {
        String(decoding: stringToSignBytes(canonicalRequest: Array(canonicalRequest.utf8), auth: auth), as: UTF8.self)
    }

    /// The signing key (SigV4 task 3): `AWS4` + secret, HMAC-chained through date, region, service
    /// and `aws4_request`. The same for every request of one key, day, region and service, so
    /// callers may cache it and use the `verify(_:auth:signingKey:...)` overload.
    public static func signingKey(secret: String, credential: SigV4Credential) -> [UInt8] {
        var seed = Array("AWS4".utf8)
        SigV4Bytes.appendUTF8(secret, to: &seed)
        let date = hmac(seed, credential.date)
        let region = hmac(date, credential.region)
        let service = hmac(region, credential.service)
        return hmac(service, "aws4_request")
    }

    /// Full check: skew (|now - requestTime| <= 900 s for header auth; for presigned: X-Amz-Expires
    /// 1...604800 and now <= requestTime+expires, and requestTime not more than 900 s in the future),
    /// signed headers include `host`, credential date equal to the request date, and signature equal
    /// in constant time.
    ///
    /// payloadHash: for S3 pass the x-amz-content-sha256 header value (or "UNSIGNED-PAYLOAD" for
    /// presigned); for other services pass the hex SHA-256 of the body.
    ///
    /// With `singleEncodePath` (S3), a signature computed over the raw wire path is accepted as well
    /// when that differs from the canonical URI: some clients sign the path as they sent it rather
    /// than re-encoding it the AWS way. That second canonical request is built only when the first
    /// does not match.
    public static func verify(_ request: SigV4Request, auth: SigV4Authorization, secret: String, payloadHash: String,
                              singleEncodePath: Bool, now: Int64) throws(SigV4Error) {
        try checkBeforeSigning(auth, now: now)
        try checkSignature(request, auth: auth, signingKey: signingKey(secret: secret, credential: auth.credential),
                           payloadHash: payloadHash, singleEncodePath: singleEncodePath)
    }

    /// `verify` with a signing key the caller derived (and perhaps cached) with `signingKey(secret:credential:)`,
    /// saving the four HMACs of the derivation. The key must be for `auth.credential`.
    public static func verify(_ request: SigV4Request, auth: SigV4Authorization, signingKey: [UInt8],
                              payloadHash: String, singleEncodePath: Bool, now: Int64) throws(SigV4Error) {
        try checkBeforeSigning(auth, now: now)
        try checkSignature(request, auth: auth, signingKey: signingKey,
                           payloadHash: payloadHash, singleEncodePath: singleEncodePath)
    }

    /// For aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): the expected signature of one chunk
    /// given the previous signature (the seed is the request's signature). `chunkHash` is the lowercase
    /// hex SHA-256 of the chunk's data; the final, empty chunk is signed too.
    public static func chunkSignature(signingKey: [UInt8], auth: SigV4Authorization, previousSignature: String,
                                      chunkHash: String) -> String {
        var message: [UInt8] = []
        message.reserveCapacity(256)
        SigV4Bytes.appendUTF8("AWS4-HMAC-SHA256-PAYLOAD\n", to: &message)
        SigV4Bytes.appendUTF8(auth.amzDate, to: &message)
        message.append(SigV4Bytes.newline)
        appendScope(auth.credential, to: &message)
        message.append(SigV4Bytes.newline)
        SigV4Bytes.appendUTF8(previousSignature, to: &message)
        message.append(SigV4Bytes.newline)
        SigV4Bytes.appendUTF8(emptyPayloadHash, to: &message)
        message.append(SigV4Bytes.newline)
        SigV4Bytes.appendUTF8(chunkHash, to: &message)
        return HMAC.sha256(key: signingKey, data: message).hexString
    }

    // MARK: - Internals

    /// The checks that need no secret, cheapest first, so a stale or malformed request costs no HMACs.
    static func checkBeforeSigning(_ auth: SigV4Authorization, now: Int64) throws(SigV4Error) {
        guard auth.amzDate.utf8.count >= 8, auth.credential.date == auth.amzDate.prefix(8) else {
            throw SigV4Error(.signatureMismatch, """
                Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
                '\(auth.credential.date)' != '\(auth.amzDate.prefix(8))', from '\(auth.amzDate)'.
                """)
        }
        guard auth.signedHeaders.contains("host") else {
            throw SigV4Error(.incompleteSignature, "'Host' must be a signed header.")
        }
        if auth.isPresigned {
            guard let expires = auth.expiresSeconds else {
                throw SigV4Error(.incompleteSignature, """
                    Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, \
                    X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.
                    """)
            }
            guard expires >= 1 else {
                throw SigV4Error(.incompleteSignature, "X-Amz-Expires must be a positive number of seconds.")
            }
            guard expires <= maximumExpiresSeconds else {
                throw SigV4Error(.incompleteSignature,
                                 "X-Amz-Expires must be less than a week (in seconds) that is \(maximumExpiresSeconds).")
            }
            guard auth.requestTime - now <= maximumSkewSeconds else {
                throw SigV4Error(.requestTimeTooSkewed, "Request is not valid yet.")
            }
            guard now <= auth.requestTime + Int64(expires) else {
                throw SigV4Error(.requestExpired, "Request has expired.")
            }
        } else {
            let skew = now > auth.requestTime ? now - auth.requestTime : auth.requestTime - now
            guard skew <= maximumSkewSeconds else {
                throw SigV4Error(.requestTimeTooSkewed,
                                 "The difference between the request time and the current time is too large.")
            }
        }
    }

    static func checkSignature(_ request: SigV4Request, auth: SigV4Authorization, signingKey: [UInt8],
                               payloadHash: String, singleEncodePath: Bool) throws(SigV4Error) {
        let mismatch = SigV4Error(.signatureMismatch, """
            The request signature we calculated does not match the signature you provided. \
            Check your key and signing method.
            """)
        guard let provided = Hex.decode(auth.signature), provided.count == HMAC.byteCount else { throw mismatch }

        let canonical = SigV4CanonicalRequest(request, auth: auth, payloadHash: payloadHash,
                                              singleEncodePath: singleEncodePath)
        if signatureMatches(canonical.bytes, auth: auth, signingKey: signingKey, provided: provided) { return }
        if singleEncodePath, let raw = canonical.withRawPath(request.rawPath),
           signatureMatches(raw, auth: auth, signingKey: signingKey, provided: provided) {
            return
        }
        throw mismatch
    }

    static func signatureMatches(_ canonical: [UInt8], auth: SigV4Authorization, signingKey: [UInt8],
                                 provided: [UInt8]) -> Bool {
        let expected = HMAC.sha256(key: signingKey, data: stringToSignBytes(canonicalRequest: canonical, auth: auth))
        return ConstantTime.equals(expected, provided)
    }

    static func stringToSignBytes(canonicalRequest: [UInt8], auth: SigV4Authorization) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        SigV4Bytes.appendUTF8(algorithm, to: &out)
        out.append(SigV4Bytes.newline)
        SigV4Bytes.appendUTF8(auth.amzDate, to: &out)
        out.append(SigV4Bytes.newline)
        appendScope(auth.credential, to: &out)
        out.append(SigV4Bytes.newline)
        SigV4Bytes.appendLowerHex(SHA256.hash(canonicalRequest), to: &out)
        return out
    }

    static func appendScope(_ credential: SigV4Credential, to out: inout [UInt8]) {
        SigV4Bytes.appendUTF8(credential.date, to: &out)
        out.append(SigV4Bytes.slash)
        SigV4Bytes.appendUTF8(credential.region, to: &out)
        out.append(SigV4Bytes.slash)
        SigV4Bytes.appendUTF8(credential.service, to: &out)
        SigV4Bytes.appendUTF8("/aws4_request", to: &out)
    }

    private static func hmac(_ key: [UInt8], _ data: String) -> [UInt8] {
        key.withUnsafeBytes { key in
            SigV4Bytes.withUTF8(data) { data in HMAC.sha256(key: key, data: UnsafeRawBufferPointer(data)) }
        }
    }
}
