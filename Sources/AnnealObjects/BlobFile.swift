import AnnealCrypto
import CAnnealShim
import Glibc

/// File operations on blobs, with errno turned into `ObjectStoreError` (ENOSPC into `diskFull`).
enum BlobFile {
    static func failure(_ what: String, _ path: String, errno code: Int32 = errno) -> ObjectStoreError {
        let reason = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT {
            return ObjectStoreError(.diskFull, "\(what) \(path): \(reason); free space on the object store's disk")
        }
        return ObjectStoreError(.io, "\(what) \(path): \(reason)")
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(ObjectStoreError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write", path)
            }
            offset += written
        }
    }

    /// Copies `length` bytes at `offset` of `source` to the end of `destination`, in the kernel where it can.
    static func copy(from source: Int32, offset: UInt64, length: UInt64, to destination: Int32, path: String) throws(ObjectStoreError) {
        var input = Int64(offset)
        var remaining = length
        while remaining > 0 {
            let count = anneal_copy_file_range(source, &input, destination, Int(min(remaining, 1 << 30)))
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP {
                    try copyByReading(from: source, offset: UInt64(input), length: remaining, to: destination, path: path)
                    return
                }
                throw failure("cannot copy into", path)
            }
            if count == 0 { throw ObjectStoreError(.io, "cannot copy into \(path): the source blob is shorter than recorded") }
            remaining -= UInt64(count)
        }
    }

    private static func copyByReading(from source: Int32, offset: UInt64, length: UInt64, to destination: Int32,
                                      path: String) throws(ObjectStoreError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position = offset
        var remaining = length
        while remaining > 0 {
            let count = buffer.withUnsafeMutableBytes { pread(source, $0.baseAddress, Int(min(remaining, UInt64($0.count))), off_t(position)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("cannot read the source of", path) }
            let failed = buffer.withUnsafeBytes { raw -> ObjectStoreError? in
                do throws(ObjectStoreError) { try writeAll(destination, UnsafeRawBufferPointer(rebasing: raw[0..<count]), path: path) } catch { return error }
                return nil
            }
            if let failed { throw failed }
            position += UInt64(count)
            remaining -= UInt64(count)
        }
    }

    static func syncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func makeDirectory(_ path: String) throws(ObjectStoreError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw failure("cannot create directory", path) }
    }

    /// Removes a directory tree (bucket directories hold only blob fan-out folders).
    static func removeTree(_ path: String) {
        guard let dir = opendir(path) else {
            unlink(path)
            return
        }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            if entry.pointee.d_type == UInt8(DT_DIR) { removeTree(child) } else { unlink(child) }
        }
        closedir(dir)
        rmdir(path)
    }

    /// A new blob id: 32 random hex digits, never derived from a key.
    static func newID() -> String { SecureRandom.bytes(16).hexString }
}

/// A write in progress: a temporary file under `.tmp/` with a pending row that start-up recovery
/// uses to remove it should the process die before the commit.
final class FileBlobWriter: ObjectWriter {
    let id: String
    let bucket: String
    let temporaryPath: String
    private(set) var descriptor: Int32
    private(set) var bytesWritten: UInt64 = 0
    private weak var store: FileObjectStore?
    private var finished = false

    init(id: String, bucket: String, temporaryPath: String, descriptor: Int32, store: FileObjectStore) {
        self.id = id
        self.bucket = bucket
        self.temporaryPath = temporaryPath
        self.descriptor = descriptor
        self.store = store
    }

    deinit { abort() }

    func write(_ bytes: UnsafeRawBufferPointer) throws(ObjectStoreError) {
        guard !finished else { throw ObjectStoreError(.invalid, "write after the object was committed or aborted") }
        try BlobFile.writeAll(descriptor, bytes, path: temporaryPath)
        bytesWritten += UInt64(bytes.count)
        if bytesWritten - writebackStarted >= Self.writebackStep {
            // Start writing what we have to disk now rather than all of it at the final fsync.
            _ = anneal_start_writeback(descriptor, Int64(writebackStarted), Int64(bytesWritten - writebackStarted))
            writebackStarted = bytesWritten
        }
    }

    private var writebackStarted: UInt64 = 0
    private static let writebackStep: UInt64 = 8 << 20

    /// fsync, close and rename into place; the blob is still unreferenced (pending) afterwards.
    func seal(to path: String, directory: String) throws(ObjectStoreError) {
        guard !finished else { throw ObjectStoreError(.invalid, "the write was already finished") }
        guard fsync(descriptor) == 0 else { throw BlobFile.failure("cannot sync", temporaryPath) }
        close(descriptor)
        descriptor = -1
        try BlobFile.makeDirectory(directory)
        guard rename(temporaryPath, path) == 0 else { throw BlobFile.failure("cannot move a blob into", path) }
        BlobFile.syncDirectory(directory)
        finished = true
    }

    func abort() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
        store?.forgetPending(id)
    }
}
