import AnnealCrypto

/// Decodes `Content-Encoding: aws-chunked` request bodies: what SigV4 streaming uploads
/// (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`) and boto3's flexible-checksum uploads over HTTPS
/// (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`) send instead of the object's bytes.
///
/// A push parser, so the HTTP layer can hand it whatever pieces the socket delivered without
/// buffering the body: only a chunk-size line, a trailer section and (signed modes) one chunk are
/// ever held, each under a fixed bound. Not thread-safe: one decoder belongs to one request body.
public final class AWSChunkedDecoder {
    /// How the body is framed and authenticated, from the request's `x-amz-content-sha256`.
    public enum Mode: Sendable {
        /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: plain chunks, then trailers (a checksum) that are not signed.
        case unsignedTrailer
        /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: every chunk carries a signature chained from the
        /// request's own; no trailers.
        case signed(signingKey: [UInt8], auth: SigV4Authorization)
        /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks, then trailers covered by
        /// `x-amz-trailer-signature`.
        case signedTrailer(signingKey: [UInt8], auth: SigV4Authorization)
    }

    /// Longest chunk-size line (size and extensions, without CRLF) we read before giving up.
    static let maximumLineLength = 4096
    /// Largest chunk: signed chunks are held whole until their signature is checked. SDKs use 64 KiB.
    static let maximumChunkSize = 64 << 20
    /// Largest trailer section, CRLFs included: a few checksum headers and a signature.
    static let maximumTrailerBytes = 16 << 10

    /// Maps the `x-amz-content-sha256` value to a mode; nil when it is not a streaming value.
    ///
    /// SigV4a's `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]` gives nil as well: such requests
    /// are refused earlier, when their Authorization header names an algorithm we do not verify.
    public static func mode(forContentSHA256 value: String, signingKey: [UInt8], auth: SigV4Authorization) -> Mode? {
        switch value {
        case "STREAMING-UNSIGNED-PAYLOAD-TRAILER": .unsignedTrailer
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD": .signed(signingKey: signingKey, auth: auth)
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER": .signedTrailer(signingKey: signingKey, auth: auth)
        default: nil
        }
    }

    private enum Phase {
        case chunkHeader
        case chunkData(remaining: Int)
        case chunkEnd(sawCR: Bool)
        case trailers
        case done
        case failed(AWSChunkedError)
    }

    /// The signing key and request, for the signed modes.
    let signer: (key: [UInt8], auth: SigV4Authorization)?
    let trailersAllowed: Bool
    let trailersSigned: Bool

    private var phase: Phase = .chunkHeader
    /// The chunk-size or trailer line read so far, without its LF.
    private var line: [UInt8] = []
    /// Signed modes: the current chunk's data, held until its signature is checked.
    var chunkData: [UInt8] = []
    /// Signed modes: the signature the current chunk claims.
    var providedChunkSignature: [UInt8] = []
    /// Signed modes: the seed (the request's signature), then each verified chunk's.
    var previousSignature: String
    var providedTrailerSignature: [UInt8]?
    private var trailerBytes = 0

    /// The trailers in the order sent, names lowercased, values with surrounding blanks removed;
    /// `x-amz-trailer-signature` is checked, not listed.
    public private(set) var trailers: [(name: String, value: String)] = []
    /// Payload bytes handed to `output` so far.
    public private(set) var decodedLength: UInt64 = 0

    /// Whether the final chunk and the trailer section have been read (and, in signed modes, verified).
    public var isComplete: Bool {
        if case .done = phase { return true }
        return false
    }

    public init(mode: Mode) {
        switch mode {
        case .unsignedTrailer:
            signer = nil
            trailersAllowed = true
            trailersSigned = false
            previousSignature = ""
        case .signed(let key, let auth):
            signer = (key, auth)
            trailersAllowed = false
            trailersSigned = false
            previousSignature = auth.signature
        case .signedTrailer(let key, let auth):
            signer = (key, auth)
            trailersAllowed = true
            trailersSigned = true
            previousSignature = auth.signature
        }
    }

    /// Feeds raw body bytes in any split (a chunk header may straddle calls); `output` receives the
    /// decoded payload bytes in order. Unsigned data is passed on as slices of `bytes`, uncopied;
    /// signed chunks are held and passed on only once their signature verifies, so `output` never
    /// sees bytes that are not authentic.
    ///
    /// Throws `AWSChunkedError` when the body is not valid aws-chunked or a signature does not match;
    /// an error thrown by `output` propagates unchanged. After any error the decoder is spent: later
    /// calls to `feed` and `finish` throw again.
    public func feed(_ bytes: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) throws -> Void) throws {
        if case .failed(let error) = phase { throw error }
        do {
            try decode(bytes, output: output)
        } catch {
            phase = .failed(error as? AWSChunkedError
                ?? AWSChunkedError(.malformed, "The decoded body could not be written; the upload was abandoned."))
            throw error
        }
    }

    /// After the last raw byte: throws `incomplete` unless the final chunk and trailers were read.
    public func finish() throws(AWSChunkedError) {
        switch phase {
        case .done: return
        case .failed(let error): throw error
        case .trailers: throw AWSChunkedError(.incomplete, "The aws-chunked body ended inside its trailers.")
        default: throw AWSChunkedError(.incomplete, "The aws-chunked body ended before its final chunk.")
        }
    }

    // MARK: - The state machine

    private func decode(_ bytes: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) throws -> Void) throws {
        var offset = 0
        while offset < bytes.count {
            switch phase {
            case .chunkHeader, .trailers:
                offset = try readLine(bytes, from: offset)
            case .chunkData(let remaining):
                let take = min(remaining, bytes.count - offset)
                let piece = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take])
                offset += take
                if signer == nil {
                    decodedLength += UInt64(take)
                    try output(piece)
                } else {
                    chunkData.append(contentsOf: piece)
                }
                guard take == remaining else {
                    phase = .chunkData(remaining: remaining - take)
                    continue
                }
                phase = .chunkEnd(sawCR: false)
                if signer != nil {
                    try verifyChunk()
                    decodedLength += UInt64(chunkData.count)
                    try chunkData.withUnsafeBytes { try output($0) }
                }
            case .chunkEnd(let sawCR):
                let byte = bytes[offset]
                offset += 1
                guard byte == (sawCR ? AWSChunkedSyntax.lineFeed : AWSChunkedSyntax.carriageReturn) else {
                    throw AWSChunkedError(.malformed, "A chunk's data is not followed by CRLF.")
                }
                phase = sawCR ? .chunkHeader : .chunkEnd(sawCR: true)
            case .done:
                throw AWSChunkedError(.malformed, "The request body continues after the end of its aws-chunked encoding.")
            case .failed(let error):
                throw error
            }
        }
    }

    /// Reads up to and including the next LF; handles the line when it is complete. Returns the
    /// offset after what it consumed.
    private func readLine(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(AWSChunkedError) -> Int {
        let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
        let newline = rest.firstIndex(of: AWSChunkedSyntax.lineFeed)
        let length = newline ?? rest.count
        if case .trailers = phase {
            trailerBytes += length + (newline == nil ? 0 : 1)
            guard trailerBytes <= Self.maximumTrailerBytes else {
                throw AWSChunkedError(.malformed,
                                      "The aws-chunked trailers are longer than \(Self.maximumTrailerBytes) bytes.")
            }
        } else {
            // The CR before the LF is part of the line here, hence the + 1.
            guard line.count + length <= Self.maximumLineLength + 1 else {
                throw AWSChunkedError(.malformed,
                                      "An aws-chunked chunk-size line is longer than \(Self.maximumLineLength) bytes.")
            }
        }
        line.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[0..<length]))
        guard let newline else { return bytes.count }
        guard line.last == AWSChunkedSyntax.carriageReturn else {
            throw AWSChunkedError(.malformed, "An aws-chunked line does not end in CRLF.")
        }
        line.removeLast()
        if case .trailers = phase {
            try handleTrailerLine(line[...])
        } else {
            try handleChunkHeader(line[...])
        }
        line.removeAll(keepingCapacity: true)
        return start + newline + 1
    }

    /// `hex-size *( ";" name [ "=" value ] )`: the size, and for signed modes the `chunk-signature`
    /// extension; other extensions are ignored.
    private func handleChunkHeader(_ header: ArraySlice<UInt8>) throws(AWSChunkedError) {
        var index = header.startIndex
        var size = 0
        while index < header.endIndex, let digit = AWSChunkedSyntax.hexValue(header[index]) {
            size = size << 4 | Int(digit)
            guard size <= Self.maximumChunkSize else {
                throw AWSChunkedError(.malformed,
                                      "An aws-chunked chunk is larger than \(Self.maximumChunkSize) bytes.")
            }
            index += 1
        }
        guard index > header.startIndex else {
            throw AWSChunkedError(.malformed, "An aws-chunked chunk does not start with its size in hexadecimal.")
        }
        var signature: ArraySlice<UInt8>?
        let extensions = AWSChunkedSyntax.trimmed(header[index...])
        if !extensions.isEmpty {
            guard extensions.first == AWSChunkedSyntax.semicolon else {
                throw AWSChunkedError(.malformed,
                                      "An aws-chunked chunk size is followed by something other than an extension.")
            }
            let parameters = extensions.dropFirst().split(separator: AWSChunkedSyntax.semicolon,
                                                          omittingEmptySubsequences: false)
            for parameter in parameters {
                let equals = parameter.firstIndex(of: AWSChunkedSyntax.equals) ?? parameter.endIndex
                let name = AWSChunkedSyntax.trimmed(parameter[..<equals])
                if name.elementsEqual("chunk-signature".utf8), equals < parameter.endIndex {
                    signature = AWSChunkedSyntax.trimmed(parameter[(equals + 1)...])
                }
            }
        }
        if signer != nil {
            guard let signature, signature.count == 2 * HMAC.byteCount,
                  let provided = Hex.decode(String(decoding: signature, as: UTF8.self)) else {
                throw AWSChunkedError(.signatureMismatch, "An aws-chunked chunk has no valid chunk-signature.")
            }
            providedChunkSignature = provided
        }
        if size == 0 {
            if signer != nil {
                chunkData.removeAll(keepingCapacity: true)
                try verifyChunk()
            }
            phase = .trailers
        } else {
            if signer != nil {
                chunkData.removeAll(keepingCapacity: true)
                // Grow as data arrives rather than trusting the declared size: a header alone must
                // not make us allocate 64 MiB.
                chunkData.reserveCapacity(min(size, 1 << 20))
            }
            phase = .chunkData(remaining: size)
        }
    }

    /// `name:value`, or the empty line that ends the body.
    private func handleTrailerLine(_ trailer: ArraySlice<UInt8>) throws(AWSChunkedError) {
        if trailer.isEmpty {
            if trailersSigned { try verifyTrailers() }
            phase = .done
            return
        }
        guard trailersAllowed else {
            throw AWSChunkedError(.malformed, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies carry no trailers.")
        }
        guard providedTrailerSignature == nil else {
            throw AWSChunkedError(.malformed, "A trailer follows x-amz-trailer-signature.")
        }
        guard let colon = trailer.firstIndex(of: AWSChunkedSyntax.colon) else {
            throw AWSChunkedError(.malformed, "An aws-chunked trailer is not of the form name:value.")
        }
        let name = AWSChunkedSyntax.trimmed(trailer[..<colon])
        let value = AWSChunkedSyntax.trimmed(trailer[(colon + 1)...])
        guard !name.isEmpty, name.allSatisfy(AWSChunkedSyntax.isTokenCharacter),
              !value.contains(where: { ($0 < 0x20 && $0 != AWSChunkedSyntax.tab) || $0 == 0x7F }) else {
            throw AWSChunkedError(.malformed, "An aws-chunked trailer has an invalid name or value.")
        }
        let lowercasedName = String(decoding: name, as: UTF8.self).lowercased()
        if trailersSigned, lowercasedName == "x-amz-trailer-signature" {
            guard value.count == 2 * HMAC.byteCount,
                  let provided = Hex.decode(String(decoding: value, as: UTF8.self)) else {
                throw AWSChunkedError(.signatureMismatch, "The x-amz-trailer-signature is not a valid signature.")
            }
            providedTrailerSignature = provided
            return
        }
        trailers.append((name: lowercasedName, value: String(decoding: value, as: UTF8.self)))
    }
}
