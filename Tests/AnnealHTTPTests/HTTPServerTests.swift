import Foundation
import Glibc
import Synchronization
import Testing
@testable import AnnealHTTP

/// A handler that echoes what it saw, to observe the server from outside.
final class EchoHandler: HTTPHandler {
    let ended = Mutex<[Bool]>([])
    let largest = Atomic<Int>(0)

    func exchange(for head: HTTPRequestHead) -> any HTTPExchange { EchoExchange(head: head, handler: self) }
}

final class EchoExchange: HTTPExchange {
    let head: HTTPRequestHead
    let handler: EchoHandler
    var received = 0
    var digest: UInt64 = 1469598103934665603
    var chunks = 0

    init(head: HTTPRequestHead, handler: EchoHandler) {
        self.head = head
        self.handler = handler
    }

    func start() -> HTTPResponse? {
        if head.rawPath == "/reject-early" { return HTTPResponse(status: 403, text: "no") }
        return nil
    }

    func receive(_ chunk: UnsafeRawBufferPointer) -> HTTPResponse? {
        received += chunk.count
        chunks += 1
        handler.largest.store(max(handler.largest.load(ordering: .relaxed), chunk.count), ordering: .relaxed)
        for byte in chunk { digest = (digest ^ UInt64(byte)) &* 1099511628211 }
        if head.rawPath == "/limit" && received > 1000 { return HTTPResponse(status: 413, text: "too big") }
        return nil
    }

    func finish() -> HTTPResponse {
        switch head.rawPath {
        case "/stream":
            return HTTPResponse(status: 200, body: .stream(length: nil, producer: CountingProducer(total: 300_000)))
        case "/sized-stream":
            return HTTPResponse(status: 200, body: .stream(length: 300_000, producer: CountingProducer(total: 300_000)))
        default:
            let text = "method=\(head.method) path=\(head.rawPath) query=\(head.rawQuery) bytes=\(received) digest=\(digest) "
                + "x=\(head.headers["X-Test"] ?? "-")"
            return HTTPResponse(status: 200, headers: [("X-Reply", "yes")], text: text)
        }
    }

    func end(completed: Bool) { handler.ended.withLock { $0.append(completed) } }
}

/// Produces bytes 0,1,2,...,255,0,... in pieces.
final class CountingProducer: HTTPBodyProducer {
    let total: UInt64
    init(total: UInt64) { self.total = total }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) -> Int {
        guard offset < total else { return 0 }
        let count = min(buffer.count, Int(total - offset), 7000)
        for index in 0..<count { buffer[index] = UInt8(truncatingIfNeeded: offset + UInt64(index)) }
        return count
    }
    func close() {}
}

func fnv(_ bytes: [UInt8]) -> UInt64 {
    var digest: UInt64 = 1469598103934665603
    for byte in bytes { digest = (digest ^ UInt64(byte)) &* 1099511628211 }
    return digest
}

/// A raw HTTP/1.1 exchange over a socket: sends bytes, reads until the server closes.
func rawExchange(port: UInt16, _ payload: [UInt8], readReply: Bool = true, timeout seconds: Int = 10) -> [UInt8] {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return [] }
    payload.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            if n <= 0 { break }
            offset += n
        }
    }
    var reply: [UInt8] = []
    guard readReply else { return reply }
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        reply.append(contentsOf: buffer[0..<n])
    }
    return reply
}

func startServer(_ handler: EchoHandler) throws -> HTTPServer {
    var config = HTTPServerConfig()
    config.port = 0
    config.threads = 2
    return try HTTPServer(config: config, handler: handler)
}

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite(.serialized) struct HTTPServerTests {
    @Test func rawTargetAndHeadersReachTheHandler() throws {
        let handler = EchoHandler()
        let server = try startServer(handler)
        defer { server.shutdown() }
        let reply = text(rawExchange(port: server.port, Array(
            "GET /a%2Fb/c%20d?x=1&list-type=2&uploads HTTP/1.1\r\nHost: h\r\nX-Test: hello\r\nConnection: close\r\n\r\n".utf8)))
        #expect(reply.hasPrefix("HTTP/1.1 200"))
        #expect(reply.contains("path=/a%2Fb/c%20d query=x=1&list-type=2&uploads"))
        #expect(reply.contains("x=hello"))
        #expect(reply.lowercased().contains("x-reply: yes"))
    }

    @Test func bodiesStreamInPiecesAndChunkedIsDecoded() throws {
        let handler = EchoHandler()
        let server = try startServer(handler)
        defer { server.shutdown() }
        let body = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let plain = Array("PUT /up HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
        let reply = text(rawExchange(port: server.port, plain))
        #expect(reply.contains("bytes=3000000 digest=\(fnv(body))"))
        // The server never handed the whole body over at once.
        #expect(handler.largest.load(ordering: .relaxed) < body.count)

        var chunked = Array("PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".utf8)
        for piece in stride(from: 0, to: 100_000, by: 30_000) {
            let slice = Array(body[piece..<min(piece + 30_000, 100_000)])
            chunked += Array(String(slice.count, radix: 16).utf8) + [13, 10] + slice + [13, 10]
        }
        chunked += Array("0\r\n\r\n".utf8)
        let chunkedReply = text(rawExchange(port: server.port, chunked))
        #expect(chunkedReply.contains("bytes=100000 digest=\(fnv(Array(body[0..<100_000])))"))
    }

    @Test func expectContinueIsAnswered() throws {
        let handler = EchoHandler()
        let server = try startServer(handler)
        defer { server.shutdown() }
        let request = "PUT /up HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello"
        let reply = text(rawExchange(port: server.port, Array(request.utf8)))
        #expect(reply.hasPrefix("HTTP/1.1 100 Continue"))
        #expect(reply.contains("HTTP/1.1 200"))
        #expect(reply.contains("bytes=5"))
    }

    @Test func earlyResponsesSkipTheBody() throws {
        let handler = EchoHandler()
        let server = try startServer(handler)
        defer { server.shutdown() }
        let rejected = text(rawExchange(port: server.port, Array(
            "PUT /reject-early HTTP/1.1\r\nHost: h\r\nContent-Length: 100000000\r\nExpect: 100-continue\r\n\r\n".utf8),
            timeout: 1))
        #expect(rejected.hasPrefix("HTTP/1.1 403"))
        #expect(!rejected.contains("100 Continue"))
        let limited = text(rawExchange(port: server.port, Array(
            "PUT /limit HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n".utf8) + [UInt8](repeating: 65, count: 5000)))
        #expect(limited.hasPrefix("HTTP/1.1 413"))
    }

    @Test func streamedResponsesWithAndWithoutLength() throws {
        let handler = EchoHandler()
        let server = try startServer(handler)
        defer { server.shutdown() }
        let expected = (0..<300_000).map { UInt8(truncatingIfNeeded: $0) }
        for path in ["/stream", "/sized-stream"] {
            let reply = rawExchange(port: server.port, Array("GET \(path) HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".utf8))
            let separator: [UInt8] = [13, 10, 13, 10]
            let split = try #require(reply.firstRange(of: separator))
            let head = text(Array(reply[..<split.lowerBound])).lowercased()
            var body = Array(reply[split.upperBound...])
            if head.contains("transfer-encoding: chunked") { body = dechunk(body) } else {
                #expect(head.contains("content-length: 300000"))
            }
            #expect(body == expected, "\(path)")
        }
    }

    @Test func truncatedUploadIsReportedIncomplete() throws {
        let handler = EchoHandler()
        let server = try startServer(handler)
        defer { server.shutdown() }
        _ = rawExchange(port: server.port, Array("PUT /up HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\nonly-a-little".utf8),
                        readReply: false)
        // The socket closed mid-body: the exchange ends, not completed.
        let deadline = ContinuousClock.now + .seconds(5)
        while handler.ended.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(handler.ended.withLock { $0 } == [false])
    }

    @Test func portInUseIsAClearError() throws {
        let handler = EchoHandler()
        let server = try startServer(handler)
        defer { server.shutdown() }
        var config = HTTPServerConfig()
        config.port = server.port
        #expect(throws: HTTPServerError.self) { _ = try HTTPServer(config: config, handler: handler) }
    }
}

func dechunk(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var index = 0
    while index < bytes.count {
        guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else { break }
        let size = Int(text(Array(bytes[index..<lineEnd.lowerBound])), radix: 16) ?? 0
        if size == 0 { break }
        out += bytes[lineEnd.upperBound..<lineEnd.upperBound + size]
        index = lineEnd.upperBound + size + 2
    }
    return out
}
