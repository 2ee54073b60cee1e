/// The flexible checksums S3 clients send (`x-amz-checksum-<lowercased raw value>` headers,
/// `x-amz-sdk-checksum-algorithm`).
///
/// The raw values are S3's own spelling, so they round-trip through `ChecksumAlgorithm` request
/// parameters and the `ChecksumAlgorithm` elements of replies unchanged.
public enum ChecksumAlgorithm: String, CaseIterable, Sendable {
    case crc32 = "CRC32"
    case crc32c = "CRC32C"
    case crc64nvme = "CRC64NVME"
    case sha1 = "SHA1"
    case sha256 = "SHA256"

    /// The header carrying this checksum, lowercased: `x-amz-checksum-crc32` and so on.
    public var headerName: String { Self.headerPrefix + rawValue.lowercased() }

    /// The algorithm whose `headerName` this is, compared without regard to case (HTTP header names
    /// are case-insensitive, and servers in front of us may re-case them); nil for other headers.
    public init?(headerName: String) {
        let lowered = headerName.lowercased()
        guard lowered.hasPrefix(Self.headerPrefix) else { return nil }
        let suffix = lowered.dropFirst(Self.headerPrefix.count)
        guard let algorithm = Self.allCases.first(where: { $0.rawValue.lowercased() == suffix }) else { return nil }
        self = algorithm
    }

    /// Length of the raw checksum in bytes: what a header value must decode to.
    public var byteCount: Int {
        switch self {
        case .crc32, .crc32c: 4
        case .crc64nvme: 8
        case .sha1: SHA1Hasher.byteCount
        case .sha256: SHA256.byteCount
        }
    }

    private static let headerPrefix = "x-amz-checksum-"
}
