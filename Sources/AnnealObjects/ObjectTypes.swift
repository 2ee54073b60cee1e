/// System and user metadata kept with an object and returned on GET and HEAD.
public struct ObjectMetadata: Sendable, Equatable, Codable {
    public var contentType: String?
    /// `Content-Encoding`, `Content-Disposition`, `Cache-Control`, `Content-Language`, `Expires`,
    /// by their canonical names.
    public var headers: [String: String]
    /// `x-amz-meta-*` values by lower-cased name without the prefix.
    public var user: [String: String]

    public init(contentType: String? = nil, headers: [String: String] = [:], user: [String: String] = [:]) {
        self.contentType = contentType
        self.headers = headers
        self.user = user
    }

    /// The headers S3 stores and returns as they were sent.
    public static let storedHeaders = ["Content-Encoding", "Content-Disposition", "Cache-Control", "Content-Language", "Expires"]
}

/// A flexible checksum as S3 reports it (`x-amz-checksum-crc32: ...`, type FULL_OBJECT or COMPOSITE).
public struct ObjectChecksum: Sendable, Equatable {
    public var algorithm: String
    public var value: String
    public var type: String

    public init(algorithm: String, value: String, type: String = "FULL_OBJECT") {
        self.algorithm = algorithm
        self.value = value
        self.type = type
    }
}

public struct ObjectInfo: Sendable, Equatable {
    public var bucket: String
    public var key: String
    public var size: UInt64
    /// MD5 hex (single part) or `md5-of-md5s-N`, without quotes.
    public var etag: String
    /// Epoch seconds.
    public var lastModified: Double
    public var metadata: ObjectMetadata
    public var checksum: ObjectChecksum?
    public var partsCount: Int?
}

public struct BucketInfo: Sendable, Equatable {
    public var name: String
    public var region: String
    public var createdAt: Double
}

public struct UploadInfo: Sendable, Equatable {
    public var uploadID: String
    public var bucket: String
    public var key: String
    public var createdAt: Double
    public var metadata: ObjectMetadata
    public var checksumAlgorithm: String?
}

public struct PartInfo: Sendable, Equatable {
    public var partNumber: Int
    public var size: UInt64
    public var etag: String
    public var checksum: String?
    public var lastModified: Double
}

/// One page of a listing, in UTF-8 byte order of keys.
public struct ListPage: Sendable {
    /// Objects and common prefixes, interleaved in key order.
    public enum Entry: Sendable, Equatable {
        case object(ObjectInfo)
        case commonPrefix(String)
    }

    public var entries: [Entry]
    public var isTruncated: Bool
    /// The cursor to resume after this page (the last key or common prefix returned).
    public var next: ListCursor?
}

/// Where a listing resumes: after a key, or after every key under a common prefix.
public enum ListCursor: Sendable, Equatable {
    case afterKey(String)
    case afterPrefix(String)
}

/// An object being written: bytes go to a temporary blob until it is committed or aborted.
public protocol ObjectWriter: AnyObject {
    var bytesWritten: UInt64 { get }
    func write(_ bytes: UnsafeRawBufferPointer) throws(ObjectStoreError)
    /// Drops what was written (a failed or truncated upload). Safe to call more than once.
    func abort()
}

/// An open object: its description and a descriptor the caller owns (and closes, or hands to the
/// HTTP server which closes it).
public struct OpenObject: Sendable {
    public var info: ObjectInfo
    public var descriptor: Int32
}
