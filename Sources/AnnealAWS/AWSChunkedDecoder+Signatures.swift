import AnnealCrypto

extension AWSChunkedDecoder {
    /// Checks the held chunk (empty for the final one) against the signature its header claimed,
    /// then makes that signature the previous one: the chain is what stops chunks being dropped,
    /// reordered or spliced in from another upload.
    func verifyChunk() throws(AWSChunkedError) {
        guard let signer else { return }
        let hash = chunkData.isEmpty ? SigV4.emptyPayloadHash : SHA256.hex(chunkData)
        let expected = SigV4.chunkSignature(signingKey: signer.key, auth: signer.auth,
                                            previousSignature: previousSignature, chunkHash: hash)
        guard let expectedBytes = Hex.decode(expected), ConstantTime.equals(expectedBytes, providedChunkSignature) else {
            throw AWSChunkedError(.signatureMismatch,
                                  "The chunk signature we calculated does not match the signature you provided.")
        }
        previousSignature = expected
    }

    /// Checks `x-amz-trailer-signature`: HMAC over "AWS4-HMAC-SHA256-TRAILER", the request time, the
    /// scope, the final chunk's signature and the hex SHA-256 of the trailers as `name:value\n` lines
    /// in the order sent (sigv4-streaming-trailers). Without it the trailing checksum could be
    /// swapped to match altered data.
    func verifyTrailers() throws(AWSChunkedError) {
        guard let signer else { return }
        guard let provided = providedTrailerSignature else {
            throw AWSChunkedError(.signatureMismatch,
                                  "The aws-chunked trailers are not signed (no x-amz-trailer-signature).")
        }
        var canonical: [UInt8] = []
        for trailer in trailers {
            SigV4Bytes.appendUTF8(trailer.name, to: &canonical)
            canonical.append(AWSChunkedSyntax.colon)
            SigV4Bytes.appendUTF8(trailer.value, to: &canonical)
            canonical.append(SigV4Bytes.newline)
        }
        var message: [UInt8] = []
        message.reserveCapacity(256)
        SigV4Bytes.appendUTF8("AWS4-HMAC-SHA256-TRAILER\n", to: &message)
        SigV4Bytes.appendUTF8(signer.auth.amzDate, to: &message)
        message.append(SigV4Bytes.newline)
        SigV4.appendScope(signer.auth.credential, to: &message)
        message.append(SigV4Bytes.newline)
        SigV4Bytes.appendUTF8(previousSignature, to: &message)
        message.append(SigV4Bytes.newline)
        SigV4Bytes.appendUTF8(SHA256.hex(canonical), to: &message)
        let expected = HMAC.sha256(key: signer.key, data: message)
        guard ConstantTime.equals(expected, provided) else {
            throw AWSChunkedError(.signatureMismatch,
                                  "The trailer signature we calculated does not match the signature you provided.")
        }
    }
}
