/// Request headers with lower-cased names, in the order they arrived; a name may repeat.
public struct HTTPHeaders: Sendable {
    public private(set) var entries: [(name: String, value: String)]

    public init(_ entries: [(name: String, value: String)] = []) {
        self.entries = entries.map { (name: $0.name.lowercased(), value: $0.value) }
    }

    /// The first value of a header, by case-insensitive name.
    public subscript(name: String) -> String? {
        let key = name.lowercased()
        for entry in entries where entry.name == key { return entry.value }
        return nil
    }

    /// Every value of a header, in arrival order.
    public func values(_ name: String) -> [String] {
        let key = name.lowercased()
        return entries.filter { $0.name == key }.map(\.value)
    }

    public mutating func append(name: String, value: String) {
        entries.append((name: name.lowercased(), value: value))
    }
}

/// What the server knows of a request once its headers are in, before any body byte is read.
public struct HTTPRequestHead: Sendable {
    public var method: String
    /// The path exactly as sent, still percent-encoded.
    public var rawPath: String
    /// The query string exactly as sent (after `?`), or "".
    public var rawQuery: String
    public var headers: HTTPHeaders
    public var remoteAddress: String
    public var isSecure: Bool
    /// Monotonic nanoseconds when the request line arrived.
    public var startedAt: UInt64

    public init(method: String, rawPath: String, rawQuery: String, headers: HTTPHeaders,
                remoteAddress: String = "127.0.0.1", isSecure: Bool = false, startedAt: UInt64 = 0) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
        self.startedAt = startedAt
    }

    /// Splits a raw request target (`/a/b?x=1`) into path and query.
    public static func split(target: String) -> (path: String, query: String) {
        guard let mark = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }
}

/// Supplies a response body piece by piece, so large objects never sit in memory.
public protocol HTTPBodyProducer: AnyObject {
    /// Fills `buffer` with bytes starting at `offset` of the body. Returns the count written,
    /// 0 at the end of the body, or -1 when the body cannot be produced (the connection is closed).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) -> Int
    /// Called once when the server is done with the producer.
    func close()
}

public enum HTTPBody {
    case empty
    case bytes([UInt8])
    /// A file range; the server takes ownership of the descriptor and closes it.
    case file(descriptor: Int32, offset: UInt64, length: UInt64)
    /// A streamed body; `length` nil means unknown (sent chunked).
    case stream(length: UInt64?, producer: any HTTPBodyProducer)
}

public struct HTTPResponse {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: HTTPBody

    public init(status: Int, headers: [(name: String, value: String)] = [], body: HTTPBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, headers: [(name: String, value: String)] = [], text: String) {
        self.init(status: status, headers: headers, body: .bytes(Array(text.utf8)))
    }

    /// The declared body length, when known.
    public var bodyLength: UInt64? {
        switch body {
        case .empty: 0
        case .bytes(let bytes): UInt64(bytes.count)
        case .file(_, _, let length): length
        case .stream(let length, _): length
        }
    }
}

/// One request's conversation with the application, driven by the server from one thread at a time.
public protocol HTTPExchange: AnyObject {
    /// Called once the headers are in. A non-nil response is sent at once and the body is not read
    /// (so a bad signature never costs the upload of a large body).
    func start() -> HTTPResponse?
    /// Called for each piece of the request body. A non-nil response stops reading and is sent.
    func receive(_ chunk: UnsafeRawBufferPointer) -> HTTPResponse?
    /// Called after the last body byte.
    func finish() -> HTTPResponse
    /// Called once when the request is over: `completed` is false when the client went away or the
    /// connection failed before the response was fully sent (a truncated upload must store nothing).
    func end(completed: Bool)
}

/// The application side of the server. It is shared by every server thread.
public protocol HTTPHandler: Sendable {
    func exchange(for head: HTTPRequestHead) -> any HTTPExchange
}
