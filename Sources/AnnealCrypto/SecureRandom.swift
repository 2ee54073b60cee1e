import CCrypto

/// Cryptographically secure random bytes from OpenSSL's DRBG (nonces, generated secret keys).
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress, count > 0 {
                guard let length = Int32(exactly: count), RAND_bytes(base, length) == 1 else {
                    // Handing out predictable bytes would be worse than stopping: this is a broken invariant.
                    fatalError("RAND_bytes failed: the system random source is unavailable")
                }
            }
            initialized = count
        }
    }
}

/// Comparison whose running time does not depend on where the inputs differ, so an attacker timing
/// our responses cannot learn a valid signature or tag byte by byte.
public enum ConstantTime {
    /// False when the lengths differ (lengths are not secret: every signature has the same one).
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { a in b.withUnsafeBytes { b in equals(a, b) } }
    }

    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let pa = a.baseAddress, let pb = b.baseAddress, a.count > 0 else { return true }
        return CRYPTO_memcmp(pa, pb, a.count) == 0
    }
}
