import CCrypto

/// AES-256-GCM authenticated encryption for secrets at rest. Output = 12-byte random nonce || ciphertext || 16-byte tag.
///
/// Used for values we must be able to read back (stored secret access keys), where a hash would not
/// do. A fresh random nonce per `seal` keeps the (key, nonce) pair unique; with 96-bit random nonces
/// a key stays safe for far more seals than this server will ever do.
public struct SecretBox: Sendable {
    public static let keyByteCount = 32
    public static let nonceByteCount = 12
    public static let tagByteCount = 16

    private let key: [UInt8]

    /// - Throws: `CryptoError.Code.invalidKey` unless `key` is exactly 32 bytes.
    public init(key: [UInt8]) throws(CryptoError) {
        guard key.count == Self.keyByteCount else {
            throw CryptoError(.invalidKey, "AES-256-GCM needs a \(Self.keyByteCount)-byte key, got \(key.count) bytes")
        }
        self.key = key
    }

    public func seal(_ plaintext: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let length = Int32(exactly: plaintext.count) else {
            throw CryptoError(.malformed, "plaintext of \(plaintext.count) bytes is too large to seal")
        }
        let nonce = SecureRandom.bytes(Self.nonceByteCount)
        let context = try CipherContext()
        var sealed = nonce
        sealed.append(contentsOf: repeatElement(0, count: plaintext.count + Self.tagByteCount))
        let ok = sealed.withUnsafeMutableBufferPointer { output -> Bool in
            guard let out = output.baseAddress else { return false }
            guard EVP_EncryptInit_ex(context.pointer, Algorithms.aes256gcm.pointer, nil, key, nonce) == 1 else {
                return false
            }
            var written: Int32 = 0
            if length > 0 {
                guard EVP_EncryptUpdate(context.pointer, out + Self.nonceByteCount, &written, plaintext, length) == 1,
                      written == length
                else { return false }
            }
            var finalWritten: Int32 = 0
            guard EVP_EncryptFinal_ex(context.pointer, out + Self.nonceByteCount + Int(written), &finalWritten) == 1
            else { return false }
            let tag = out + Self.nonceByteCount + plaintext.count
            return EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagByteCount), tag) == 1
        }
        guard ok else { throw CryptoError(.library, "AES-256-GCM encryption failed in OpenSSL") }
        return sealed
    }

    /// - Throws: `.malformed` when `sealed` is shorter than a nonce and a tag; `.authenticationFailed`
    ///   when it was altered or sealed under another key.
    public func open(_ sealed: [UInt8]) throws(CryptoError) -> [UInt8] {
        let overhead = Self.nonceByteCount + Self.tagByteCount
        guard sealed.count >= overhead else {
            throw CryptoError(.malformed, "sealed value of \(sealed.count) bytes is shorter than nonce and tag (\(overhead) bytes)")
        }
        let cipherLength = sealed.count - overhead
        guard let length = Int32(exactly: cipherLength) else {
            throw CryptoError(.malformed, "sealed value of \(sealed.count) bytes is too large to open")
        }
        let context = try CipherContext()
        var tag = Array(sealed[(Self.nonceByteCount + cipherLength)...])
        var plaintext = [UInt8](repeating: 0, count: cipherLength)
        enum Outcome { case opened, forged, failed }
        let outcome = sealed.withUnsafeBufferPointer { input -> Outcome in
            guard let base = input.baseAddress else { return .failed }
            guard EVP_DecryptInit_ex(context.pointer, Algorithms.aes256gcm.pointer, nil, key, base) == 1 else {
                return .failed
            }
            var written: Int32 = 0
            if length > 0 {
                let ok = plaintext.withUnsafeMutableBufferPointer { out in
                    EVP_DecryptUpdate(context.pointer, out.baseAddress, &written, base + Self.nonceByteCount, length)
                }
                guard ok == 1, written == length else { return .failed }
            }
            guard EVP_CIPHER_CTX_ctrl(context.pointer, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagByteCount), &tag) == 1 else {
                return .failed
            }
            var finalWritten: Int32 = 0
            var scratch: UInt8 = 0
            // The tag is checked here; GCM writes no further bytes.
            return EVP_DecryptFinal_ex(context.pointer, &scratch, &finalWritten) == 1 ? .opened : .forged
        }
        switch outcome {
        case .opened:
            return plaintext
        case .forged:
            throw CryptoError(.authenticationFailed, "sealed value failed authentication: altered, or sealed under another key")
        case .failed:
            throw CryptoError(.library, "AES-256-GCM decryption failed in OpenSSL")
        }
    }
}

/// Owns an `EVP_CIPHER_CTX` so every exit path frees it.
private final class CipherContext {
    let pointer: OpaquePointer

    init() throws(CryptoError) {
        guard let pointer = EVP_CIPHER_CTX_new() else {
            throw CryptoError(.library, "EVP_CIPHER_CTX_new failed: out of memory")
        }
        self.pointer = pointer
    }

    deinit { EVP_CIPHER_CTX_free(pointer) }
}
