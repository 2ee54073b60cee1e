import CCrypto

/// One-shot SHA-256, the digest SigV4 uses for payloads, canonical requests and key derivation.
public enum SHA256 {
    /// Length of a SHA-256 digest in bytes.
    public static let byteCount = 32

    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { output, initialized in
            digest(data, into: UnsafeMutableRawBufferPointer(output))
            initialized = byteCount
        }
    }

    /// Lowercase hex of the digest, written straight into the string without an intermediate array,
    /// because SigV4 needs the hex form of every hash it computes.
    public static func hex(_ data: some Collection<UInt8>) -> String {
        withUnsafeTemporaryAllocation(byteCount: byteCount, alignment: 1) { scratch in
            digest(data, into: scratch)
            return Hex.encode(UnsafeRawBufferPointer(scratch))
        }
    }

    /// Hashes `data` into the first 32 bytes of `output`.
    static func digest(_ data: some Collection<UInt8>, into output: UnsafeMutableRawBufferPointer) {
        let done: Void? = data.withContiguousStorageIfAvailable { buffer in
            digest(UnsafeRawBufferPointer(buffer), into: output)
        }
        if done == nil {
            let copy = Array(data)
            copy.withUnsafeBytes { digest($0, into: output) }
        }
    }

    static func digest(_ data: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= byteCount, "SHA-256 output buffer too small")
        var length: UInt32 = 0
        let ok = EVP_Digest(data.baseAddress, data.count,
                            output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length,
                            Algorithms.sha256.pointer, nil)
        // EVP_Digest only fails on allocation failure or a broken provider; neither is recoverable.
        guard ok == 1, length == byteCount else { fatalError("EVP_Digest(SHA-256) failed") }
    }
}

/// Owns an `EVP_MD_CTX`: the incremental digest behind the streaming hashers and HMAC.
///
/// Not thread-safe: one context belongs to one computation at a time.
final class DigestContext {
    private let context: OpaquePointer
    private let algorithm: FetchedAlgorithm
    let size: Int

    init(_ algorithm: FetchedAlgorithm) {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        self.context = context
        self.algorithm = algorithm
        self.size = Int(EVP_MD_get_size(algorithm.pointer))
        restart()
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Forgets everything fed so far. Re-initialising with the same digest keeps the provider's context,
    /// so this is cheap.
    func restart() {
        guard EVP_DigestInit_ex(context, algorithm.pointer, nil) == 1 else {
            fatalError("EVP_DigestInit_ex failed")
        }
    }

    func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        guard EVP_DigestUpdate(context, base, buffer.count) == 1 else {
            fatalError("EVP_DigestUpdate failed")
        }
    }

    /// Writes the digest into the first `size` bytes of `output`; `restart()` before reusing.
    func finish(into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count >= size, "digest output buffer too small")
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1,
              Int(length) == size
        else { fatalError("EVP_DigestFinal_ex failed") }
    }

    /// The digest of everything fed so far; the context then starts over, empty.
    func finalize() -> [UInt8] {
        let result = [UInt8](unsafeUninitializedCapacity: size) { output, initialized in
            finish(into: UnsafeMutableRawBufferPointer(output))
            initialized = size
        }
        restart()
        return result
    }
}

/// Streaming SHA-256 (payload hashes of uploads that are written to disk as they arrive).
public final class SHA256Hasher {
    private let digest = DigestContext(Algorithms.sha256)

    public init() {}

    public func update(_ buffer: UnsafeRawBufferPointer) { digest.update(buffer) }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { digest.update($0) } }

    /// The digest of everything given so far; the hasher then starts over, empty.
    public func finalize() -> [UInt8] { digest.finalize() }
}

/// Streaming MD5, only because S3 ETags and Content-MD5 are defined with it; never for security.
public final class MD5Hasher {
    private let digest = DigestContext(Algorithms.md5)

    public init() {}

    public func update(_ buffer: UnsafeRawBufferPointer) { digest.update(buffer) }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { digest.update($0) } }

    /// The digest of everything given so far; the hasher then starts over, empty.
    public func finalize() -> [UInt8] { digest.finalize() }
}
