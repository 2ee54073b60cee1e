import AnnealCore
import Glibc
import Synchronization

/// One structured line per event (logfmt) on standard error. Callers pass only what may be read by
/// anyone: never secret keys, session tokens or signatures.
public struct Logger: Sendable {
    public enum Level: String, Sendable { case debug, info, warning, error }

    private let sink: LogSink
    private let metadata: [(String, String)]
    public var minimumLevel: Level

    public init(minimumLevel: Level = .info, descriptor: Int32 = 2) {
        sink = LogSink(descriptor: descriptor)
        metadata = []
        self.minimumLevel = minimumLevel
    }

    private init(sink: LogSink, metadata: [(String, String)], minimumLevel: Level) {
        self.sink = sink
        self.metadata = metadata
        self.minimumLevel = minimumLevel
    }

    /// A logger that adds `fields` to every line.
    public func with(_ fields: [(String, String)]) -> Logger {
        Logger(sink: sink, metadata: metadata + fields, minimumLevel: minimumLevel)
    }

    public func log(_ level: Level, _ event: String, _ fields: [(String, String)] = []) {
        guard Logger.rank(level) >= Logger.rank(minimumLevel) else { return }
        var line = "time=\(Logger.timestamp()) level=\(level.rawValue) event=\(Logger.quote(event))"
        for (key, value) in metadata + fields {
            line += " \(key)=\(Logger.quote(value))"
        }
        line += "\n"
        sink.write(line)
    }

    /// Whether lines of `level` are written; check it before building costly fields.
    public func isEnabled(_ level: Level) -> Bool { Logger.rank(level) >= Logger.rank(minimumLevel) }

    public func info(_ event: String, _ fields: [(String, String)] = []) { log(.info, event, fields) }
    public func warning(_ event: String, _ fields: [(String, String)] = []) { log(.warning, event, fields) }
    public func error(_ event: String, _ fields: [(String, String)] = []) { log(.error, event, fields) }

    private static func rank(_ level: Level) -> Int {
        switch level {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }

    static func quote(_ value: String) -> String {
        if !value.isEmpty && !value.utf8.contains(where: { $0 <= 0x20 || $0 == 0x22 || $0 == 0x3D || $0 == 0x5C || $0 >= 0x7F }) {
            return value
        }
        return JSONText.quote(value)
    }

    static func timestamp() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = spec.tv_nsec / 1_000_000
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T"
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(millis), width: 3))Z"
    }

    private static func pad(_ value: Int32, width: Int = 2) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// Serialises writes so lines from many threads never interleave.
final class LogSink: Sendable {
    private let descriptor: Int32
    private let lock = Mutex(())

    init(descriptor: Int32) { self.descriptor = descriptor }

    func write(_ line: String) {
        lock.withLock { _ in
            var line = line
            line.withUTF8 { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { if errno == EINTR { continue } else { break } }
                    offset += written
                }
            }
        }
    }
}
