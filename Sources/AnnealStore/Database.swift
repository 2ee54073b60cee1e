import Foundation
import Glibc
import Synchronization

/// The platform's SQLite database: one writing connection (one writer at a time) and one for
/// reading, WAL so that readers never wait for a writer (nor its fsync) and a `kill -9` at any
/// moment leaves every committed transaction in place.
///
/// Calls block (SQLite, fsync): make them from server threads or a dedicated queue, never from the
/// cooperative pool.
///
/// The WAL is checkpointed by a thread of its own (`Checkpointer`), not by the commit that happens
/// to cross SQLite's threshold: copying the WAL into the database and its fsyncs stay off the
/// request that commits (a log batch waited on them a quarter of the time).
public final class Database: Sendable {
    private let connection: Mutex<SQLiteConnection>
    private let reader: Mutex<SQLiteConnection>
    private let checkpointer: Checkpointer
    public let path: String

    /// How a write transaction reaches the disk.
    public enum Durability: Sendable {
        /// Its commit is fsynced: it survives a crash of the machine (the default: state).
        case full
        /// Its commit survives a crash of the process (the WAL is written) and reaches the disk with
        /// the next full commit or checkpoint: for telemetry (log lines, metric points) arriving
        /// hundreds of thousands a second, where an fsync per batch would bound the rate.
        case process
    }

    public init(path: String, migrations: [Migration] = Schema.migrations) throws(StoreError) {
        let connection = try SQLiteConnection(path: path)
        try connection.execute("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            PRAGMA busy_timeout=5000;
            PRAGMA foreign_keys=ON;
            PRAGMA wal_autocheckpoint=0;
            """)
        try Migrator.apply(migrations, to: connection)
        checkpointer = try Checkpointer(path: path)
        let reader = try SQLiteConnection(path: path)
        try reader.execute("""
            PRAGMA busy_timeout=5000;
            PRAGMA foreign_keys=ON;
            """)
        self.path = path
        self.connection = Mutex(connection)
        self.reader = Mutex(reader)
    }

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE ... COMMIT); it rolls back on error.
    @discardableResult
    public func write<T: Sendable>(durability: Durability = .full, _ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        try connection.withLock { (conn: inout SQLiteConnection) throws(StoreError) -> T in
            if durability == .process { try conn.execute("PRAGMA synchronous=NORMAL") }
            defer { if durability == .process { try? conn.execute("PRAGMA synchronous=FULL") } }
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

    /// Runs `body` for reading on the reading connection, in one transaction: it sees one
    /// consistent snapshot, with every write committed before it began.
    public func read<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        try reader.withLock { (conn: inout SQLiteConnection) throws(StoreError) -> T in
            try conn.execute("BEGIN")
            defer { try? conn.execute("COMMIT") }
            return try body(conn)
        }
    }

    /// Bytes on disk: the database file and its write-ahead log.
    public var sizeOnDisk: Int64 {
        fileSize(path) + fileSize(path + "-wal")
    }

    deinit { checkpointer.stop() }

    /// Checkpoints the WAL and closes the connections (at shutdown).
    public func close() {
        checkpointer.stop(wait: true)
        reader.withLock { $0.close() }
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

/// Checkpoints a database's WAL from a thread and connection of its own: every 100 ms once the WAL
/// holds more than `threshold` bytes (SQLite's own default, 1,000 pages), and once a second while it
/// holds anything. PASSIVE: it never waits for, nor blocks, a reader or the writer.
final class Checkpointer: Sendable {
    static let threshold: Int64 = 4 << 20

    private final class State: Sendable {
        let stopped = Atomic<Bool>(false)
        let done = Mutex<Bool>(false)
    }

    private let state = State()

    init(path: String) throws(StoreError) {
        let connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA busy_timeout=5000; PRAGMA wal_autocheckpoint=0;")
        let box = UncheckedBox(connection)
        let thread = Thread { [state] in
            var quiet = 0
            while !state.stopped.load(ordering: .acquiring) {
                usleep(100_000)
                quiet += 1
                let size = fileSize(path + "-wal")
                guard size > Checkpointer.threshold || (size > 0 && quiet >= 10) else { continue }
                quiet = 0
                try? box.value.execute("PRAGMA wal_checkpoint(PASSIVE)")
            }
            box.value.close()
            state.done.withLock { $0 = true }
        }
        thread.name = "anneal-checkpoint"
        thread.start()
    }

    /// Stops the thread; with `wait`, returns once it has closed its connection.
    func stop(wait: Bool = false) {
        state.stopped.store(true, ordering: .releasing)
        while wait && !state.done.withLock({ $0 }) { usleep(1000) }
    }
}

/// A value handed to the one thread that uses it from then on.
private final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
