import AnnealCrypto
import Testing

@Suite("Hex and base64")
struct EncodingTests {
    @Test func hexRoundTrip() {
        let bytes: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF]
        #expect(bytes.hexString == "00017f80abff")
        #expect(bytes[2...].hexString == "7f80abff")
        #expect([UInt8]().hexString == "")
        #expect(Hex.decode("00017f80abff") == bytes)
        #expect(Hex.decode("00017F80ABFF") == bytes)
        #expect(Hex.decode("") == [])
    }

    @Test(arguments: ["0", "abc", "zz", "0g", " 00", "0x00"])
    func hexRejects(input: String) {
        #expect(Hex.decode(input) == nil)
    }

    /// RFC 4648 section 10.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func base64Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func base64AllByteValues() {
        let bytes = (0..<256).map { UInt8($0) }
        let encoded = Base64.encode(bytes)
        #expect(encoded.hasSuffix("+/w=="))
        #expect(Base64.decode(encoded) == bytes)
    }

    @Test(arguments: ["Zg", "Zg=", "Zh==", "Z===", "Zm9v YmFy", "Zm=v", "Zm9v!", "====", "Zm9vYmE=Zm9v"])
    func base64Rejects(input: String) {
        #expect(Base64.decode(input) == nil)
    }
}
