import AnnealAWS
import AnnealCrypto
import Testing

/// Requests that must be refused, each with the error code the client will see.
@Suite("SigV4: refusals")
struct SigV4NegativeTests {
    static func vector(_ name: String) throws -> BotocoreVector {
        try #require(BotocoreVectors.all.first { $0.name == name })
    }

    /// Parses and verifies `request` as the vector's own request would be.
    static func verify(_ request: SigV4Request, like vector: BotocoreVector, secret: String = BotocoreVectors.secret,
                       now: Int64 = BotocoreVectors.now) throws(SigV4Error) {
        guard let auth = try SigV4.parse(request) else {
            throw SigV4Error(.missingAuthentication, "test: no authentication")
        }
        try SigV4.verify(request, auth: auth, secret: secret, payloadHash: vector.payloadHash,
                         singleEncodePath: vector.singleEncodePath, now: now)
    }

    static func code(_ body: () throws(SigV4Error) -> Void) -> SigV4Error.Code? {
        do {
            try body()
            return nil
        } catch {
            return error.code
        }
    }

    static func replacing(_ name: String, with value: String, in vector: BotocoreVector) -> SigV4Request {
        var request = vector.request
        request.headers = request.headers.map { $0.name == name ? (name: $0.name, value: value) : $0 }
        return request
    }

    @Test(arguments: ["s3-put-odd-key", "s3-presigned-get", "sts-assume-role", "lambda-double-encoded-path"])
    func wrongSecret(name: String) throws {
        let vector = try Self.vector(name)
        #expect(Self.code { () throws(SigV4Error) in
            try Self.verify(vector.request, like: vector, secret: "anneal/Secret+Key/Example0123456789ABCE")
        } == .signatureMismatch)
    }

    @Test func tamperedSignedHeader() throws {
        let vector = try Self.vector("s3-put-odd-key")
        let tampered = Self.replacing("x-amz-meta-note", with: "hello world!", in: vector)
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(tampered, like: vector) } == .signatureMismatch)
        // Whitespace the canonical form removes anyway is not tampering.
        let respaced = Self.replacing("x-amz-meta-note", with: "hello world", in: vector)
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(respaced, like: vector) } == nil)
        // Headers outside SignedHeaders may change freely.
        var extra = vector.request
        extra.headers.append((name: "User-Agent", value: "something else"))
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(extra, like: vector) } == nil)
    }

    @Test func tamperedMethodPathQueryOrPayload() throws {
        let vector = try Self.vector("sts-assume-role")
        var method = vector.request
        method.method = "PUT"
        var path = vector.request
        path.rawPath = "/x"
        var query = vector.request
        query.rawQuery = "Action=GetCallerIdentity"
        for request in [method, path, query] {
            #expect(Self.code { () throws(SigV4Error) in try Self.verify(request, like: vector) } == .signatureMismatch)
        }
        var payload = vector
        payload.payloadHash = SHA256.hex(Array("Action=GetCallerIdentity".utf8))
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(vector.request, like: payload) } == .signatureMismatch)
    }

    @Test func presignedParameterTampering() throws {
        let vector = try Self.vector("s3-presigned-get")
        var request = vector.request
        request.rawQuery = request.rawQuery.replacing("versionId=3%2B4", with: "versionId=3%2B5")
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(request, like: vector) } == .signatureMismatch)
        // '+' and "%20" differ: a literal plus is not a space.
        request.rawQuery = vector.rawQuery.replacing("versionId=3%2B4", with: "versionId=3+4")
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(request, like: vector) } == nil)
        request.rawQuery = vector.rawQuery.replacing("versionId=3%2B4", with: "versionId=3%204")
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(request, like: vector) } == .signatureMismatch)
    }

    @Test func rawPathFallbackStillNeedsTheRightPath() throws {
        let vector = try Self.vector("s3-put-under-encoded-path")
        var request = vector.request
        request.rawPath = "/my-bucket/a:b@c=d,e$f!(2).txt"
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(request, like: vector) } == .signatureMismatch)
        // Outside S3 there is no fallback.
        var nonS3 = vector
        nonS3.singleEncodePath = false
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(vector.request, like: nonS3) } == .signatureMismatch)
    }

    @Test(arguments: [Int64(-16 * 60), Int64(16 * 60), Int64(-901), Int64(901)])
    func skewBeyondFifteenMinutes(offset: Int64) throws {
        let vector = try Self.vector("sts-assume-role")
        #expect(Self.code { () throws(SigV4Error) in
            try Self.verify(vector.request, like: vector, now: BotocoreVectors.now + offset)
        } == .requestTimeTooSkewed)
    }

    @Test(arguments: [Int64(-900), Int64(900)])
    func skewOfFifteenMinutesIsAccepted(offset: Int64) throws {
        let vector = try Self.vector("sts-assume-role")
        try Self.verify(vector.request, like: vector, now: BotocoreVectors.now + offset)
    }

    @Test func presignedExpiry() throws {
        let vector = try Self.vector("s3-presigned-get")
        let now = BotocoreVectors.now
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(vector.request, like: vector, now: now + 3600) } == nil)
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(vector.request, like: vector, now: now + 3601) }
            == .requestExpired)
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(vector.request, like: vector, now: now + 86_400) }
            == .requestExpired)
        // Clocks disagree a little: a URL signed up to 15 minutes "in the future" is accepted.
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(vector.request, like: vector, now: now - 900) } == nil)
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(vector.request, like: vector, now: now - 901) }
            == .requestTimeTooSkewed)
    }

    @Test(arguments: ["0", "604801", "-5", "ten", ""])
    func presignedExpiresOutOfRange(expires: String) throws {
        let vector = try Self.vector("s3-presigned-get")
        var request = vector.request
        request.rawQuery = request.rawQuery.replacing("X-Amz-Expires=3600", with: "X-Amz-Expires=\(expires)")
        #expect(Self.code { () throws(SigV4Error) in try Self.verify(request, like: vector) } == .incompleteSignature)
    }

    @Test func presignedWithoutExpiresOrSignature() throws {
        let vector = try Self.vector("s3-presigned-get")
        for parameter in ["&X-Amz-Expires=3600", "&X-Amz-Date=20250314T150926Z", "&X-Amz-SignedHeaders=host"] {
            var request = vector.request
            request.rawQuery = request.rawQuery.replacing(parameter, with: "")
            #expect(Self.code { () throws(SigV4Error) in try Self.verify(request, like: vector) } == .incompleteSignature)
        }
        var unsigned = vector.request
        unsigned.rawQuery = String(unsigned.rawQuery.prefix { $0 != "&" }) + "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
        #expect(Self.code { () throws(SigV4Error) in _ = try SigV4.parse(unsigned) } == .incompleteSignature)
        var otherAlgorithm = vector.request
        otherAlgorithm.rawQuery = otherAlgorithm.rawQuery.replacing("AWS4-HMAC-SHA256", with: "AWS4-ECDSA-P256-SHA256")
        #expect(Self.code { () throws(SigV4Error) in _ = try SigV4.parse(otherAlgorithm) } == .unsupportedAlgorithm)
    }

    @Test(arguments: [
        ("garbage", SigV4Error.Code.incompleteSignature),
        ("Bearer eyJhbGciOiJIUzI1NiJ9", .incompleteSignature),
        ("", .incompleteSignature),
        ("AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", .unsupportedAlgorithm),
        ("AWS4-ECDSA-P256-SHA256 Credential=AK/20250314/s3/aws4_request, SignedHeaders=host, Signature=ab", .unsupportedAlgorithm),
        ("AWS4-HMAC-SHA256", .incompleteSignature),
        ("AWS4-HMAC-SHA256 Credential=AK/20250314/us-east-1/s3/aws4_request, SignedHeaders=host", .incompleteSignature),
        ("AWS4-HMAC-SHA256 Credential=AK/20250314/us-east-1/s3/aws4_request, Signature=ab", .incompleteSignature),
        ("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab", .incompleteSignature),
        ("AWS4-HMAC-SHA256 Credential=AK/20250314/us-east-1/s3, SignedHeaders=host, Signature=ab", .incompleteSignature),
        ("AWS4-HMAC-SHA256 Credential=AK/20250314/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=ab", .incompleteSignature),
        ("AWS4-HMAC-SHA256 Credential=AK/2025031/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab", .incompleteSignature),
        ("AWS4-HMAC-SHA256 Credential=/20250314/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab", .incompleteSignature),
        ("AWS4-HMAC-SHA256 Credential=AK/20250314/us-east-1/s3/aws4_request, SignedHeaders=host;;date, Signature=ab", .incompleteSignature),
        ("AWS4-HMAC-SHA256 Credential=AK/20250314/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=", .incompleteSignature),
    ])
    func malformedAuthorizationHeader(value: String, expected: SigV4Error.Code) {
        let request = SigV4Request(method: "GET", rawPath: "/", rawQuery: "", headers: [
            (name: "Host", value: "h"), (name: "X-Amz-Date", value: "20250314T150926Z"), (name: "Authorization", value: value),
        ])
        #expect(Self.code { () throws(SigV4Error) in _ = try SigV4.parse(request) } == expected)
    }

    @Test func missingDateIsIncomplete() {
        let request = SigV4Request(method: "GET", rawPath: "/", rawQuery: "", headers: [
            (name: "Host", value: "h"),
            (name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=AK/20250314/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab"),
        ])
        let error = #expect(throws: SigV4Error.self) { try SigV4.parse(request) }
        #expect(error?.code == .incompleteSignature)
        #expect(error?.message.contains("X-Amz-Date") == true)
    }

    @Test func noAuthenticationParsesToNil() throws {
        let anonymous = SigV4Request(method: "GET", rawPath: "/bucket/key", rawQuery: "versionId=1&X-Amz-Date=x",
                                     headers: [(name: "Host", value: "h"), (name: "X-Amz-Date", value: "20250314T150926Z")])
        #expect(try SigV4.parse(anonymous) == nil)
        #expect(try SigV4.parse(SigV4Request(method: "GET", rawPath: "", rawQuery: "", headers: [])) == nil)
    }

    @Test func headerAndQueryAuthTogetherAreRefused() throws {
        let vector = try Self.vector("s3-presigned-get")
        var request = vector.request
        request.headers.append((name: "Authorization", value:
            "AWS4-HMAC-SHA256 Credential=AK/20250314/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab"))
        #expect(Self.code { () throws(SigV4Error) in _ = try SigV4.parse(request) } == .incompleteSignature)
    }

    @Test func signatureVersion2QueryIsUnsupported() {
        let request = SigV4Request(method: "GET", rawPath: "/b/k", rawQuery:
            "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D",
            headers: [(name: "Host", value: "h")])
        #expect(Self.code { () throws(SigV4Error) in _ = try SigV4.parse(request) } == .unsupportedAlgorithm)
    }

    @Test func credentialDateMustBeTheRequestDate() throws {
        let vector = try Self.vector("sts-assume-role")
        let request = Self.replacing("X-Amz-Date", with: "20250315T150926Z", in: vector)
        let auth = try #require(try SigV4.parse(request))
        let error = #expect(throws: SigV4Error.self) {
            try SigV4.verify(request, auth: auth, secret: BotocoreVectors.secret, payloadHash: vector.payloadHash,
                             singleEncodePath: false, now: BotocoreVectors.now + 86_400)
        }
        #expect(error?.code == .signatureMismatch)
        #expect(error?.message.contains("Credential scope") == true)
    }

    @Test func hostMustBeSigned() throws {
        let vector = try Self.vector("sts-assume-role")
        var auth = try #require(try SigV4.parse(vector.request))
        auth.signedHeaders = ["content-type", "x-amz-date"]
        let error = #expect(throws: SigV4Error.self) {
            try SigV4.verify(vector.request, auth: auth, secret: BotocoreVectors.secret, payloadHash: vector.payloadHash,
                             singleEncodePath: false, now: BotocoreVectors.now)
        }
        #expect(error?.code == .incompleteSignature)
    }

    @Test(arguments: ["", "zz", "410e52f8", String(repeating: "0", count: 64), String(repeating: "g", count: 64)])
    func malformedOrWrongSignature(signature: String) throws {
        let vector = try Self.vector("sts-assume-role")
        var auth = try #require(try SigV4.parse(vector.request))
        auth.signature = signature
        let error = #expect(throws: SigV4Error.self) {
            try SigV4.verify(vector.request, auth: auth, secret: BotocoreVectors.secret, payloadHash: vector.payloadHash,
                             singleEncodePath: false, now: BotocoreVectors.now)
        }
        #expect(error?.code == .signatureMismatch)
    }

    @Test func uppercaseHexSignatureIsAccepted() throws {
        let vector = try Self.vector("sts-assume-role")
        var auth = try #require(try SigV4.parse(vector.request))
        auth.signature = auth.signature.uppercased()
        try SigV4.verify(vector.request, auth: auth, secret: BotocoreVectors.secret, payloadHash: vector.payloadHash,
                         singleEncodePath: false, now: BotocoreVectors.now)
    }

    @Test func tamperedChunkChangesItsSignature() throws {
        let vector = try Self.vector("s3-put-odd-key")
        let auth = try #require(try SigV4.parse(vector.request))
        let key = SigV4.signingKey(secret: BotocoreVectors.secret, credential: auth.credential)
        let good = SigV4.chunkSignature(signingKey: key, auth: auth, previousSignature: auth.signature,
                                        chunkHash: SHA256.hex(Array("chunk".utf8)))
        let bad = SigV4.chunkSignature(signingKey: key, auth: auth, previousSignature: auth.signature,
                                       chunkHash: SHA256.hex(Array("chunK".utf8)))
        let reordered = SigV4.chunkSignature(signingKey: key, auth: auth, previousSignature: good,
                                             chunkHash: SHA256.hex(Array("chunk".utf8)))
        #expect(good != bad)
        #expect(good != reordered)
    }
}
