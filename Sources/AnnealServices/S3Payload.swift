import AnnealAWS
import AnnealCrypto
import AnnealHTTP

/// An S3 request body as it streams in: aws-chunked decoding, the declared SHA-256, Content-MD5 and
/// the flexible checksum (header or trailer) are all checked; nothing is trusted until `finish`.
final class S3Payload {
    struct Result {
        var md5Hex: String
        var checksum: (algorithm: ChecksumAlgorithm, base64: String)?
        var length: UInt64
    }

    private var decoder: AWSChunkedDecoder?
    private var sha256: SHA256Hasher?
    private let declaredSHA256: String?
    private let md5 = MD5Hasher()
    private let contentMD5: [UInt8]?
    private var checksummer: Checksummer?
    private let headerChecksum: String?
    private let trailerChecksum: ChecksumAlgorithm?
    private let decodedLength: UInt64?
    private(set) var length: UInt64 = 0

    /// Reads what the headers declare; malformed declarations are errors before any body byte.
    init(head: HTTPRequestHead, auth: SigV4Authorization, signingKey: [UInt8]) throws(AWSError) {
        let declared = auth.isPresigned ? "UNSIGNED-PAYLOAD" : (head.headers["x-amz-content-sha256"] ?? "")
        if declared.hasPrefix("STREAMING-") {
            guard let mode = AWSChunkedDecoder.mode(forContentSHA256: declared, signingKey: signingKey, auth: auth) else {
                throw S3Errors.invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                    + "STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER) or a SHA-256 hex digest", name: "x-amz-content-sha256", value: declared)
            }
            decoder = AWSChunkedDecoder(mode: mode)
            guard let decoded = head.headers["x-amz-decoded-content-length"].flatMap(UInt64.init) else {
                throw AWSError("MissingContentLength", "You must provide the x-amz-decoded-content-length header with aws-chunked bodies.",
                               status: 411)
            }
            decodedLength = decoded
            declaredSHA256 = nil
        } else if declared == "UNSIGNED-PAYLOAD" {
            declaredSHA256 = nil
            decodedLength = nil
        } else if declared.utf8.count == 64, Hex.decode(declared) != nil {
            declaredSHA256 = declared.lowercased()
            sha256 = SHA256Hasher()
            decodedLength = nil
        } else if declared.isEmpty {
            throw S3Errors.invalidRequest("Missing required header for this request: x-amz-content-sha256")
        } else {
            throw S3Errors.invalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* value or a SHA-256 hex digest",
                                           name: "x-amz-content-sha256", value: declared)
        }

        if let text = head.headers["content-md5"] {
            guard let digest = Base64.decode(text.trimmingCharacters()), digest.count == 16 else {
                throw AWSError("InvalidDigest", "The Content-MD5 you specified was invalid.", status: 400)
            }
            contentMD5 = digest
        } else {
            contentMD5 = nil
        }

        var fromHeader: (ChecksumAlgorithm, String)?
        for algorithm in ChecksumAlgorithm.allCases {
            if let value = head.headers[algorithm.headerName] {
                guard fromHeader == nil else {
                    throw S3Errors.invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
                }
                guard let bytes = Base64.decode(value.trimmingCharacters()), bytes.count == algorithm.byteCount else {
                    throw S3Errors.invalidRequest("Value for \(algorithm.headerName) header is invalid.")
                }
                fromHeader = (algorithm, value.trimmingCharacters())
            }
        }
        let trailer = head.headers["x-amz-trailer"].flatMap { ChecksumAlgorithm(headerName: $0.trimmingCharacters()) }
        if head.headers["x-amz-trailer"] != nil && trailer == nil {
            throw S3Errors.invalidRequest("The value specified in the x-amz-trailer header is not supported")
        }
        let requested = head.headers["x-amz-sdk-checksum-algorithm"].flatMap { ChecksumAlgorithm(rawValue: $0.uppercased()) }
        headerChecksum = fromHeader?.1
        trailerChecksum = trailer
        if let algorithm = fromHeader?.0 ?? trailer ?? requested { checksummer = Checksummer(algorithm) }
    }

    /// Feeds raw body bytes; decoded payload bytes go to `sink`.
    func feed(_ raw: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws(AWSError) -> Void) throws(AWSError) {
        guard let decoder else {
            try consume(raw, sink)
            return
        }
        do {
            try decoder.feed(raw) { decoded in try self.consume(decoded, sink) }
        } catch let error as AWSError {
            throw error
        } catch let error as AWSChunkedError {
            throw chunkedError(error)
        } catch {
            throw AWSError("InternalError", "\(error)", status: 500, senderFault: false)
        }
    }

    private func consume(_ bytes: UnsafeRawBufferPointer, _ sink: (UnsafeRawBufferPointer) throws(AWSError) -> Void) throws(AWSError) {
        sha256?.update(bytes)
        md5.update(bytes)
        checksummer?.update(bytes)
        length += UInt64(bytes.count)
        if let decodedLength, length > decodedLength {
            throw AWSError("IncompleteBody", "The aws-chunked body is longer than x-amz-decoded-content-length.", status: 400)
        }
        try sink(bytes)
    }

    /// After the last byte: every declared digest must match what arrived.
    func finish() throws(AWSError) -> Result {
        if let decoder {
            do { try decoder.finish() } catch { throw chunkedError(error) }
            if let decodedLength, decodedLength != length {
                throw AWSError("IncompleteBody", "You did not provide the number of bytes specified by x-amz-decoded-content-length "
                    + "(\(decodedLength); received \(length)).", status: 400)
            }
        }
        if let declaredSHA256, let sha256, sha256.finalize().hexString != declaredSHA256 {
            throw AWSError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.",
                           status: 400)
        }
        let md5Digest = md5.finalize()
        if let contentMD5, contentMD5 != md5Digest {
            throw AWSError("BadDigest", "The Content-MD5 you specified did not match what we received.", status: 400)
        }
        var checksum: (ChecksumAlgorithm, String)?
        if let checksummer {
            let computed = checksummer.finalizeBase64()
            var expected = headerChecksum
            if let trailerChecksum {
                expected = decoder?.trailers.first(where: { $0.name == trailerChecksum.headerName })?.value.trimmingCharacters()
                if expected == nil {
                    throw S3Errors.invalidRequest("The \(trailerChecksum.headerName) trailer announced in x-amz-trailer is missing.")
                }
            }
            if let expected, expected != computed { throw S3Errors.badDigest(checksummer.algorithm.rawValue) }
            checksum = (checksummer.algorithm, computed)
        }
        return Result(md5Hex: md5Digest.hexString, checksum: checksum, length: length)
    }

    private func chunkedError(_ error: AWSChunkedError) -> AWSError {
        switch error.code {
        case .signatureMismatch: AWSError("SignatureDoesNotMatch", error.message, status: 403)
        case .incomplete: AWSError("IncompleteBody", error.message, status: 400)
        default: AWSError("InvalidRequest", "Malformed aws-chunked body: \(error.message)", status: 400)
        }
    }
}
