import AnnealStore
import Foundation
import Glibc
import Testing
@testable import AnnealObjects

func makeStore() throws -> (FileObjectStore, String) {
    let home = NSTemporaryDirectory() + "anneal-objects-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    let database = try Database(path: home + "/anneal.db")
    let store = try FileObjectStore(database: database, root: home + "/objects")
    try store.createBucket("data", region: "us-east-1", accountID: "123456789012")
    return (store, home)
}

@discardableResult
func put(_ store: FileObjectStore, _ key: String, _ text: String, bucket: String = "data") throws -> ObjectInfo {
    let writer = try store.beginWrite(bucket: bucket)
    try Array(text.utf8).withUnsafeBytes { try writer.write($0) }
    return try store.commit(writer, key: key, metadata: ObjectMetadata(contentType: "text/plain"), etag: "e-\(text.count)", checksum: nil)
}

func read(_ store: FileObjectStore, _ key: String, bucket: String = "data") throws -> String? {
    guard let open = try store.open(bucket: bucket, key: key) else { return nil }
    defer { close(open.descriptor) }
    var buffer = [UInt8](repeating: 0, count: Int(open.info.size))
    let count = pread(open.descriptor, &buffer, buffer.count, 0)
    return String(decoding: buffer[0..<max(0, count)], as: UTF8.self)
}

/// Every regular file under `path`, recursively.
func files(under path: String) -> [String] {
    (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).filter {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}

@Suite struct FileObjectStoreTests {
    @Test func writeReadOverwriteDelete() throws {
        let (store, home) = try makeStore()
        try put(store, "a/b.txt", "first")
        #expect(try read(store, "a/b.txt") == "first")
        try put(store, "a/b.txt", "second version")
        #expect(try read(store, "a/b.txt") == "second version")
        #expect(try store.head(bucket: "data", key: "a/b.txt")?.size == 14)
        // The replaced blob is gone: one blob file for one object.
        #expect(files(under: home + "/objects/data").count == 1)
        #expect(try store.delete(bucket: "data", key: "a/b.txt"))
        #expect(try !store.delete(bucket: "data", key: "a/b.txt"))
        #expect(try store.open(bucket: "data", key: "a/b.txt") == nil)
        #expect(files(under: home + "/objects/data").isEmpty)
    }

    @Test(arguments: ["../../../etc/passwd", "..", "a//b", "%2e%2e/x", "/leading", "sp ace/ü/🙂", String(repeating: "k", count: 1024)])
    func keysNeverBecomePaths(key: String) throws {
        let (store, home) = try makeStore()
        try put(store, key, "payload")
        #expect(try read(store, key) == "payload")
        for file in files(under: home + "/objects") {
            let name = (file as NSString).lastPathComponent
            #expect(name.count == 32 && name.allSatisfy(\.isHexDigit), "\(file)")
            #expect(file.hasPrefix("data/"))
        }
    }

    @Test func uncommittedWritesAreInvisibleAndRecovered() throws {
        let (store, home) = try makeStore()
        let writer = try store.beginWrite(bucket: "data")
        try Array("partial".utf8).withUnsafeBytes { try writer.write($0) }
        #expect(try store.head(bucket: "data", key: "x") == nil)
        #expect(files(under: home + "/objects/.tmp").count == 1)
        // A restart (new store on the same files) removes the temporary file and the pending row.
        let reopened = try FileObjectStore(database: store.database, root: home + "/objects")
        let recovery = try reopened.recover()
        #expect(recovery.temporaryFiles == 1 && recovery.pendingBlobs == 1)
        #expect(files(under: home + "/objects/.tmp").isEmpty)
        writer.abort()
    }

    @Test func listingsWithPrefixDelimiterAndPages() throws {
        let (store, _) = try makeStore()
        for key in ["a/1", "a/2", "a/b/3", "b", "c/x/1", "c/y/2", "d", "a/", "é", "z"] { try put(store, key, key) }
        let all = try store.list(bucket: "data", prefix: "", delimiter: "/", after: nil, limit: 1000)
        #expect(all.entries.map(Self.name) == ["a/", "b", "c/", "d", "z", "é"])  // UTF-8 byte order: é (0xC3) after z
        let underA = try store.list(bucket: "data", prefix: "a/", delimiter: "/", after: nil, limit: 1000)
        #expect(underA.entries.map(Self.name) == ["a/", "a/1", "a/2", "a/b/"])
        // Pages of two, resuming from the cursor, give the same sequence.
        var seen: [String] = []
        var cursor: ListCursor?
        repeat {
            let page = try store.list(bucket: "data", prefix: "", delimiter: "/", after: cursor, limit: 2)
            seen += page.entries.map(Self.name)
            cursor = page.isTruncated ? page.next : nil
        } while cursor != nil
        #expect(seen == ["a/", "b", "c/", "d", "z", "é"])
        let flat = try store.list(bucket: "data", prefix: "c/", delimiter: "", after: nil, limit: 1000)
        #expect(flat.entries.map(Self.name) == ["c/x/1", "c/y/2"])
    }

    @Test func multipartCompleteAndAbort() throws {
        let (store, home) = try makeStore()
        let upload = try store.createUpload(bucket: "data", key: "big", metadata: ObjectMetadata(), checksumAlgorithm: nil)
        var parts: [PartInfo] = []
        for (number, text) in [(1, "hello "), (2, "wor"), (3, "ld")] {
            let writer = try store.beginWrite(bucket: "data")
            try Array(text.utf8).withUnsafeBytes { try writer.write($0) }
            parts.append(try store.commitPart(writer, uploadID: upload.uploadID, partNumber: number, etag: "p\(number)", checksum: nil))
        }
        #expect(try store.parts(uploadID: upload.uploadID, after: 1, limit: 10).map(\.partNumber) == [2, 3])
        #expect(throws: ObjectStoreError.self) { try store.deleteBucket("data") }  // an upload is open
        let info = try store.completeUpload(upload.uploadID, parts: parts, etag: "x-3", checksum: nil)
        #expect(info.size == 11 && info.partsCount == 3)
        #expect(try read(store, "big") == "hello world")
        #expect(try store.upload(upload.uploadID) == nil)
        #expect(files(under: home + "/objects/data").count == 1, "part blobs are removed")
        let other = try store.createUpload(bucket: "data", key: "gone", metadata: ObjectMetadata(), checksumAlgorithm: nil)
        try store.abortUpload(other.uploadID)
        #expect(throws: ObjectStoreError.self) { try store.abortUpload(other.uploadID) }
    }

    @Test func bucketsMustBeEmptyToDelete() throws {
        let (store, _) = try makeStore()
        try put(store, "k", "v")
        do {
            try store.deleteBucket("data")
            Issue.record("deleted a bucket with objects")
        } catch {
            #expect(error.code == .bucketNotEmpty)
        }
        try store.delete(bucket: "data", key: "k")
        try store.deleteBucket("data")
        #expect(try store.bucket("data") == nil)
        do {
            try store.createBucket("data", region: "us-east-1", accountID: "1")
            try store.createBucket("data", region: "us-east-1", accountID: "1")
            Issue.record("created a bucket twice")
        } catch {
            #expect(error.code == .bucketExists)
        }
    }

    static func name(_ entry: ListPage.Entry) -> String {
        switch entry {
        case .object(let info): info.key
        case .commonPrefix(let prefix): prefix
        }
    }
}
