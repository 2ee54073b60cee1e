/// Streaming computation of one flexible checksum; `base64` is what S3 puts in the header: base64 of
/// the big-endian CRC (4 bytes, 8 for CRC64NVME) or of the digest.
///
/// One type over all algorithms so an upload path can checksum whatever the client asked for
/// without switching on the algorithm for every buffer it writes. Not thread-safe, like the hashers
/// it wraps: one checksummer belongs to one upload.
public final class Checksummer {
    public let algorithm: ChecksumAlgorithm

    private enum State {
        case crc32(CRC32)
        case crc32c(CRC32C)
        case crc64nvme(CRC64NVME)
        case sha1(SHA1Hasher)
        case sha256(SHA256Hasher)
    }

    private var state: State

    public init(_ algorithm: ChecksumAlgorithm) {
        self.algorithm = algorithm
        state = Self.initialState(algorithm)
    }

    public func update(_ buffer: UnsafeRawBufferPointer) {
        switch state {
        case .crc32(var crc):
            crc.update(buffer)
            state = .crc32(crc)
        case .crc32c(var crc):
            crc.update(buffer)
            state = .crc32c(crc)
        case .crc64nvme(var crc):
            crc.update(buffer)
            state = .crc64nvme(crc)
        case .sha1(let hasher):
            hasher.update(buffer)
        case .sha256(let hasher):
            hasher.update(buffer)
        }
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The raw checksum of everything given so far (CRCs big-endian, as S3 encodes them); the
    /// checksummer then starts over, empty.
    public func finalize() -> [UInt8] {
        let result: [UInt8] = switch state {
        case .crc32(let crc): Self.bigEndianBytes(crc.value)
        case .crc32c(let crc): Self.bigEndianBytes(crc.value)
        case .crc64nvme(let crc): Self.bigEndianBytes(crc.value)
        case .sha1(let hasher): hasher.finalize()
        case .sha256(let hasher): hasher.finalize()
        }
        state = Self.initialState(algorithm)
        return result
    }

    /// The header value S3 sends and expects for everything given so far; the checksummer then
    /// starts over, empty.
    public func finalizeBase64() -> String { Base64.encode(finalize()) }

    /// S3's multipart "checksum of checksums" (the COMPOSITE checksum type): the algorithm over the
    /// concatenated raw part checksums, base64. The caller appends `-N`, N being the part count.
    ///
    /// Nil when a part value is not canonical base64 or does not decode to `algorithm.byteCount`
    /// bytes: such a value cannot be a checksum of this algorithm, and a composite over it would be
    /// silently wrong.
    public static func compositeBase64(_ algorithm: ChecksumAlgorithm, partChecksumsBase64: [String]) -> String? {
        let checksummer = Checksummer(algorithm)
        for part in partChecksumsBase64 {
            guard let raw = Base64.decode(part), raw.count == algorithm.byteCount else { return nil }
            checksummer.update(raw)
        }
        return checksummer.finalizeBase64()
    }

    private static func initialState(_ algorithm: ChecksumAlgorithm) -> State {
        switch algorithm {
        case .crc32: .crc32(CRC32())
        case .crc32c: .crc32c(CRC32C())
        case .crc64nvme: .crc64nvme(CRC64NVME())
        case .sha1: .sha1(SHA1Hasher())
        case .sha256: .sha256(SHA256Hasher())
        }
    }

    private static func bigEndianBytes<Value: FixedWidthInteger>(_ value: Value) -> [UInt8] {
        (0..<Value.bitWidth / 8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
