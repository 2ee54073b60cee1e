import AnnealCrypto
import Testing

/// Expected values printed by Tests/AnnealAWSTests/Fixtures/aws_chunked_vectors.py: zlib and hashlib
/// for CRC32, SHA-1 and SHA-256 (what botocore uses), bitwise references for CRC32C and CRC64NVME.
enum ChecksumVectors {
    static let all: [(input: String, base64: [ChecksumAlgorithm: String])] = [
        ("", [
            .crc32: "AAAAAA==",
            .crc32c: "AAAAAA==",
            .crc64nvme: "AAAAAAAAAAA=",
            .sha1: "2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
            .sha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
        ]),
        ("hello world", [
            .crc32: "DUoRhQ==",
            .crc32c: "yZRlqg==",
            .crc64nvme: "jSnVw/bqjr4=",
            .sha1: "Kq5sNclPz7QV2+lfQIuc6R7oRu0=",
            .sha256: "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=",
        ]),
        ("123456789", [
            .crc32: "y/Q5Jg==",
            .crc32c: "4waSgw==",
            .crc64nvme: "rosUhgp5mIg=",
            .sha1: "98O8HYCOBHMq32eZZczDTKeuNEE=",
            .sha256: "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
        ]),
    ]

    /// Parts "hello " and "world": each part's checksum, then the checksum of their raw concatenation.
    static let composite: [ChecksumAlgorithm: (first: String, second: String, composite: String)] = [
        .crc32: ("7YH59g==", "OncRQw==", "1Fu2mQ=="),
        .crc32c: ("fmJ+WA==", "MaqBTg==", "vUZpoA=="),
        .crc64nvme: ("w0MIGLRZZYI=", "NKb0GPs3WL8=", "6sDIYil0oVY="),
        .sha1: ("xNhxrROtAP3pp7t/9+0lQ67FQkE=", "fCEUM/AgcVl3Qeb/Wo6jR4mrv0M=", "9oeo+kMlG3hL6irRRMB+8GuSWwc="),
        .sha256: ("XjI1qDRuWkWF+MWFYvUFK4/iajuxIuHpbHZ4SWTfxGE=", "SG6kYiTRu0+2gPNPfJrZao8k7Ii+c+qOWmxlJg6cuKc=",
                  "Zhie15keHg/OBlOZxcoF/BXCgYZaeimRvdZnwUZqkaQ="),
    ]
}

@Suite("CRC-64/NVME and SHA-1")
struct CRC64AndSHA1Tests {
    /// Bit-at-a-time reference, independent of the slicing tables under test.
    private static func reference(_ bytes: [UInt8]) -> UInt64 {
        var crc = UInt64.max
        for byte in bytes {
            crc ^= UInt64(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x9A6C_9329_AC4B_C9B5 : crc >> 1 }
        }
        return ~crc
    }

    private static func crc64(_ bytes: [UInt8]) -> UInt64 {
        var crc = CRC64NVME()
        bytes.withUnsafeBytes { crc.update($0) }
        return crc.value
    }

    @Test func checkValue() {
        #expect(Self.crc64(Array("123456789".utf8)) == 0xAE8B_1486_0A79_9888)
        #expect(Self.crc64([]) == 0)
    }

    /// Streaming over arbitrary split points, including unaligned ones, matches the bitwise reference.
    @Test(arguments: [1, 3, 7, 8, 9, 64, 1000])
    func crc64StreamingMatchesReference(chunkSize: Int) {
        var seed: UInt32 = 0x9E37_79B9
        let bytes: [UInt8] = (0..<1001).map { _ in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: seed >> 24)
        }
        var crc = CRC64NVME()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkSize, bytes.count)
            bytes[offset..<end].withUnsafeBytes { crc.update($0) }
            offset = end
        }
        #expect(crc.value == Self.reference(bytes))
    }

    /// FIPS 180-4 examples.
    @Test func sha1Vectors() {
        let hasher = SHA1Hasher()
        hasher.update(Array("abc".utf8))
        #expect(hasher.finalize().hexString == "a9993e364706816aba3e25717850c26c9cd0d89d")
        hasher.update(Array("abcdbcdecdefdefgefghfghighij".utf8))
        hasher.update(Array("hijkijkljklmklmnlmnomnopnopq".utf8))
        #expect(hasher.finalize().hexString == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        #expect(hasher.finalize().hexString == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }
}

@Suite("Flexible checksums")
struct ChecksumAlgorithmTests {
    @Test func headerNames() {
        #expect(ChecksumAlgorithm.allCases.map(\.headerName) == [
            "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme",
            "x-amz-checksum-sha1", "x-amz-checksum-sha256",
        ])
        for algorithm in ChecksumAlgorithm.allCases {
            #expect(ChecksumAlgorithm(headerName: algorithm.headerName) == algorithm)
            #expect(ChecksumAlgorithm(headerName: algorithm.headerName.uppercased()) == algorithm)
        }
        #expect(ChecksumAlgorithm(headerName: "X-Amz-Checksum-CRC64NVME") == .crc64nvme)
        #expect(ChecksumAlgorithm(headerName: "x-amz-checksum-md5") == nil)
        #expect(ChecksumAlgorithm(headerName: "x-amz-checksum-") == nil)
        #expect(ChecksumAlgorithm(headerName: "x-amz-checksum-algorithm") == nil)
        #expect(ChecksumAlgorithm(headerName: "x-amz-checksum-crc32-extra") == nil)
        #expect(ChecksumAlgorithm(headerName: "crc32") == nil)
        #expect(ChecksumAlgorithm(rawValue: "CRC64NVME") == .crc64nvme)
    }

    @Test func byteCountsMatchDigests() {
        for algorithm in ChecksumAlgorithm.allCases {
            #expect(Checksummer(algorithm).finalize().count == algorithm.byteCount)
        }
    }

    @Test func knownValues() {
        for vector in ChecksumVectors.all {
            for algorithm in ChecksumAlgorithm.allCases {
                let checksummer = Checksummer(algorithm)
                checksummer.update(Array(vector.input.utf8))
                #expect(checksummer.finalizeBase64() == vector.base64[algorithm], "\(algorithm) of '\(vector.input)'")
            }
        }
    }

    /// Streaming in odd pieces gives the one-shot value, and finalizing starts the checksummer over.
    @Test(arguments: ChecksumAlgorithm.allCases)
    func streamingAndReset(algorithm: ChecksumAlgorithm) {
        let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = Checksummer(algorithm)
        whole.update(bytes)
        let expected = whole.finalizeBase64()

        let pieces = Checksummer(algorithm)
        var offset = 0
        var step = 1
        while offset < bytes.count {
            let end = min(offset + step, bytes.count)
            bytes[offset..<end].withUnsafeBytes { pieces.update($0) }
            offset = end
            step = step * 3 % 97 + 1
        }
        #expect(pieces.finalizeBase64() == expected)
        #expect(pieces.finalizeBase64() == ChecksumVectors.all[0].base64[algorithm])

        pieces.update(Array("hello world".utf8))
        #expect(pieces.finalizeBase64() == ChecksumVectors.all[1].base64[algorithm])
    }

    @Test func crc32IsBigEndian() {
        let checksummer = Checksummer(.crc32)
        checksummer.update(Array("123456789".utf8))
        #expect(checksummer.finalize() == [0xCB, 0xF4, 0x39, 0x26])
    }

    @Test(arguments: ChecksumAlgorithm.allCases)
    func composite(algorithm: ChecksumAlgorithm) throws {
        let expected = try #require(ChecksumVectors.composite[algorithm])
        for (part, value) in [("hello ", expected.first), ("world", expected.second)] {
            let checksummer = Checksummer(algorithm)
            checksummer.update(Array(part.utf8))
            #expect(checksummer.finalizeBase64() == value)
        }
        #expect(Checksummer.compositeBase64(algorithm, partChecksumsBase64: [expected.first, expected.second])
            == expected.composite)
    }

    @Test func compositeRejectsValuesThatAreNotChecksums() {
        #expect(Checksummer.compositeBase64(.crc32, partChecksumsBase64: ["7YH59g==", "not base64"]) == nil)
        #expect(Checksummer.compositeBase64(.crc32, partChecksumsBase64: ["7YH59g"]) == nil)
        // Valid base64, wrong length for the algorithm (a CRC64NVME value given as CRC32).
        #expect(Checksummer.compositeBase64(.crc32, partChecksumsBase64: ["w0MIGLRZZYI="]) == nil)
        #expect(Checksummer.compositeBase64(.sha256, partChecksumsBase64: []) == ChecksumVectors.all[0].base64[.sha256])
    }
}
