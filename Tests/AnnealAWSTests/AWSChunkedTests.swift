import AnnealAWS
import AnnealCrypto
import Testing

/// How a test hands a body to the decoder: whole, byte by byte, or in seeded random pieces.
enum FeedPattern: CaseIterable, CustomTestStringConvertible {
    case whole, byteByByte, randomSplits

    var testDescription: String { "\(self)" }

    func pieces(count: Int) -> [Range<Int>] {
        switch self {
        case .whole:
            return [0..<count]
        case .byteByByte:
            return (0..<count).map { $0..<($0 + 1) }
        case .randomSplits:
            var seed: UInt64 = 0x2545_F491_4F6C_DD1D
            var ranges: [Range<Int>] = []
            var start = 0
            while start < count {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let length = Int(seed >> 33) % 300 + 1
                ranges.append(start..<min(count, start + length))
                start += length
            }
            return ranges
        }
    }
}

/// Feeds `body` in `pattern`'s pieces and collects what the decoder emits. Does not call `finish`.
func decodeChunked(_ body: [UInt8], _ decoder: AWSChunkedDecoder, pattern: FeedPattern = .whole,
                   into output: inout [UInt8]) throws {
    for range in pattern.pieces(count: body.count) {
        try body[range].withUnsafeBytes { piece in
            try decoder.feed(piece) { output.append(contentsOf: $0) }
        }
    }
}

func chunkedError(_ body: [UInt8], _ decoder: AWSChunkedDecoder, pattern: FeedPattern = .whole,
                  output: inout [UInt8]) -> AWSChunkedError? {
    do {
        try decodeChunked(body, decoder, pattern: pattern, into: &output)
        try decoder.finish()
        return nil
    } catch let error as AWSChunkedError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

@Suite("aws-chunked: signed chunks (AWS documentation example)")
struct AWSChunkedSignedTests {
    static let chunkSignatures = [
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ]

    /// The request of "Example: PUT Object" in sigv4-streaming, as SigV4S3ExampleTests verifies it.
    static func exampleMode() throws -> AWSChunkedDecoder.Mode {
        let request = SigV4Request(method: "PUT", rawPath: "/examplebucket/chunkObject.txt", rawQuery: "", headers: [
            ("Host", "s3.amazonaws.com"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                + "x-amz-decoded-content-length;x-amz-storage-class,"
                + "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"),
            ("Content-Length", "66824"),
        ])
        let auth = try #require(try SigV4.parse(request))
        let key = SigV4.signingKey(secret: SigV4S3ExampleTests.secret, credential: auth.credential)
        return try #require(AWSChunkedDecoder.mode(forContentSHA256: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                                                   signingKey: key, auth: auth))
    }

    /// 64 KiB and 1 KiB of 'a', then the final chunk.
    static let exampleBody: [UInt8] = {
        var body: [UInt8] = []
        for (size, signature) in zip([65536, 1024, 0], chunkSignatures) {
            body += Array("\(String(size, radix: 16));chunk-signature=\(signature)\r\n".utf8)
            body += [UInt8](repeating: UInt8(ascii: "a"), count: size)
            body += Array("\r\n".utf8)
        }
        return body
    }()
    /// "10000;chunk-signature=<64>\r\n", the data and its CRLF.
    static let firstChunkLength = 88 + 65536 + 2
    /// After the second chunk's "400;chunk-signature=<64>\r\n".
    static let secondChunkDataStart = firstChunkLength + 86

    @Test(arguments: FeedPattern.allCases)
    func documentationExample(pattern: FeedPattern) throws {
        #expect(Self.exampleBody.count == 66824)  // the example's Content-Length
        let decoder = AWSChunkedDecoder(mode: try Self.exampleMode())
        var output: [UInt8] = []
        try decodeChunked(Self.exampleBody, decoder, pattern: pattern, into: &output)
        try decoder.finish()
        #expect(output == [UInt8](repeating: UInt8(ascii: "a"), count: 66560))
        #expect(decoder.decodedLength == 66560)
        #expect(decoder.trailers.isEmpty)
        #expect(decoder.isComplete)
    }

    /// A changed data byte in the second chunk: the first chunk (authentic) is emitted, nothing of
    /// the second, and the decoder stays failed.
    @Test func tamperedDataByte() throws {
        var body = Self.exampleBody
        body[Self.secondChunkDataStart + 10] = UInt8(ascii: "b")
        let decoder = AWSChunkedDecoder(mode: try Self.exampleMode())
        var output: [UInt8] = []
        #expect(chunkedError(body, decoder, output: &output)?.code == .signatureMismatch)
        #expect(output.count == 65536)
        #expect(decoder.decodedLength == 65536)
        #expect(throws: AWSChunkedError.self) { try decoder.finish() }
        #expect(throws: AWSChunkedError.self) { try [UInt8]("0".utf8).withUnsafeBytes { try decoder.feed($0) { _ in } } }
    }

    @Test func tamperedSignature() throws {
        var body = Self.exampleBody
        body[20] = body[20] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        var output: [UInt8] = []
        #expect(chunkedError(body, AWSChunkedDecoder(mode: try Self.exampleMode()), output: &output)?.code
            == .signatureMismatch)
        #expect(output.isEmpty)
    }

    /// The chain: the second chunk alone, with its own valid signature, does not verify as the first.
    @Test func droppedChunk() throws {
        let body = Array(Self.exampleBody[Self.firstChunkLength...])
        #expect(body.starts(with: Array("400;".utf8)))
        var output: [UInt8] = []
        #expect(chunkedError(body, AWSChunkedDecoder(mode: try Self.exampleMode()), output: &output)?.code
            == .signatureMismatch)
    }

    @Test func missingChunkSignature() throws {
        var output: [UInt8] = []
        #expect(chunkedError(Array("3\r\nabc\r\n0\r\n\r\n".utf8), AWSChunkedDecoder(mode: try Self.exampleMode()),
                             output: &output)?.code == .signatureMismatch)
        #expect(chunkedError(Array("3;chunk-signature=abc\r\nabc\r\n".utf8), AWSChunkedDecoder(mode: try Self.exampleMode()),
                             output: &output)?.code == .signatureMismatch)
        #expect(output.isEmpty)
    }

    /// Cut anywhere before the end, the body is `incomplete` (and what was emitted is authentic).
    @Test(arguments: [0, 1, 50, 86, 87, 65536, 65622, 65624, 66800, 66820, 66822, 66823])
    func truncated(at length: Int) throws {
        let decoder = AWSChunkedDecoder(mode: try Self.exampleMode())
        var output: [UInt8] = []
        #expect(chunkedError(Array(Self.exampleBody[..<length]), decoder, output: &output)?.code == .incomplete)
        #expect(output.count % 1024 == 0)
        #expect(!decoder.isComplete)
    }

    @Test func trailersAreNotAllowedWithoutTrailerMode() throws {
        var body = Self.exampleBody
        body.removeLast(2)
        body += Array("x-amz-checksum-crc32:AAAAAA==\r\n\r\n".utf8)
        var output: [UInt8] = []
        #expect(chunkedError(body, AWSChunkedDecoder(mode: try Self.exampleMode()), output: &output)?.code == .malformed)
    }

    @Test func bytesAfterTheEnd() throws {
        var output: [UInt8] = []
        #expect(chunkedError(Self.exampleBody + [0x30], AWSChunkedDecoder(mode: try Self.exampleMode()),
                             output: &output)?.code == .malformed)
    }

    /// Other chunk extensions are ignored, before or after the signature.
    @Test func otherExtensionsAreIgnored() throws {
        let mode = try Self.exampleMode()
        guard case .signed(let key, let auth) = mode else { throw AWSChunkedError(.malformed, "not signed") }
        let data = Array("hello".utf8)
        let first = SigV4.chunkSignature(signingKey: key, auth: auth, previousSignature: auth.signature,
                                         chunkHash: SHA256.hex(data))
        let final = SigV4.chunkSignature(signingKey: key, auth: auth, previousSignature: first,
                                         chunkHash: SHA256.hex([UInt8]()))
        let body = Array("5;foo=bar;chunk-signature=\(first); baz\r\nhello\r\n0 ; chunk-signature=\(final)\r\n\r\n".utf8)
        let decoder = AWSChunkedDecoder(mode: mode)
        var output: [UInt8] = []
        try decodeChunked(body, decoder, pattern: .byteByByte, into: &output)
        try decoder.finish()
        #expect(output == data)
    }
}

@Suite("aws-chunked: unsigned payload with trailer (botocore)")
struct AWSChunkedUnsignedTests {
    @Test(arguments: FeedPattern.allCases)
    func botocoreBodies(pattern: FeedPattern) throws {
        #expect(AWSChunkedFixtures.payload.count == 162)
        for (chunkSize, body) in AWSChunkedFixtures.botocoreBodies {
            let decoder = AWSChunkedDecoder(mode: .unsignedTrailer)
            var output: [UInt8] = []
            try decodeChunked(Array(body.utf8), decoder, pattern: pattern, into: &output)
            try decoder.finish()
            #expect(output == AWSChunkedFixtures.payload, "chunk size \(chunkSize)")
            #expect(decoder.decodedLength == 162)
            #expect(decoder.trailers.map(\.name) == ["x-amz-checksum-crc32"])
            #expect(decoder.trailers.map(\.value) == [AWSChunkedFixtures.payloadCRC32])
            let crc = Checksummer(.crc32)
            crc.update(output)
            #expect(crc.finalizeBase64() == AWSChunkedFixtures.payloadCRC32)
        }
    }

    @Test func botocoreWithoutChecksum() throws {
        let decoder = AWSChunkedDecoder(mode: .unsignedTrailer)
        var output: [UInt8] = []
        try decodeChunked(Array(AWSChunkedFixtures.botocoreBodyWithoutChecksum.utf8), decoder, into: &output)
        try decoder.finish()
        #expect(output == AWSChunkedFixtures.payload)
        #expect(decoder.trailers.isEmpty)
    }

    /// Unsigned data reaches `output` as slices of the caller's buffer, not copies.
    @Test func dataIsNotCopied() throws {
        let body = Array("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".utf8)
        let decoder = AWSChunkedDecoder(mode: .unsignedTrailer)
        var inside: [Bool] = []
        try body.withUnsafeBytes { buffer in
            try decoder.feed(buffer) { piece in
                let start = buffer.baseAddress.map { UnsafeRawPointer($0) }
                let pieceStart = piece.baseAddress.map { UnsafeRawPointer($0) }
                if let start, let pieceStart {
                    inside.append(pieceStart >= start && pieceStart + piece.count <= start + buffer.count)
                }
            }
        }
        try decoder.finish()
        #expect(inside == [true, true])
    }

    @Test func trailerNamesAreLowercasedAndValuesTrimmed() throws {
        let body = Array("3\r\nabc\r\n0\r\nX-Amz-Checksum-CRC32C: NSRBwg== \r\nx-custom:\tv\r\n\r\n".utf8)
        let decoder = AWSChunkedDecoder(mode: .unsignedTrailer)
        var output: [UInt8] = []
        try decodeChunked(body, decoder, into: &output)
        try decoder.finish()
        #expect(decoder.trailers.map(\.name) == ["x-amz-checksum-crc32c", "x-custom"])
        #expect(decoder.trailers.map(\.value) == ["NSRBwg==", "v"])
    }

    /// Errors thrown by `output` come out of `feed` unchanged; the decoder is then spent.
    @Test func outputErrorsPropagate() {
        struct DiskFull: Error {}
        let decoder = AWSChunkedDecoder(mode: .unsignedTrailer)
        #expect(throws: DiskFull.self) {
            try Array("3\r\nabc\r\n".utf8).withUnsafeBytes { try decoder.feed($0) { _ in throw DiskFull() } }
        }
        #expect(throws: AWSChunkedError.self) {
            try Array("0\r\n\r\n".utf8).withUnsafeBytes { try decoder.feed($0) { _ in } }
        }
    }

    @Test(arguments: [
        ("chunk-size line over 4 KiB", "1;" + String(repeating: "x", count: 4096) + "\r\na\r\n0\r\n\r\n"),
        ("chunk over 64 MiB", "4000001\r\n"),
        ("size overflow", "ffffffffffffffffffff\r\n"),
        ("no size", ";a=b\r\n"),
        ("not hex", "zz\r\n"),
        ("junk after size", "3 x\r\nabc\r\n0\r\n\r\n"),
        ("bare LF", "3\nabc\r\n0\r\n\r\n"),
        ("data not followed by CRLF", "3\r\nabcd\r\n0\r\n\r\n"),
        ("trailer without colon", "0\r\nx-amz-checksum-crc32\r\n\r\n"),
        ("trailer with empty name", "0\r\n:abc\r\n\r\n"),
        ("trailer name with space", "0\r\nx amz:abc\r\n\r\n"),
        ("trailer value with control", "0\r\nx-a:a\u{01}b\r\n\r\n"),
        ("trailers over 16 KiB", "0\r\n" + String(repeating: "x-a:b\r\n", count: 2800) + "\r\n"),
        ("one huge trailer", "0\r\nx-a:" + String(repeating: "b", count: 17000)),
        ("after the end", "0\r\n\r\n0\r\n\r\n"),
    ])
    func malformed(name: String, body: String) {
        var output: [UInt8] = []
        let error = chunkedError(Array(body.utf8), AWSChunkedDecoder(mode: .unsignedTrailer), output: &output)
        #expect(error?.code == .malformed, "\(name): \(String(describing: error))")
    }

    @Test(arguments: ["", "3\r\nab", "3\r\nabc", "3\r\nabc\r", "3\r\nabc\r\n", "3\r\nabc\r\n0\r\n",
                      "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n"])
    func incomplete(body: String) {
        var output: [UInt8] = []
        let error = chunkedError(Array(body.utf8), AWSChunkedDecoder(mode: .unsignedTrailer), output: &output)
        #expect(error?.code == .incomplete)
    }

    @Test func modes() {
        let auth = AWSChunkedSignedTrailerTests.auth
        func mode(_ value: String) -> AWSChunkedDecoder.Mode? {
            AWSChunkedDecoder.mode(forContentSHA256: value, signingKey: [], auth: auth)
        }
        if case .unsignedTrailer = mode("STREAMING-UNSIGNED-PAYLOAD-TRAILER") {} else { Issue.record("unsigned trailer") }
        if case .signed = mode("STREAMING-AWS4-HMAC-SHA256-PAYLOAD") {} else { Issue.record("signed") }
        if case .signedTrailer = mode("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") {} else { Issue.record("signed trailer") }
        #expect(mode("UNSIGNED-PAYLOAD") == nil)
        #expect(mode(SHA256.hex([UInt8]())) == nil)
        #expect(mode("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD") == nil)
        #expect(mode("streaming-aws4-hmac-sha256-payload") == nil)
    }
}

@Suite("aws-chunked: signed payload with signed trailer")
struct AWSChunkedSignedTrailerTests {
    static let auth = SigV4Authorization(
        credential: SigV4Credential(accessKeyId: "AKIAIOSFODNN7EXAMPLE", date: "20130524", region: "us-east-1", service: "s3"),
        signedHeaders: ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-trailer"],
        signature: AWSChunkedFixtures.signedTrailerSeed, amzDate: "20130524T000000Z",
        requestTime: 1_369_353_600, isPresigned: false)

    static func decoder() -> AWSChunkedDecoder {
        let key = SigV4.signingKey(secret: SigV4S3ExampleTests.secret, credential: auth.credential)
        return AWSChunkedDecoder(mode: .signedTrailer(signingKey: key, auth: auth))
    }

    static func body(replacing old: String, with new: String) -> [UInt8] {
        let body = AWSChunkedFixtures.signedTrailerBody
        let range = body.range(of: old)
        #expect(range != nil)
        guard let range else { return [] }
        return Array(body.replacingCharacters(in: range, with: new).utf8)
    }

    @Test(arguments: FeedPattern.allCases)
    func decodes(pattern: FeedPattern) throws {
        let decoder = Self.decoder()
        var output: [UInt8] = []
        try decodeChunked(Array(AWSChunkedFixtures.signedTrailerBody.utf8), decoder, pattern: pattern, into: &output)
        try decoder.finish()
        #expect(output == AWSChunkedFixtures.payload)
        #expect(decoder.trailers.map(\.name) == ["x-amz-checksum-crc32c"])
        #expect(decoder.trailers.map(\.value) == [AWSChunkedFixtures.payloadCRC32C])
    }

    @Test(arguments: [
        // A trailing checksum swapped to match altered data.
        ("x-amz-checksum-crc32c:5ErDsg==", "x-amz-checksum-crc32c:AAAAAA=="),
        ("x-amz-trailer-signature:3060", "x-amz-trailer-signature:3061"),
        // Renaming the trailer changes the canonical trailers too.
        ("x-amz-checksum-crc32c:", "x-amz-checksum-crc32:"),
        ("x-amz-trailer-signature:306094b12cad40b8cda31a910383b3e8019c389b34d696585d143197da0a459a\r\n", ""),
        ("The quick", "The quack"),
    ])
    func tampering(old: String, new: String) {
        var output: [UInt8] = []
        #expect(chunkedError(Self.body(replacing: old, with: new), Self.decoder(), output: &output)?.code
            == .signatureMismatch)
    }

    @Test func trailerAfterSignature() {
        let body = Self.body(replacing: "459a\r\n\r\n", with: "459a\r\nx-amz-checksum-sha1:AAAA\r\n\r\n")
        var output: [UInt8] = []
        #expect(chunkedError(body, Self.decoder(), output: &output)?.code == .malformed)
    }
}
