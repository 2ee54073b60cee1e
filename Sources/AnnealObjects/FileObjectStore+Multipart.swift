import AnnealStore
import Glibc

extension FileObjectStore {
    public func createUpload(bucket: String, key: String, metadata: ObjectMetadata,
                             checksumAlgorithm: String?) throws(ObjectStoreError) -> UploadInfo {
        let info = UploadInfo(uploadID: BlobFile.newID() + BlobFile.newID(), bucket: bucket, key: key, createdAt: now(),
                              metadata: metadata, checksumAlgorithm: checksumAlgorithm)
        let created: Bool = try write { conn throws(StoreError) in
            guard try !conn.query("SELECT 1 FROM buckets WHERE name = ?", [.text(bucket)]).isEmpty else { return false }
            try conn.run("INSERT INTO uploads (upload_id, bucket, key, created_at, metadata, checksum_algorithm) VALUES (?, ?, ?, ?, ?, ?)",
                         [.text(info.uploadID), .text(bucket), .text(key), .real(info.createdAt), .text(Self.encode(metadata)),
                          checksumAlgorithm.map { .text($0) } ?? .null])
            return true
        }
        guard created else { throw ObjectStoreError(.noSuchBucket, "The specified bucket does not exist") }
        return info
    }

    public func upload(_ uploadID: String) throws(ObjectStoreError) -> UploadInfo? {
        try run { conn throws(StoreError) in
            try conn.query("SELECT * FROM uploads WHERE upload_id = ?", [.text(uploadID)]).first.map(Self.uploadInfo)
        }
    }

    public func commitPart(_ writer: any ObjectWriter, uploadID: String, partNumber: Int, etag: String,
                           checksum: String?) throws(ObjectStoreError) -> PartInfo {
        guard let upload = try upload(uploadID) else {
            writer.abort()
            throw Self.noSuchUpload
        }
        let blob = try seal(writer, bucket: upload.bucket)
        let part = PartInfo(partNumber: partNumber, size: blob.bytesWritten, etag: etag, checksum: checksum, lastModified: now())
        let replaced: String? = try commitSealed(blob) { conn throws(StoreError) in
            guard try !conn.query("SELECT 1 FROM uploads WHERE upload_id = ?", [.text(uploadID)]).isEmpty else {
                throw StoreError(.notFound, Self.noSuchUpload.message)
            }
            let old = try conn.query("SELECT blob FROM parts WHERE upload_id = ? AND part_number = ?",
                                     [.text(uploadID), .integer(Int64(partNumber))]).first?["blob"].string
            try conn.run("""
                INSERT OR REPLACE INTO parts (upload_id, part_number, blob, size, etag, checksum, last_modified)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(uploadID), .integer(Int64(partNumber)), .text(blob.id), .integer(Int64(part.size)), .text(etag),
                      checksum.map { .text($0) } ?? .null, .real(part.lastModified)])
            if let old { try conn.run("INSERT OR IGNORE INTO garbage_blobs (blob, bucket) VALUES (?, ?)", [.text(old), .text(upload.bucket)]) }
            return old
        }
        collect(replaced.map { [(id: $0, bucket: upload.bucket)] } ?? [])
        return part
    }

    public func parts(uploadID: String, after marker: Int, limit: Int) throws(ObjectStoreError) -> [PartInfo] {
        try run { conn throws(StoreError) in
            try conn.query("SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?",
                           [.text(uploadID), .integer(Int64(marker)), .integer(Int64(limit))]).map(Self.partInfo)
        }
    }

    public func completeUpload(_ uploadID: String, parts chosen: [PartInfo], etag: String,
                               checksum: ObjectChecksum?) throws(ObjectStoreError) -> ObjectInfo {
        guard let upload = try upload(uploadID) else { throw Self.noSuchUpload }
        let blobs = try run { conn throws(StoreError) in
            Dictionary(uniqueKeysWithValues: try conn.query("SELECT part_number, blob FROM parts WHERE upload_id = ?", [.text(uploadID)])
                .map { (Int($0["part_number"].int ?? 0), $0["blob"].string ?? "") })
        }
        let writer = try beginBlob(bucket: upload.bucket)
        for part in chosen {
            guard let blob = blobs[part.partNumber] else {
                writer.abort()
                throw ObjectStoreError(.invalid, "part \(part.partNumber) is not part of upload \(uploadID)")
            }
            let path = blobPath(bucket: upload.bucket, id: blob)
            let source = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard source >= 0 else {
                let error = BlobFile.failure("cannot open part", path)
                writer.abort()
                throw error
            }
            defer { close(source) }
            do {
                try BlobFile.copy(from: source, offset: 0, length: part.size, to: writer.descriptor, path: writer.temporaryPath)
            } catch {
                writer.abort()
                throw error
            }
        }
        let size = chosen.reduce(UInt64(0)) { $0 + $1.size }
        let blob = try seal(writer, bucket: upload.bucket)
        let info = ObjectInfo(bucket: upload.bucket, key: upload.key, size: size, etag: etag, lastModified: now(),
                              metadata: upload.metadata, checksum: checksum, partsCount: chosen.count)
        let garbage: [String] = try commitSealed(blob) { conn throws(StoreError) in
            guard try !conn.query("SELECT 1 FROM uploads WHERE upload_id = ?", [.text(uploadID)]).isEmpty else {
                throw StoreError(.notFound, Self.noSuchUpload.message)
            }
            var garbage = try self.retireParts(uploadID, bucket: upload.bucket, conn)
            if let old = try self.upsert(info, blob: blob.id, conn) { garbage.append(old) }
            try conn.run("DELETE FROM uploads WHERE upload_id = ?", [.text(uploadID)])
            return garbage
        }
        collect(garbage.map { (id: $0, bucket: upload.bucket) })
        return info
    }

    public func abortUpload(_ uploadID: String) throws(ObjectStoreError) {
        guard let upload = try upload(uploadID) else { throw Self.noSuchUpload }
        let garbage: [String] = try write { conn throws(StoreError) in
            let garbage = try self.retireParts(uploadID, bucket: upload.bucket, conn)
            try conn.run("DELETE FROM uploads WHERE upload_id = ?", [.text(uploadID)])
            return garbage
        }
        collect(garbage.map { (id: $0, bucket: upload.bucket) })
    }

    public func uploads(bucket: String, prefix: String, after keyMarker: String, uploadIDMarker: String,
                        limit: Int) throws(ObjectStoreError) -> [UploadInfo] {
        try run { conn throws(StoreError) in
            try conn.query("""
                SELECT * FROM uploads WHERE bucket = ?1 AND key >= ?2
                  AND (key > ?3 OR (key = ?3 AND upload_id > ?4))
                ORDER BY key, created_at, upload_id LIMIT ?5
                """, [.text(bucket), .text(prefix), .text(keyMarker), .text(uploadIDMarker), .integer(Int64(limit * 4 + 10))])
                .map(Self.uploadInfo).filter { $0.key.utf8.starts(with: prefix.utf8) }.prefix(limit).map { $0 }
        }
    }

    /// Records every part blob of an upload as garbage and deletes the part rows.
    private func retireParts(_ uploadID: String, bucket: String, _ conn: SQLiteConnection) throws(StoreError) -> [String] {
        let blobs = try conn.query("SELECT blob FROM parts WHERE upload_id = ?", [.text(uploadID)]).compactMap { $0["blob"].string }
        for blob in blobs {
            try conn.run("INSERT OR IGNORE INTO garbage_blobs (blob, bucket) VALUES (?, ?)", [.text(blob), .text(bucket)])
        }
        try conn.run("DELETE FROM parts WHERE upload_id = ?", [.text(uploadID)])
        return blobs
    }

    static let noSuchUpload = ObjectStoreError(.noSuchUpload,
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")

    static func uploadInfo(_ row: Row) -> UploadInfo {
        UploadInfo(uploadID: row["upload_id"].string ?? "", bucket: row["bucket"].string ?? "", key: row["key"].string ?? "",
                   createdAt: row["created_at"].double ?? 0, metadata: decode(row["metadata"].string),
                   checksumAlgorithm: row["checksum_algorithm"].string)
    }

    static func partInfo(_ row: Row) -> PartInfo {
        PartInfo(partNumber: Int(row["part_number"].int ?? 0), size: UInt64(row["size"].int ?? 0), etag: row["etag"].string ?? "",
                 checksum: row["checksum"].string, lastModified: row["last_modified"].double ?? 0)
    }
}
