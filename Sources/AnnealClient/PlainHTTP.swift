import Foundation
import Glibc
import Synchronization

/// Plain HTTP/1.1 over a socket, for the worker and the CLI when the endpoint is `http://` (HTTPS
/// stays on URLSession). A connection is kept for the next request for a moment (a worker makes a
/// dozen requests in a few seconds; a new connection for each cost the control plane an accept, a
/// connection's memory and a close every time). URLSession on Linux costs milliseconds to set
/// up per process and collects a whole body in memory, copying it twice, before the caller can write
/// it: a 10 MiB channel took 60-100 ms that way, against a few milliseconds streamed to the file here.
enum PlainHTTP {
    struct Reply: Sendable {
        var status: Int
        /// The reply's body when it went to memory: always for `.memory`, and for a `.file` reply
        /// that was not 200 (an error document, at most 64 KiB of it).
        var body: [UInt8]
        /// Bytes written to the file (a 200 to `.file` only).
        var written: UInt64
        /// Header names in lower case.
        var headers: [String: String]
    }

    /// What a request sends.
    enum Body: Sendable {
        case bytes([UInt8])
        /// `size` bytes of an open file, from its start.
        case file(Int32, size: UInt64)

        var count: UInt64 {
            switch self {
            case .bytes(let bytes): UInt64(bytes.count)
            case .file(_, let size): size
            }
        }
    }

    /// Where a reply's body goes.
    enum Destination: Sendable {
        case memory
        /// A 200's body streams into the descriptor; any other status's body is kept in memory.
        case file(Int32)
    }

    /// The parsed head of a reply.
    struct Head: Equatable {
        var status: Int
        var contentLength: UInt64?
        var chunked: Bool
        var headers: [String: String] = [:]
    }

    static let bufferSize = 1 << 20
    static let errorBodyLimit = 64 << 10

    /// Sends `method target` with `headers` (already signed, `host` included) and `body` to
    /// host:port and reads the reply into `destination`. Blocking: callers run it off the
    /// cooperative pool (`perform`).
    static func run(host: String, port: Int, method: String = "GET", target: String, headers: [(name: String, value: String)],
                    body requestBody: Body = .bytes([]), into destination: Destination, timeoutSeconds: Int = 30) throws(ClientError) -> Reply {
        let endpoint = "\(host):\(port)"
        // A kept connection the server has closed meanwhile fails before any byte of a reply: the
        // request then goes again on a new one (the server never saw it).
        if let socket = Idle.take(endpoint) {
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            do {
                return try exchange(socket, endpoint: endpoint, reused: true, method: method, target: target, headers: headers,
                                    body: requestBody, into: destination)
            } catch where error.code == staleConnection {}
        }
        let socket = try connect(host: host, port: port, timeoutSeconds: timeoutSeconds)
        return try exchange(socket, endpoint: endpoint, reused: false, method: method, target: target, headers: headers,
                            body: requestBody, into: destination)
    }

    static let staleConnection = "StaleConnection"

    /// Connections kept for the next request, by endpoint, each with the time it became idle: at
    /// most a few, for at most two seconds (servers close idle connections after tens of seconds).
    enum Idle {
        static let pool = Mutex<[String: [(socket: Int32, since: UInt64)]]>([:])
        static let limit = 4
        static let seconds: UInt64 = 2

        static func take(_ endpoint: String) -> Int32? {
            let now = DispatchTime.now().uptimeNanoseconds
            var expired: [Int32] = []
            let socket: Int32? = pool.withLock { pool in
                defer { if pool[endpoint]?.isEmpty == true { pool[endpoint] = nil } }
                while let last = pool[endpoint]?.popLast() {
                    // Given back by another thread after `now` was read: as fresh as can be.
                    let age = now > last.since ? now - last.since : 0
                    if age < seconds * 1_000_000_000 { return last.socket }
                    expired.append(last.socket)
                }
                return nil
            }
            expired.forEach { close($0) }
            return socket
        }

        static func giveBack(_ socket: Int32, endpoint: String) {
            let kept = pool.withLock { pool -> Bool in
                guard (pool[endpoint]?.count ?? 0) < limit else { return false }
                pool[endpoint, default: []].append((socket, DispatchTime.now().uptimeNanoseconds))
                return true
            }
            if !kept { close(socket) }
        }
    }

    /// One request and its reply on `socket`, which is closed or kept for the next request.
    private static func exchange(_ socket: Int32, endpoint: String, reused: Bool, method: String, target: String,
                                 headers: [(name: String, value: String)], body requestBody: Body,
                                 into destination: Destination) throws(ClientError) -> Reply {
        var keep = false
        defer { if keep { Idle.giveBack(socket, endpoint: endpoint) } else { close(socket) } }
        var request = "\(method) \(target) HTTP/1.1\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if requestBody.count > 0 || method == "POST" || method == "PUT" { request += "content-length: \(requestBody.count)\r\n" }
        request += "\r\n"
        do {
            switch requestBody {
            case .bytes(let bytes):
                // Head and body in one segment where they fit, without copying the body into the head.
                try sendAll(Array(request.utf8), to: socket, more: !bytes.isEmpty)
                if !bytes.isEmpty { try sendAll(bytes, to: socket) }
            case .file(let descriptor, let size):
                try sendAll(Array(request.utf8), to: socket, more: size > 0)
                try sendFile(descriptor, size: size, to: socket)
            }
        } catch where reused {
            throw ClientError(status: nil, code: staleConnection, message: error.message)
        }

        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var pending: [UInt8] = []
        var head: Head?
        // Read until the head is complete.
        while head == nil {
            let count: Int
            do { count = try receive(socket, into: buffer) } catch where reused && pending.isEmpty {
                throw ClientError(status: nil, code: staleConnection, message: error.message)
            }
            if count == 0 && reused && pending.isEmpty { throw ClientError(status: nil, code: staleConnection, message: "closed") }
            guard count > 0 else { throw transport("the connection closed before the reply's headers") }
            pending += UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if let end = headerEnd(pending) {
                head = try parseHead(pending[0..<end])
                pending.removeFirst(end + 4)
            } else if pending.count > 64 << 10 {
                throw transport("the reply's headers are larger than 64 KiB")
            }
        }
        guard let head else { throw transport("no reply") }
        // The connection can carry the next request once this reply has been read to its end.
        let reusable = head.headers["connection"]?.lowercased() != "close"
        var body = BodySink(status: head.status, destination: destination)
        if method == "HEAD" || head.status == 204 || head.status == 304 {
            keep = reusable && pending.isEmpty
            return Reply(status: head.status, body: [], written: 0, headers: head.headers)
        }
        if head.chunked {
            var decoder = ChunkedDecoder()
            try body.take(decoder.feed(pending[...]))
            while !decoder.finished {
                let count = try receive(socket, into: buffer)
                guard count > 0 else { throw transport("the connection closed inside a chunked body") }
                try body.take(decoder.feed(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))[...]))
            }
            // Bytes past the last chunk (trailers aside) would belong to nothing: not kept then.
            keep = reusable && decoder.finishedCleanly
        } else {
            let expected = head.contentLength
            var extra = expected.map { UInt64(pending.count) > $0 } ?? false
            try body.take(expected.map { pending.prefix(Int(min(UInt64(pending.count), $0))) } ?? pending[...])
            while expected.map({ body.received < $0 }) ?? true {
                let count = try receive(socket, into: buffer)
                if count == 0 {
                    guard let expected else { break }
                    throw transport("the connection closed after \(body.received) of \(expected) bytes")
                }
                let wanted = expected.map { Int(min(UInt64(count), $0 - body.received)) } ?? count
                if wanted < count { extra = true }
                try body.take(UnsafeRawBufferPointer(rebasing: buffer[0..<wanted]))
            }
            // A body that ends with the connection, or bytes past it, leave nothing to reuse.
            keep = reusable && expected != nil && !extra
        }
        return Reply(status: head.status, body: body.memory, written: body.descriptor == nil ? 0 : body.received, headers: head.headers)
    }

    /// Where the body goes: the file for a 200 to `.file`, memory otherwise (bounded for an error
    /// document in place of a file).
    struct BodySink {
        let descriptor: Int32?
        let limit: Int
        var received: UInt64 = 0
        var memory: [UInt8] = []

        init(status: Int, destination: Destination) {
            switch destination {
            case .memory: (descriptor, limit) = (nil, Int.max)
            case .file(let file): (descriptor, limit) = status == 200 ? (file, 0) : (nil, PlainHTTP.errorBodyLimit)
            }
        }

        mutating func take<Bytes: Collection>(_ bytes: Bytes) throws(ClientError) where Bytes.Element == UInt8 {
            guard !bytes.isEmpty else { return }
            received += UInt64(bytes.count)
            guard let descriptor else {
                memory += bytes.prefix(max(0, limit - memory.count))
                return
            }
            let written: Bool = bytes.withContiguousStorageIfAvailable { PlainHTTP.writeAll(UnsafeRawBufferPointer($0), to: descriptor) }
                ?? Array(bytes).withUnsafeBytes { PlainHTTP.writeAll($0, to: descriptor) }
            guard written else {
                throw ClientError(status: nil, code: "LocalWriteError", message: "cannot write the download: \(String(cString: strerror(errno)))")
            }
        }
    }

    // MARK: - Parsing (pure)

    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    static func parseHead(_ bytes: ArraySlice<UInt8>) throws(ClientError) -> Head {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw transport("not an HTTP/1.x reply: \(lines.first ?? "")")
        }
        var head = Head(status: status, contentLength: nil, chunked: false)
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            head.headers[name] = value
            if name == "content-length" {
                guard let length = UInt64(value) else { throw transport("bad Content-Length \(value)") }
                head.contentLength = length
            } else if name == "transfer-encoding" && value.lowercased().contains("chunked") {
                head.chunked = true
            }
        }
        if head.chunked { head.contentLength = nil }
        return head
    }

    /// Decodes `Transfer-Encoding: chunked` incrementally: feed it what arrives, it returns the data.
    struct ChunkedDecoder {
        enum State: Equatable { case size, data(UInt64), dataEnd, trailer, done }
        var state = State.size
        var line: [UInt8] = []
        /// Bytes came after the last chunk.
        var extra = false
        var finished: Bool { state == .done }
        var finishedCleanly: Bool { state == .done && !extra }

        mutating func feed(_ input: ArraySlice<UInt8>) throws(ClientError) -> [UInt8] {
            var out: [UInt8] = []
            var index = input.startIndex
            while index < input.endIndex {
                switch state {
                case .size, .dataEnd, .trailer:
                    let byte = input[index]
                    index += 1
                    guard byte == 10 else {
                        if byte != 13 { line.append(byte) }
                        if line.count > 1024 { throw PlainHTTP.transport("a chunk header is too long") }
                        continue
                    }
                    let text = String(decoding: line, as: UTF8.self)
                    line.removeAll()
                    switch state {
                    case .size:
                        let digits = text.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
                        guard let size = UInt64(digits.trimmingCharacters(in: .whitespaces), radix: 16) else {
                            throw PlainHTTP.transport("bad chunk size \(text)")
                        }
                        state = size == 0 ? .trailer : .data(size)
                    case .dataEnd:
                        guard text.isEmpty else { throw PlainHTTP.transport("a chunk does not end with CRLF") }
                        state = .size
                    default:
                        if text.isEmpty { state = .done }
                    }
                case .data(let remaining):
                    let take = Int(min(UInt64(input.endIndex - index), remaining))
                    out += input[index..<(index + take)]
                    index += take
                    state = remaining - UInt64(take) == 0 ? .dataEnd : .data(remaining - UInt64(take))
                case .done:
                    extra = true
                    return out
                }
            }
            return out
        }
    }

    // MARK: - Sockets

    static func transport(_ message: String) -> ClientError {
        ClientError(status: nil, code: "ConnectionError", message: message)
    }

    static func connect(host: String, port: Int, timeoutSeconds: Int) throws(ClientError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(bare, String(port), &hints, &list) == 0, let first = list else {
            throw transport("cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var failure = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let address = entry {
            entry = address.pointee.ai_next
            let socket = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
                                      address.pointee.ai_protocol)
            guard socket >= 0 else { continue }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var one: Int32 = 1
            setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return socket }
            failure = String(cString: strerror(errno))
            close(socket)
        }
        throw transport("cannot connect to \(host):\(port): \(failure)")
    }

    /// `more`: the next send continues this one (MSG_MORE), so a short head and its body share a segment.
    static func sendAll(_ bytes: [UInt8], to socket: Int32, more: Bool = false) throws(ClientError) {
        let flags = Int32(MSG_NOSIGNAL) | (more ? Int32(MSG_MORE) : 0)
        let sent = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = send(socket, buffer.baseAddress! + offset, buffer.count - offset, flags)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        guard sent else { throw transport("cannot send the request: \(String(cString: strerror(errno)))") }
    }

    static func sendFile(_ descriptor: Int32, size: UInt64, to socket: Int32) throws(ClientError) {
        var offset: off_t = 0
        while UInt64(offset) < size {
            let count = sendfile(socket, descriptor, &offset, Int(min(size - UInt64(offset), 1 << 30)))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                throw transport(count == 0 ? "the file ended before \(size) bytes were sent"
                                : "cannot send the file: \(String(cString: strerror(errno)))")
            }
        }
    }

    static func receive(_ socket: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(ClientError) -> Int {
        while true {
            let count = recv(socket, buffer.baseAddress, buffer.count, 0)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw transport("the server sent nothing for the timeout") }
            throw transport("reading the reply failed: \(String(cString: strerror(errno)))")
        }
    }

    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }
}
