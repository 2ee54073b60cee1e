import AnnealAWS
import Testing

/// The canonicalisation rules one at a time, on the lines of the canonical request they affect.
@Suite("SigV4: canonicalisation rules")
struct SigV4CanonicalTests {
    /// The canonical request's lines: method, URI, query, headers..., "", signed headers, payload hash.
    static func lines(path: String = "/", query: String = "", headers: [(String, String)] = [("Host", "h")],
                      signed: [String] = ["host"], presigned: Bool = false, s3: Bool = false) -> [Substring] {
        let request = SigV4Request(method: "GET", rawPath: path, rawQuery: query,
                                   headers: headers.map { (name: $0.0, value: $0.1) })
        let auth = SigV4Authorization(
            credential: SigV4Credential(accessKeyId: "AK", date: "20150830", region: "us-east-1", service: "s3"),
            signedHeaders: signed, signature: "", amzDate: "20150830T123600Z", requestTime: 1_440_938_160,
            isPresigned: presigned)
        return SigV4.canonicalRequest(request, auth: auth, payloadHash: "UNSIGNED-PAYLOAD", singleEncodePath: s3)
            .split(separator: "\n", omittingEmptySubsequences: false)
    }

    @Test(arguments: [
        ("a=b+c", "a=b%2Bc"),                       // '+' is a plus, not a space
        ("a=b%20c", "a=b%20c"),
        ("a=b%2bc", "a=b%2Bc"),                     // hex case normalised
        ("k=%7e%7E", "k=~~"),                       // unreserved characters decoded
        ("k=%zz&k2=%4", "k=%25zz&k2=%254"),         // broken escapes are literal '%'
        ("b&a", "a=&b="),                           // a name without '=' gets an empty value
        ("k==v", "k=%3Dv"),                         // split on the first '=' only
        ("=v", "=v"),
        ("a=1&&b=2&", "a=1&b=2"),                   // empty components dropped
        ("z=1&a=2&a=1", "a=1&a=2&z=1"),             // by name, then by value
        ("a=1&A=1&_=1&~=1", "A=1&_=1&a=1&~=1"),     // byte order of the encoded names
        ("k=ü&k=%C3%BC&%c3%bc=x", "%C3%BC=x&k=%C3%BC&k=%C3%BC"),
        ("p=a/b:c", "p=a%2Fb%3Ac"),
    ])
    func query(raw: String, canonical: String) {
        #expect(Self.lines(query: raw)[2] == canonical)
    }

    @Test func presignedQueryLeavesOutOnlyTheSignature() {
        let raw = "X-Amz-Signature=abc&X-Amz-Date=1&x-amz-signature=kept&X-Amz-Signaturex=kept"
        #expect(Self.lines(query: raw, presigned: true)[2] == "X-Amz-Date=1&X-Amz-Signaturex=kept&x-amz-signature=kept")
        // Header-signed requests keep every parameter.
        #expect(Self.lines(query: "X-Amz-Signature=abc")[2] == "X-Amz-Signature=abc")
    }

    @Test(arguments: [
        ("", "/"),
        ("/", "/"),
        ("/a%2Fb", "/a%252Fb"),                    // encoded again, as AWS specifies outside S3
        ("/a%20b/c d", "/a%2520b/c%20d"),
        ("/a/b/../c/./d/", "/a/c/d/"),
        ("/a/b/..", "/a"),
        ("/../../x", "/x"),
        ("//a///b//", "/a/b/"),
        ("/ü", "/%C3%BC"),
        ("/a+b=c", "/a%2Bb%3Dc"),
    ])
    func normalizedPath(raw: String, canonical: String) {
        #expect(Self.lines(path: raw)[1] == canonical)
    }

    @Test(arguments: [
        ("", "/"),
        ("/bucket//a/../b/./c", "/bucket//a/../b/./c"),  // S3 keys are not normalised
        ("/b/a%20b", "/b/a%20b"),
        ("/b/a b", "/b/a%20b"),
        ("/b/a+b", "/b/a%2Bb"),
        ("/b/a%2Bb", "/b/a%2Bb"),
        ("/b/a%2fb", "/b/a%2Fb"),                     // an encoded slash stays inside its segment
        ("/b/%7Efoo%2D", "/b/~foo-"),
        ("/b/ü/%E2%82%AC", "/b/%C3%BC/%E2%82%AC"),
        ("/b/100%", "/b/100%25"),
        ("/b/", "/b/"),
    ])
    func s3Path(raw: String, canonical: String) {
        #expect(Self.lines(path: raw, s3: true)[1] == canonical)
    }

    @Test func headerValuesAreTrimmedCollapsedAndJoined() {
        let lines = Self.lines(
            headers: [("HOST", " h "), ("X-Multi", "  a \t  b  "), ("x-multi", "c"), ("Unsigned", "z")],
            signed: ["host", "x-absent", "x-multi"])
        #expect(Array(lines[3...6]) == ["host:h", "x-absent:", "x-multi:a b,c", ""])
        #expect(lines[7] == "host;x-absent;x-multi")
        #expect(lines[8] == "UNSIGNED-PAYLOAD")
    }
}

@Suite("SigV4: parsing")
struct SigV4ParseTests {
    static func request(_ headers: [(String, String)], query: String = "") -> SigV4Request {
        SigV4Request(method: "GET", rawPath: "/", rawQuery: query, headers: headers.map { (name: $0.0, value: $0.1) })
    }

    @Test(arguments: [
        "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=Host;X-Amz-Date, Signature=ABCDEF",
        "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request,SignedHeaders=host;x-amz-date,Signature=abcdef",
        "  AWS4-HMAC-SHA256   Credential=AK/20150830/us-east-1/iam/aws4_request ,  SignedHeaders=host;x-amz-date ,Signature=abcdef  ",
        "AWS4-HMAC-SHA256 Signature=abcdef, SignedHeaders=host;x-amz-date, Credential=AK/20150830/us-east-1/iam/aws4_request",
    ])
    func authorizationHeaderVariants(header: String) throws {
        let auth = try #require(try SigV4.parse(Self.request([
            ("authorization", header), ("X-AMZ-DATE", "20150830T123600Z"), ("Host", "h"),
        ])))
        #expect(auth.credential == SigV4Credential(accessKeyId: "AK", date: "20150830", region: "us-east-1", service: "iam"))
        #expect(auth.credential.scope == "20150830/us-east-1/iam/aws4_request")
        #expect(auth.signedHeaders == ["host", "x-amz-date"])
        #expect(auth.signature == "abcdef")
        #expect(!auth.isPresigned)
        #expect(auth.expiresSeconds == nil)
        #expect(auth.securityToken == nil)
        #expect(auth.payloadHashHeader == nil)
    }

    @Test func dateHeaderIsTheFallback() throws {
        let auth = try #require(try SigV4.parse(Self.request([
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/iam/aws4_request, SignedHeaders=date;host, Signature=ab"),
            ("Date", "Sun, 30 Aug 2015 12:36:00 GMT"), ("Host", "h"),
        ])))
        #expect(auth.amzDate == "20150830T123600Z")
        #expect(auth.requestTime == 1_440_938_160)
    }

    @Test(arguments: [
        ("20240229T235959Z", Int64(1_709_251_199)),  // leap day
        ("19700101T000000Z", Int64(0)),
        ("20130524T000000Z", Int64(1_369_353_600)),
    ])
    func amzDates(text: String, epoch: Int64) throws {
        let auth = try #require(try SigV4.parse(Self.request([
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AK/\(text.prefix(8))/r/s/aws4_request, SignedHeaders=host, Signature=ab"),
            ("X-Amz-Date", text),
        ])))
        #expect(auth.requestTime == epoch)
    }

    @Test(arguments: ["20150230T000000Z", "20150830T246000Z", "20150830 123600Z", "2015-08-30T12:36:00Z", "20150830T123600"])
    func invalidAmzDatesAreIncomplete(text: String) {
        let error = #expect(throws: SigV4Error.self) {
            try SigV4.parse(Self.request([
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20150830/r/s/aws4_request, SignedHeaders=host, Signature=ab"),
                ("X-Amz-Date", text),
            ]))
        }
        #expect(error?.code == .incompleteSignature)
    }
}
