import Glibc
import Synchronization

/// The platform's SQLite database: one connection, one writer at a time, WAL so that a
/// `kill -9` at any moment leaves every committed transaction in place.
///
/// Calls block (SQLite, fsync): make them from server threads or a dedicated queue, never from the
/// cooperative pool.
public final class Database: Sendable {
    private let connection: Mutex<SQLiteConnection>
    public let path: String

    public init(path: String, migrations: [Migration] = Schema.migrations) throws(StoreError) {
        let connection = try SQLiteConnection(path: path)
        try connection.execute("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            PRAGMA busy_timeout=5000;
            PRAGMA foreign_keys=ON;
            """)
        try Migrator.apply(migrations, to: connection)
        self.path = path
        self.connection = Mutex(connection)
    }

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE ... COMMIT); it rolls back on error.
    @discardableResult
    public func write<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        try connection.withLock { (conn: inout SQLiteConnection) throws(StoreError) -> T in
            try conn.execute("BEGIN IMMEDIATE")
            do throws(StoreError) {
                let result = try body(conn)
                try conn.execute("COMMIT")
                return result
            } catch {
                try? conn.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` for reading; it sees one consistent snapshot.
    public func read<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        try connection.withLock { (conn: inout SQLiteConnection) throws(StoreError) -> T in
            try body(conn)
        }
    }

    /// Bytes on disk: the database file and its write-ahead log.
    public var sizeOnDisk: Int64 {
        fileSize(path) + fileSize(path + "-wal")
    }

    /// Checkpoints the WAL and closes the connection (at shutdown).
    public func close() {
        connection.withLock { conn in
            try? conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        }
    }
}

private func fileSize(_ path: String) -> Int64 {
    var info = stat()
    return stat(path, &info) == 0 ? Int64(info.st_size) : 0
}
