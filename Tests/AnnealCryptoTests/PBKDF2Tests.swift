import AnnealCrypto
import Testing

@Suite struct PBKDF2Tests {
    /// Vectors for PBKDF2-HMAC-SHA256 (as published alongside RFC 7914 and in many libraries' tests).
    @Test func matchesKnownVectors() {
        #expect(PBKDF2.sha256(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 1).hexString
            == "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")
        #expect(PBKDF2.sha256(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 4096).hexString
            == "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")
        #expect(PBKDF2.sha256(password: [], salt: Array("salt".utf8), iterations: 2).count == 32)
    }
}
