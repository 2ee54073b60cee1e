import AnnealStore
import Foundation
import Glibc

extension FileObjectStore {
    public func beginWrite(bucket: String) throws(ObjectStoreError) -> any ObjectWriter {
        try beginBlob(bucket: bucket)
    }

    func beginBlob(bucket: String) throws(ObjectStoreError) -> FileBlobWriter {
        let id = BlobFile.newID()
        let exists: Bool = try write { conn throws(StoreError) in
            guard try !conn.query("SELECT 1 FROM buckets WHERE name = ?", [.text(bucket)]).isEmpty else { return false }
            try conn.run("INSERT INTO pending_blobs (blob, bucket) VALUES (?, ?)", [.text(id), .text(bucket)])
            return true
        }
        guard exists else { throw ObjectStoreError(.noSuchBucket, "The specified bucket does not exist") }
        let path = temporaryDirectory + "/" + id
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let error = BlobFile.failure("cannot create", path)
            forgetPending(id)
            throw error
        }
        return FileBlobWriter(id: id, bucket: bucket, temporaryPath: path, descriptor: fd, store: self)
    }

    /// Seals a writer's blob into place; on failure the writer is aborted.
    func seal(_ writer: any ObjectWriter, bucket: String) throws(ObjectStoreError) -> FileBlobWriter {
        guard let blob = writer as? FileBlobWriter, blob.bucket == bucket else {
            writer.abort()
            throw ObjectStoreError(.invalid, "the writer does not belong to bucket \(bucket) of this store")
        }
        do {
            try blob.seal(to: blobPath(bucket: bucket, id: blob.id), directory: blobDirectory(bucket: bucket, id: blob.id))
        } catch {
            blob.abort()
            throw error
        }
        return blob
    }

    /// Runs the commit transaction for a sealed blob; if it fails, the blob is removed.
    func commitSealed<T: Sendable>(_ blob: FileBlobWriter, _ body: (SQLiteConnection) throws(StoreError) -> T) throws(ObjectStoreError) -> T {
        do {
            return try write { conn throws(StoreError) in
                let result = try body(conn)
                try conn.run("DELETE FROM pending_blobs WHERE blob = ?", [.text(blob.id)])
                return result
            }
        } catch {
            unlink(blobPath(bucket: blob.bucket, id: blob.id))
            forgetPending(blob.id)
            throw error
        }
    }

    public func commit(_ writer: any ObjectWriter, key: String, metadata: ObjectMetadata, etag: String,
                       checksum: ObjectChecksum?) throws(ObjectStoreError) -> ObjectInfo {
        let bucket = (writer as? FileBlobWriter)?.bucket ?? ""
        let blob = try seal(writer, bucket: bucket)
        let info = ObjectInfo(bucket: bucket, key: key, size: blob.bytesWritten, etag: etag, lastModified: now(),
                              metadata: metadata, checksum: checksum, partsCount: nil)
        let replaced = try commitSealed(blob) { conn throws(StoreError) in try self.upsert(info, blob: blob.id, conn) }
        collect(replaced.map { [(id: $0, bucket: bucket)] } ?? [])
        return info
    }

    /// Inserts or replaces the object row; returns the blob it replaced, now recorded as garbage.
    func upsert(_ info: ObjectInfo, blob: String, _ conn: SQLiteConnection) throws(StoreError) -> String? {
        guard try !conn.query("SELECT 1 FROM buckets WHERE name = ?", [.text(info.bucket)]).isEmpty else {
            throw StoreError(.notFound, "The specified bucket does not exist")
        }
        let old = try conn.query("SELECT blob FROM objects WHERE bucket = ? AND key = ?", [.text(info.bucket), .text(info.key)])
            .first?["blob"].string
        try conn.run("""
            INSERT OR REPLACE INTO objects (bucket, key, blob, size, etag, last_modified, metadata,
                                            checksum_algorithm, checksum_value, checksum_type, parts_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(info.bucket), .text(info.key), .text(blob), .integer(Int64(info.size)), .text(info.etag),
                  .real(info.lastModified), .text(Self.encode(info.metadata)),
                  info.checksum.map { .text($0.algorithm) } ?? .null, info.checksum.map { .text($0.value) } ?? .null,
                  info.checksum.map { .text($0.type) } ?? .null, info.partsCount.map { .integer(Int64($0)) } ?? .null])
        if let old {
            try conn.run("INSERT OR IGNORE INTO garbage_blobs (blob, bucket) VALUES (?, ?)", [.text(old), .text(info.bucket)])
        }
        return old
    }

    public func head(bucket: String, key: String) throws(ObjectStoreError) -> ObjectInfo? {
        try lookup(bucket: bucket, key: key)?.info
    }

    func lookup(bucket: String, key: String) throws(ObjectStoreError) -> (info: ObjectInfo, blob: String)? {
        try run { conn throws(StoreError) in
            try conn.query("SELECT * FROM objects WHERE bucket = ? AND key = ?", [.text(bucket), .text(key)]).first
                .map { (Self.objectInfo($0), $0["blob"].string ?? "") }
        }
    }

    public func open(bucket: String, key: String) throws(ObjectStoreError) -> OpenObject? {
        // An overwrite may unlink the blob between the lookup and the open: look again.
        for _ in 0..<3 {
            guard let (info, blob) = try lookup(bucket: bucket, key: key) else { return nil }
            let path = blobPath(bucket: bucket, id: blob)
            let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return OpenObject(info: info, descriptor: fd) }
            if errno != ENOENT { throw BlobFile.failure("cannot open", path) }
        }
        throw ObjectStoreError(.io, "the object \(key) changed too often while it was being opened; retry")
    }

    @discardableResult
    public func delete(bucket: String, key: String) throws(ObjectStoreError) -> Bool {
        let removed: String? = try write { conn throws(StoreError) in
            guard let blob = try conn.query("SELECT blob FROM objects WHERE bucket = ? AND key = ?", [.text(bucket), .text(key)])
                .first?["blob"].string else { return nil }
            try conn.run("DELETE FROM objects WHERE bucket = ? AND key = ?", [.text(bucket), .text(key)])
            try conn.run("INSERT OR IGNORE INTO garbage_blobs (blob, bucket) VALUES (?, ?)", [.text(blob), .text(bucket)])
            return blob
        }
        collect(removed.map { [(id: $0, bucket: bucket)] } ?? [])
        return removed != nil
    }

    static func objectInfo(_ row: Row) -> ObjectInfo {
        let checksum = row["checksum_algorithm"].string.map {
            ObjectChecksum(algorithm: $0, value: row["checksum_value"].string ?? "", type: row["checksum_type"].string ?? "FULL_OBJECT")
        }
        return ObjectInfo(bucket: row["bucket"].string ?? "", key: row["key"].string ?? "", size: UInt64(row["size"].int ?? 0),
                          etag: row["etag"].string ?? "", lastModified: row["last_modified"].double ?? 0,
                          metadata: decode(row["metadata"].string), checksum: checksum, partsCount: row["parts_count"].int.map { Int($0) })
    }

    static func encode(_ metadata: ObjectMetadata) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(metadata)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func decode(_ text: String?) -> ObjectMetadata {
        guard let text, let value = try? JSONDecoder().decode(ObjectMetadata.self, from: Data(text.utf8)) else { return ObjectMetadata() }
        return value
    }
}
