/// The one error type of the store: a code, a message for people, and SQLite's own result code.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String { case open, sql, constraint, busy, corrupt, io, full, notFound, conflict, invalid }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }
        public static let open = Code(.open)
        public static let sql = Code(.sql)
        public static let constraint = Code(.constraint)
        public static let busy = Code(.busy)
        public static let corrupt = Code(.corrupt)
        public static let io = Code(.io)
        public static let full = Code(.full)
        public static let notFound = Code(.notFound)
        public static let conflict = Code(.conflict)
        public static let invalid = Code(.invalid)
        public var description: String { kind.rawValue }
    }

    public var code: Code
    public var message: String
    /// SQLite's extended result code, when the error came from SQLite.
    public var sqliteCode: Int32?

    public init(_ code: Code, _ message: String, sqliteCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
    }

    public var description: String {
        sqliteCode.map { "\(code): \(message) (sqlite \($0))" } ?? "\(code): \(message)"
    }
}
