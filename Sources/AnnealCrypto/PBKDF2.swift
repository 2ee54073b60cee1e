import CCrypto

/// PBKDF2-HMAC-SHA256 (RFC 8018) from OpenSSL, for stored passwords: slow on purpose.
public enum PBKDF2 {
    public static func sha256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) -> [UInt8] {
        let characters = password.map { CChar(bitPattern: $0) }
        var out = [UInt8](repeating: 0, count: length)
        let ok = out.withUnsafeMutableBufferPointer { out in
            PKCS5_PBKDF2_HMAC(characters, Int32(characters.count), salt, Int32(salt.count), Int32(iterations), EVP_sha256(),
                              Int32(length), out.baseAddress)
        }
        // Fails only on allocation failure; an empty key matches nothing stored.
        return ok == 1 ? out : []
    }
}
