/// One numbered schema change. Applied at most once, in order, each in its own transaction.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

enum Migrator {
    static func apply(_ migrations: [Migration], to connection: SQLiteConnection) throws(StoreError) {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)
            """)
        let applied = Set(try connection.query("SELECT version FROM schema_migrations").compactMap { $0["version"].int })
        for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(Int64(migration.version)) {
            try connection.execute("BEGIN IMMEDIATE")
            do throws(StoreError) {
                try connection.execute(migration.sql)
                try connection.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, strftime('%s','now'))",
                                   [.integer(Int64(migration.version)), .text(migration.name)])
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw StoreError(error.code, "migration \(migration.version) (\(migration.name)) failed: \(error.message)",
                                 sqliteCode: error.sqliteCode)
            }
        }
    }
}

/// The platform's schema, one migration per change. Never edit a migration that has shipped: add one.
/// Each feature keeps its migrations in its own file (`Schema+<Feature>.swift`), numbered in the
/// range reserved for it: identity and objects 1-99, training jobs 100-199, logs 200-299, metrics 300-399, tuning 400-499, capacity 500-599,
/// audit 600-699, console 1100-1199, Slurm 1200-1299.
public enum Schema {
    public static let migrations: [Migration] = base + sessions + iam + trainingJobs + logs + metrics + tuning + capacity
        + audit + console + slurm

    static let base: [Migration] = [
        Migration(version: 1, name: "identity", sql: """
            CREATE TABLE accounts (
                id TEXT PRIMARY KEY,
                created_at INTEGER NOT NULL
            );
            CREATE TABLE users (
                account_id TEXT NOT NULL REFERENCES accounts(id),
                name TEXT NOT NULL,
                user_id TEXT NOT NULL UNIQUE,
                path TEXT NOT NULL DEFAULT '/',
                is_admin INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (account_id, name)
            );
            CREATE TABLE access_keys (
                access_key_id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                user_name TEXT NOT NULL,
                secret_sealed BLOB NOT NULL,
                status TEXT NOT NULL DEFAULT 'Active',
                created_at INTEGER NOT NULL,
                last_used_at INTEGER,
                FOREIGN KEY (account_id, user_name) REFERENCES users(account_id, name)
            );
            """),
        Migration(version: 2, name: "objects", sql: """
            CREATE TABLE buckets (
                name TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                region TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE TABLE objects (
                bucket TEXT NOT NULL REFERENCES buckets(name),
                key TEXT NOT NULL,
                blob TEXT NOT NULL,
                size INTEGER NOT NULL,
                etag TEXT NOT NULL,
                last_modified REAL NOT NULL,
                metadata TEXT NOT NULL,
                checksum_algorithm TEXT,
                checksum_value TEXT,
                checksum_type TEXT,
                parts_count INTEGER,
                PRIMARY KEY (bucket, key)
            ) WITHOUT ROWID;
            CREATE TABLE uploads (
                upload_id TEXT PRIMARY KEY,
                bucket TEXT NOT NULL REFERENCES buckets(name),
                key TEXT NOT NULL,
                created_at REAL NOT NULL,
                metadata TEXT NOT NULL,
                checksum_algorithm TEXT
            );
            CREATE INDEX uploads_by_key ON uploads (bucket, key, created_at);
            CREATE TABLE parts (
                upload_id TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
                part_number INTEGER NOT NULL,
                blob TEXT NOT NULL,
                size INTEGER NOT NULL,
                etag TEXT NOT NULL,
                checksum TEXT,
                last_modified REAL NOT NULL,
                PRIMARY KEY (upload_id, part_number)
            );
            -- Blobs being written (not yet referenced) and blobs no longer referenced: both are
            -- removed at start, so a crash at any point leaves no orphan behind.
            CREATE TABLE pending_blobs (blob TEXT PRIMARY KEY, bucket TEXT NOT NULL);
            CREATE TABLE garbage_blobs (blob TEXT PRIMARY KEY, bucket TEXT NOT NULL);
            """),
    ]
}
