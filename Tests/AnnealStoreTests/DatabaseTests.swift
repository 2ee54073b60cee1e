import AnnealCore
import Foundation
import Testing
@testable import AnnealStore

func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "anneal-store-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct DatabaseTests {
    @Test func migrationsApplyOnceAndSurviveReopen() throws {
        let path = temporaryDirectory() + "/a.db"
        let extra = Migration(version: 99, name: "extra", sql: "CREATE TABLE extra (x INTEGER)")
        do {
            let db = try Database(path: path, migrations: Schema.migrations + [extra])
            try db.write { conn throws(StoreError) in _ = try conn.run("INSERT INTO extra (x) VALUES (?)", [.integer(7)]) }
            db.close()
        }
        // Reopening must not re-run migration 99 (it would fail: the table exists).
        let db = try Database(path: path, migrations: Schema.migrations + [extra])
        let versions = try db.read { conn throws(StoreError) in
            try conn.query("SELECT version FROM schema_migrations ORDER BY version").compactMap { $0["version"].int }
        }
        #expect(versions == (Schema.migrations.map { Int64($0.version) } + [99]).sorted())
        let x = try db.read { conn throws(StoreError) in try conn.query("SELECT x FROM extra").first?["x"].int }
        #expect(x == 7)
        let mode = try db.read { conn throws(StoreError) in try conn.query("PRAGMA journal_mode").first?["journal_mode"].string }
        #expect(mode == "wal")
    }

    @Test func theWALIsCheckpointedOffTheCommittingThread() throws {
        let path = temporaryDirectory() + "/a.db"
        let extra = Migration(version: 99, name: "extra", sql: "CREATE TABLE extra (x BLOB)")
        let db = try Database(path: path, migrations: Schema.migrations + [extra])
        func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
        let before = size(path)
        // 6 MiB committed: past the checkpointer's threshold, while the commits themselves leave it all in the WAL.
        for _ in 0..<6 {
            try db.write(durability: .process) { conn throws(StoreError) in
                _ = try conn.run("INSERT INTO extra (x) VALUES (zeroblob(1048576))", [])
            }
        }
        #expect(size(path) - before < 1 << 20, "no commit checkpointed")
        let deadline = Date().addingTimeInterval(5)
        while size(path) - before < 6 << 20 && Date() < deadline { usleep(20_000) }
        #expect(size(path) - before >= 6 << 20, "the checkpointer copied the WAL into the database")
        db.close()
    }

    @Test func failedWriteRollsBack() throws {
        let db = try Database(path: temporaryDirectory() + "/b.db")
        #expect(throws: StoreError.self) {
            try db.write { conn throws(StoreError) in
                try conn.run("INSERT INTO accounts (id, created_at) VALUES ('111111111111', 1)")
                try conn.run("INSERT INTO accounts (id, created_at) VALUES ('111111111111', 2)")  // duplicate key
            }
        }
        let count = try db.read { conn throws(StoreError) in try conn.query("SELECT count(*) AS n FROM accounts").first?["n"].int }
        #expect(count == 0)
    }

    @Test func constraintErrorsAreClassified() throws {
        let db = try Database(path: temporaryDirectory() + "/c.db")
        do {
            try db.write { conn throws(StoreError) in
                try conn.run("INSERT INTO accounts (id, created_at) VALUES ('1', 1)")
                try conn.run("INSERT INTO accounts (id, created_at) VALUES ('1', 1)")
            }
            Issue.record("expected a constraint error")
        } catch {
            #expect(error.code == .constraint)
        }
        do {
            try db.read { conn throws(StoreError) in _ = try conn.query("SELECT * FROM no_such_table") }
            Issue.record("expected an SQL error")
        } catch {
            #expect(error.code == .sql)
            #expect(error.message.contains("no_such_table"))
        }
    }

    @Test func bindsEveryValueKind() throws {
        let db = try Database(path: temporaryDirectory() + "/d.db", migrations: [
            Migration(version: 1, name: "t", sql: "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)"),
        ])
        let text = "quote ' and \u{0} nul? no: emoji 🙂 and 'x'"
        try db.write { conn throws(StoreError) in
            _ = try conn.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(-5), .real(2.5), .text(text), .blob([0, 1, 255]), .null])
        }
        let row = try #require(try db.read { conn throws(StoreError) in try conn.query("SELECT * FROM t").first })
        #expect(row["i"] == .integer(-5))
        #expect(row["r"] == .real(2.5))
        #expect(row["s"] == .text(text))
        #expect(row["b"] == .blob([0, 1, 255]))
        #expect(row["n"] == .null)
    }
}

@Suite struct IdentityStoreTests {
    @Test func bootstrapIsAtomicAndReadable() throws {
        let db = try Database(path: temporaryDirectory() + "/i.db")
        let store = IdentityStore(database: db)
        #expect(try store.accountID() == nil)
        let admin = UserRecord(accountID: "123456789012", name: "admin", userID: "AIDAEXAMPLE", isAdministrator: true, createdAt: 10)
        let key = AccessKeyRecord(accessKeyID: "AKIAEXAMPLE", accountID: "123456789012", userName: "admin",
                                  sealedSecret: [1, 2, 3], isActive: true, createdAt: 10)
        try store.bootstrap(accountID: "123456789012", admin: admin, key: key)
        #expect(try store.accountID() == "123456789012")
        #expect(try store.user(accountID: "123456789012", name: "admin") == admin)
        #expect(try store.accessKey("AKIAEXAMPLE") == key)
        #expect(try store.accessKey("AKIANOPE") == nil)
        // A second bootstrap of the same account fails as a whole: nothing half-written.
        let other = AccessKeyRecord(accessKeyID: "AKIAOTHER", accountID: "123456789012", userName: "admin",
                                    sealedSecret: [9], isActive: true, createdAt: 11)
        #expect(throws: StoreError.self) { try store.bootstrap(accountID: "123456789012", admin: admin, key: other) }
        #expect(try store.accessKey("AKIAOTHER") == nil)
    }
}
