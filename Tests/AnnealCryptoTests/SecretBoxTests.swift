import AnnealCrypto
import Testing

@Suite("SecretBox (AES-256-GCM)")
struct SecretBoxTests {
    private let key = (0..<32).map { UInt8($0) }

    @Test(arguments: [0, 1, 15, 16, 17, 1000])
    func roundTrip(length: Int) throws {
        let box = try SecretBox(key: key)
        let plaintext = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let sealed = try box.seal(plaintext)
        #expect(sealed.count == 12 + length + 16)
        #expect(try box.open(sealed) == plaintext)
    }

    @Test func sealingTwiceUsesFreshNonces() throws {
        let box = try SecretBox(key: key)
        let a = try box.seal(Array("secret".utf8))
        let b = try box.seal(Array("secret".utf8))
        #expect(a != b)
        #expect(a.prefix(12) != b.prefix(12))
    }

    /// Flipping one bit anywhere (nonce, ciphertext, tag) must be caught.
    @Test(arguments: [0, 11, 12, 20, 31, 47])
    func tamperIsDetected(position: Int) throws {
        let box = try SecretBox(key: key)
        var sealed = try box.seal(Array("wJalrXUtnFEMI/K7MDENG+bP".utf8))  // 24 bytes: 12 + 24 + 16 = 52
        sealed[position] ^= 0x01
        let error = #expect(throws: CryptoError.self) { try box.open(sealed) }
        #expect(error?.code == .authenticationFailed)
    }

    @Test func wrongKeyFailsAuthentication() throws {
        let sealed = try SecretBox(key: key).seal(Array("secret".utf8))
        var otherKey = key
        otherKey[0] ^= 0x80
        let error = #expect(throws: CryptoError.self) { try SecretBox(key: otherKey).open(sealed) }
        #expect(error?.code == .authenticationFailed)
    }

    @Test func truncatedInputIsMalformed() throws {
        let box = try SecretBox(key: key)
        let error = #expect(throws: CryptoError.self) { try box.open([UInt8](repeating: 0, count: 27)) }
        #expect(error?.code == .malformed)
    }

    @Test(arguments: [0, 16, 31, 33])
    func keyMustBe32Bytes(length: Int) {
        let error = #expect(throws: CryptoError.self) { try SecretBox(key: [UInt8](repeating: 1, count: length)) }
        #expect(error?.code == .invalidKey)
    }
}
