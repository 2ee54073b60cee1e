import Glibc

/// Crash-safe file writes: a temporary name in the same directory, fsync, rename, fsync of the
/// directory. Readers see the old file or the new one, never a torn one.
public enum SafeFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(ServiceError) {
        let directory = parent(of: path)
        let temporary = "\(directory)/.\(basename(of: path)).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw ServiceError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var ok = fchmod(fd, mode) == 0
        var offset = 0
        while ok && offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { ok = false } else { offset += written }
        }
        ok = ok && fsync(fd) == 0
        let error = errno
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ServiceError("cannot write \(path): \(String(cString: strerror(ok ? errno : error)))")
        }
        syncDirectory(directory)
    }

    public static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws(ServiceError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    public static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            out.append(contentsOf: buffer[0..<count])
        }
        return out
    }

    /// Creates a directory and its parents (like `mkdir -p`).
    public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(ServiceError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw ServiceError("cannot create directory \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
