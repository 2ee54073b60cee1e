/// The one error type of the object store.
public struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case noSuchBucket, noSuchKey, noSuchUpload, bucketExists, bucketNotEmpty, invalid, diskFull, io
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }
        public static let noSuchBucket = Code(.noSuchBucket)
        public static let noSuchKey = Code(.noSuchKey)
        public static let noSuchUpload = Code(.noSuchUpload)
        public static let bucketExists = Code(.bucketExists)
        public static let bucketNotEmpty = Code(.bucketNotEmpty)
        public static let invalid = Code(.invalid)
        public static let diskFull = Code(.diskFull)
        public static let io = Code(.io)
        public var description: String { kind.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
