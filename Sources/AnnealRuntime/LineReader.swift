import Foundation

/// Reads a pipe line by line on its own thread (reads block), handing each line on with its time.
final class LineReader: Sendable {
    static func start(descriptor: Int32, onLine: @escaping @Sendable (String, Int64) -> Void, onEnd: @escaping @Sendable () -> Void) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            var partial: [UInt8] = []
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                var start = 0
                for index in 0..<count where buffer[index] == 10 {
                    partial.append(contentsOf: buffer[start..<index])
                    onLine(Self.text(partial), now)
                    partial.removeAll(keepingCapacity: true)
                    start = index + 1
                }
                partial.append(contentsOf: buffer[start..<count])
                // Lines of megabytes are split (at a character boundary), not held without bound.
                while partial.count >= Self.maximumLine {
                    var cut = Self.maximumLine
                    while cut > 0 && (partial[cut] & 0xC0) == 0x80 { cut -= 1 }
                    onLine(Self.text(Array(partial[..<cut])), now)
                    partial.removeFirst(cut)
                }
            }
            if !partial.isEmpty { onLine(Self.text(partial), Int64(Date().timeIntervalSince1970 * 1000)) }
            close(descriptor)
            onEnd()
        }
        thread.start()
    }

    /// Reads the training process's output into `shipper`, a read's bytes at a time: this thread only
    /// copies (the shipper cuts the lines), so the pipe is drained as fast as the script fills it.
    static func start(descriptor: Int32, shipper: LogShipper, onEnd: @escaping @Sendable () -> Void) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 256 * 1024)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                let waiting = shipper.add(output: Array(buffer[..<count]), source: descriptor, at: Int64(Date().timeIntervalSince1970 * 1000))
                // Output the platform cannot take as fast as it comes waits in the pipe (and the script
                // with it) once `outputLimit` bytes are held here.
                if waiting > LogShipper.outputLimit {
                    while shipper.outputWaiting > LogShipper.outputLimit / 2 { usleep(2000) }
                }
                // A script printing steadily would otherwise wake this thread for each of its writes
                // (a few KiB): on a VM every such wakeup costs the writer more than the write. A
                // short pause after a short read lets output gather in the pipe (1 MiB): the script
                // rarely waits, and this thread wakes a few hundred times a second at most. A line
                // after a quiet spell is still read (and timed) the moment it comes.
                if count < Self.gatherBelow { usleep(Self.gatherMicroseconds) }
            }
            shipper.endOutput(source: descriptor, at: Int64(Date().timeIntervalSince1970 * 1000))
            close(descriptor)
            onEnd()
        }
        thread.start()
    }

    /// A line's text without its carriage return, from bytes (invalid UTF-8 repaired).
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var end = bytes.count
        if end > 0 && bytes[end - 1] == 13 { end -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
    }

    /// After a read shorter than `gatherBelow` bytes, the reader pauses `gatherMicroseconds`.
    static let gatherBelow = 256 * 1024
    static let gatherMicroseconds: useconds_t = 5000

    /// CloudWatch Logs takes events of up to 256 KiB.
    static let maximumLine = 256 * 1024 - 64

    static func text(_ bytes: [UInt8]) -> String {
        var line = String(decoding: bytes, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}
