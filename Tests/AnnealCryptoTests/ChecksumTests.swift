import AnnealCrypto
import Testing

@Suite("CRC-32 and CRC-32C")
struct ChecksumTests {
    /// Bit-at-a-time reference, independent of the slicing tables under test.
    private static func reference(_ bytes: [UInt8], polynomial: UInt32) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
        }
        return ~crc
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32()
        bytes.withUnsafeBytes { crc.update($0) }
        return crc.value
    }

    private static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32C()
        bytes.withUnsafeBytes { crc.update($0) }
        return crc.value
    }

    @Test func checkValues() {
        let check = Array("123456789".utf8)
        #expect(Self.crc32(check) == 0xCBF4_3926)
        #expect(Self.crc32c(check) == 0xE306_9283)
        #expect(Self.crc32([]) == 0)
        #expect(Self.crc32c([]) == 0)
    }

    /// RFC 3720 appendix B.4: 32-byte inputs exercise the eight-bytes-at-a-time loop.
    @Test func iSCSIVectors() {
        #expect(Self.crc32c([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(Self.crc32c([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(Self.crc32c((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(Self.crc32c((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test func zlibVector() {
        let bytes = (0..<1280).map { UInt8($0 % 256) }
        #expect(Self.crc32(bytes) == 0x1E7A_6D24)  // zlib.crc32(bytes(range(256)) * 5)
    }

    /// Streaming over arbitrary split points, including unaligned ones, matches the bitwise reference.
    @Test(arguments: [1, 3, 7, 8, 9, 64, 1000])
    func streamingMatchesReference(chunkSize: Int) {
        var seed: UInt32 = 0x1234_5678
        let bytes: [UInt8] = (0..<1001).map { _ in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: seed >> 24)
        }
        var crc = CRC32()
        var crcC = CRC32C()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkSize, bytes.count)
            bytes[offset..<end].withUnsafeBytes { crc.update($0); crcC.update($0) }
            offset = end
        }
        #expect(crc.value == Self.reference(bytes, polynomial: 0xEDB8_8320))
        #expect(crcC.value == Self.reference(bytes, polynomial: 0x82F6_3B78))
    }
}
