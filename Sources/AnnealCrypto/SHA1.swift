import CCrypto

extension Algorithms {
    /// Fetched once, like the other digests (see `Algorithms`): SHA-1 is only here for S3's
    /// `x-amz-checksum-sha1`, never for security.
    static let sha1: FetchedAlgorithm = {
        guard let md = EVP_MD_fetch(nil, "SHA1", nil) else {
            fatalError("OpenSSL has no SHA1 digest: the libcrypto we linked against is unusable")
        }
        return FetchedAlgorithm(pointer: md)
    }()
}

/// Streaming SHA-1, only because S3 clients may ask for `x-amz-checksum-sha1`; an integrity check
/// the client chose, not a security boundary.
public final class SHA1Hasher {
    /// Length of a SHA-1 digest in bytes.
    public static let byteCount = 20

    private let digest = DigestContext(Algorithms.sha1)

    public init() {}

    public func update(_ buffer: UnsafeRawBufferPointer) { digest.update(buffer) }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { digest.update($0) } }

    /// The digest of everything given so far; the hasher then starts over, empty.
    public func finalize() -> [UInt8] { digest.finalize() }
}
