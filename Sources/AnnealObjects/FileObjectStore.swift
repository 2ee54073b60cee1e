import AnnealStore
import Foundation
import Glibc
import Synchronization

/// The embedded object store: metadata in SQLite, bytes in blob files named by random ids under
/// `<root>/<bucket>/`. Keys never become paths, so no key can reach outside its bucket.
///
/// Crash safety: bytes are written to `.tmp/`, fsynced and renamed into place while a pending row
/// records the blob; the commit that makes the object visible deletes that row in the same
/// transaction. Replaced and deleted blobs are recorded as garbage before they are unlinked. Start-up
/// removes `.tmp/`, pending blobs and garbage, so a crash at any point leaves the old object or the
/// new one, never a torn one, and no orphan.
public final class FileObjectStore: ObjectStorage, @unchecked Sendable {
    // @unchecked: the mutable state is behind `collected` (a Mutex) and the database's own lock.
    let database: Database
    let root: String
    /// Garbage rows whose blobs are already unlinked, deleted in the next write transaction.
    private let collected = Mutex<[String]>([])
    private let clock: @Sendable () -> Double

    public struct Recovery: Sendable {
        public var temporaryFiles = 0
        public var pendingBlobs = 0
        public var garbageBlobs = 0
    }

    public init(database: Database, root: String, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws(ObjectStoreError) {
        self.database = database
        self.root = root
        self.clock = clock
        try BlobFile.makeDirectory(root)
        try BlobFile.makeDirectory(temporaryDirectory)
    }

    var temporaryDirectory: String { root + "/.tmp" }

    func blobDirectory(bucket: String, id: String) -> String { "\(root)/\(bucket)/\(id.prefix(2))" }
    func blobPath(bucket: String, id: String) -> String { "\(blobDirectory(bucket: bucket, id: id))/\(id)" }

    /// Removes what a crash may have left: temporary files, pending blobs and garbage. Run at start,
    /// before serving.
    @discardableResult
    public func recover() throws(ObjectStoreError) -> Recovery {
        var recovery = Recovery()
        if let dir = opendir(temporaryDirectory) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                if name == "." || name == ".." { continue }
                unlink(temporaryDirectory + "/" + name)
                recovery.temporaryFiles += 1
            }
            closedir(dir)
        }
        let (pending, garbage) = try run { conn throws(StoreError) in
            (try conn.query("SELECT blob, bucket FROM pending_blobs").map { ($0["blob"].string ?? "", $0["bucket"].string ?? "") },
             try conn.query("SELECT blob, bucket FROM garbage_blobs").map { ($0["blob"].string ?? "", $0["bucket"].string ?? "") })
        }
        for (blob, bucket) in pending + garbage where !blob.isEmpty {
            unlink(blobPath(bucket: bucket, id: blob))
        }
        try write { conn throws(StoreError) in
            try conn.run("DELETE FROM pending_blobs")
            try conn.run("DELETE FROM garbage_blobs")
        }
        recovery.pendingBlobs = pending.count
        recovery.garbageBlobs = garbage.count
        return recovery
    }

    // MARK: - Buckets

    public func createBucket(_ name: String, region: String, accountID: String) throws(ObjectStoreError) {
        try BlobFile.makeDirectory(root + "/" + name)
        let created = try write { conn throws(StoreError) in
            try conn.run("INSERT OR IGNORE INTO buckets (name, account_id, region, created_at) VALUES (?, ?, ?, ?)",
                         [.text(name), .text(accountID), .text(region), .real(clock())])
        }
        if created == 0 { throw ObjectStoreError(.bucketExists, "Your previous request to create the named bucket succeeded and you already own it.") }
    }

    public func bucket(_ name: String) throws(ObjectStoreError) -> BucketInfo? {
        try run { conn throws(StoreError) in
            try conn.query("SELECT name, region, created_at FROM buckets WHERE name = ?", [.text(name)]).first.map(Self.bucketInfo)
        }
    }

    public func buckets() throws(ObjectStoreError) -> [BucketInfo] {
        try run { conn throws(StoreError) in
            try conn.query("SELECT name, region, created_at FROM buckets ORDER BY name").map(Self.bucketInfo)
        }
    }

    public func deleteBucket(_ name: String) throws(ObjectStoreError) {
        let outcome: Int = try write { conn throws(StoreError) in
            guard try !conn.query("SELECT 1 FROM buckets WHERE name = ?", [.text(name)]).isEmpty else { return 0 }
            let busy = try conn.query("""
                SELECT EXISTS (SELECT 1 FROM objects WHERE bucket = ?1) OR EXISTS (SELECT 1 FROM uploads WHERE bucket = ?1) AS busy
                """, [.text(name)]).first?["busy"].int ?? 0
            if busy != 0 { return 2 }
            try conn.run("DELETE FROM buckets WHERE name = ?", [.text(name)])
            return 1
        }
        switch outcome {
        case 0: throw ObjectStoreError(.noSuchBucket, "The specified bucket does not exist")
        case 2: throw ObjectStoreError(.bucketNotEmpty, "The bucket you tried to delete is not empty")
        default: BlobFile.removeTree(root + "/" + name)
        }
    }

    static func bucketInfo(_ row: Row) -> BucketInfo {
        BucketInfo(name: row["name"].string ?? "", region: row["region"].string ?? "", createdAt: row["created_at"].double ?? 0)
    }

    // MARK: - Database helpers

    func now() -> Double { (clock() * 1000).rounded() / 1000 }

    /// A read, with store errors mapped.
    func run<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(ObjectStoreError) -> T {
        do { return try database.read(body) } catch { throw ObjectStoreError(.io, "metadata store: \(error)") }
    }

    /// A write transaction that also deletes the rows of garbage already unlinked.
    func write<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(ObjectStoreError) -> T {
        let done = collected.withLock { list in
            defer { list.removeAll() }
            return list
        }
        do {
            return try database.write { conn throws(StoreError) in
                for blob in done { try conn.run("DELETE FROM garbage_blobs WHERE blob = ?", [.text(blob)]) }
                return try body(conn)
            }
        } catch {
            collected.withLock { $0.append(contentsOf: done) }
            if error.code == .full { throw ObjectStoreError(.diskFull, "metadata store: the disk is full") }
            if error.code == .notFound {
                // Raised inside transactions when what they work on vanished concurrently.
                throw ObjectStoreError(error.message.contains("upload") ? .noSuchUpload : .noSuchBucket, error.message)
            }
            throw ObjectStoreError(.io, "metadata store: \(error)")
        }
    }

    /// Unlinks blobs whose garbage rows were committed, and remembers them for deletion.
    func collect(_ blobs: [(id: String, bucket: String)]) {
        guard !blobs.isEmpty else { return }
        for blob in blobs { unlink(blobPath(bucket: blob.bucket, id: blob.id)) }
        collected.withLock { $0.append(contentsOf: blobs.map(\.id)) }
    }

    /// Called when a write is abandoned before its commit.
    func forgetPending(_ id: String) {
        _ = try? write { conn throws(StoreError) in try conn.run("DELETE FROM pending_blobs WHERE blob = ?", [.text(id)]) }
    }
}
