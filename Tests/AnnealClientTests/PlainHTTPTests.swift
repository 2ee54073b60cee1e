import Foundation
import Glibc
import Testing
@testable import AnnealClient

/// A one-shot server on a loopback socket: accepts one connection, reads the request head (and a
/// body of `Content-Length` bytes), records it, writes `reply` and closes.
final class OneShotServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var received: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(reply: [UInt8]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread.detachNewThread { [self] in serve(reply) }
    }

    private func serve(_ reply: [UInt8]) {
        let connection = accept(listener, nil, nil)
        defer {
            close(connection)
            close(listener)
            done.signal()
        }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            request += buffer[0..<count]
            if let end = PlainHTTP.headerEnd(request) {
                let head = String(decoding: request[0..<end], as: UTF8.self).lowercased()
                let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if request.count >= end + 4 + length { break }
            }
        }
        lock.withLock { received = request }
        _ = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func request() -> String {
        done.wait()
        return lock.withLock { String(decoding: received, as: UTF8.self) }
    }
}

@Suite struct PlainHTTPTests {
    @Test func parsesAReplyHead() throws {
        let head = try PlainHTTP.parseHead(Array("HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\nETag: \"abc\"".utf8)[...])
        #expect(head.status == 404)
        #expect(head.contentLength == 12)
        #expect(!head.chunked)
        #expect(head.headers["etag"] == "\"abc\"")
        let chunked = try PlainHTTP.parseHead(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5".utf8)[...])
        #expect(chunked.chunked && chunked.contentLength == nil)
        #expect(throws: ClientError.self) { try PlainHTTP.parseHead(Array("SSH-2.0-OpenSSH".utf8)[...]) }
        #expect(throws: ClientError.self) { try PlainHTTP.parseHead(Array("HTTP/1.1 200 OK\r\nContent-Length: x".utf8)[...]) }
    }

    @Test func decodesChunksSplitAnywhere() throws {
        let encoded = Array("5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\n".utf8)
        for split in 0...encoded.count {
            var decoder = PlainHTTP.ChunkedDecoder()
            var out = try decoder.feed(encoded[0..<split])
            out += try decoder.feed(encoded[split...])
            #expect(String(decoding: out, as: UTF8.self) == "hello, world", "split at \(split)")
            #expect(decoder.finished)
        }
        var bad = PlainHTTP.ChunkedDecoder()
        #expect(throws: ClientError.self) { try bad.feed(Array("zz\r\n".utf8)[...]) }
        var unterminated = PlainHTTP.ChunkedDecoder()
        #expect(throws: ClientError.self) { try unterminated.feed(Array("2\r\nabX\r\n".utf8)[...]) }
    }

    @Test func streamsABodyIntoAFileAndSendsTheRequestAsGiven() throws {
        let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let server = try OneShotServer(reply: Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plainhttp-\(UUID().uuidString)").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { unlink(path) }
        let reply = try PlainHTTP.run(host: "127.0.0.1", port: server.port, target: "/bucket/key%20x", headers: [("host", "h"), ("x-a", "1")],
                                      into: .file(descriptor))
        close(descriptor)
        #expect(reply.status == 200)
        #expect(reply.written == UInt64(body.count))
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == body)
        let request = server.request()
        #expect(request.hasPrefix("GET /bucket/key%20x HTTP/1.1\r\nhost: h\r\nx-a: 1\r\n"))
    }

    @Test func postsABodyAndReadsAChunkedReply() throws {
        let server = try OneShotServer(reply: Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n".utf8))
        let reply = try PlainHTTP.run(host: "127.0.0.1", port: server.port, method: "POST", target: "/", headers: [("host", "h")],
                                      body: .bytes(Array("{\"x\":2}".utf8)), into: .memory)
        #expect(reply.status == 200)
        #expect(String(decoding: reply.body, as: UTF8.self) == "{\"a\":1}")
        let request = server.request()
        #expect(request.contains("content-length: 7\r\n"))
        #expect(request.hasSuffix("\r\n\r\n{\"x\":2}"))
    }

    @Test func keepsAnErrorDocumentOutOfTheFile() throws {
        let error = "<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"
        let server = try OneShotServer(reply: Array("HTTP/1.1 404 Not Found\r\nContent-Length: \(error.utf8.count)\r\n\r\n\(error)".utf8))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("plainhttp-\(UUID().uuidString)").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { unlink(path) }
        let reply = try PlainHTTP.run(host: "127.0.0.1", port: server.port, target: "/b/k", headers: [("host", "h")], into: .file(descriptor))
        close(descriptor)
        #expect(reply.status == 404)
        #expect(reply.written == 0)
        #expect(String(decoding: reply.body, as: UTF8.self) == error)
        #expect((try? Data(contentsOf: URL(fileURLWithPath: path)))?.isEmpty == true)
        _ = server.request()
    }

    @Test func aTruncatedBodyIsAnError() throws {
        let server = try OneShotServer(reply: Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this".utf8))
        #expect(throws: ClientError.self) {
            try PlainHTTP.run(host: "127.0.0.1", port: server.port, target: "/", headers: [("host", "h")], into: .memory)
        }
        _ = server.request()
    }

    @Test func anUnreachableServerIsAConnectionError() throws {
        // Port 9 (discard) on loopback has no listener here.
        do {
            _ = try PlainHTTP.run(host: "127.0.0.1", port: 9, target: "/", headers: [], into: .memory)
            Issue.record("a request to a closed port succeeded")
        } catch {
            #expect(error.code == "ConnectionError")
            #expect(error.message.contains("cannot connect"))
        }
    }
}

/// A server on a loopback socket that answers every request of every connection with a small 200,
/// counting connections; with `closeAfterFirst` it drops each connection after its first reply
/// (without saying so), as a server does with a connection idle for too long.
final class KeepAliveServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var connections = 0
    private var requests = 0

    init(closeAfterFirst: Bool) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                lock.withLock { connections += 1 }
                Thread.detachNewThread { [self] in serve(connection, closeAfterFirst: closeAfterFirst) }
            }
        }
    }

    private func serve(_ connection: Int32, closeAfterFirst: Bool) {
        defer { close(connection) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            while PlainHTTP.headerEnd(pending) == nil {
                let count = recv(connection, &buffer, buffer.count, 0)
                guard count > 0 else { return }
                pending += buffer[0..<count]
            }
            let end = PlainHTTP.headerEnd(pending)!
            pending.removeFirst(end + 4)
            let number = lock.withLock { requests += 1; return requests }
            let body = "reply \(number)"
            let reply = Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
            _ = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if closeAfterFirst { return }
        }
    }

    var counts: (connections: Int, requests: Int) { lock.withLock { (connections, requests) } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

@Suite struct PlainHTTPKeepAliveTests {
    func get(_ server: KeepAliveServer) throws -> String {
        let reply = try PlainHTTP.run(host: "127.0.0.1", port: server.port, target: "/", headers: [("host", "127.0.0.1")], into: .memory)
        #expect(reply.status == 200)
        return String(decoding: reply.body, as: UTF8.self)
    }

    @Test func consecutiveRequestsShareAConnection() throws {
        let server = try KeepAliveServer(closeAfterFirst: false)
        defer { server.stop() }
        #expect(try get(server) == "reply 1")
        #expect(try get(server) == "reply 2")
        #expect(try get(server) == "reply 3")
        #expect(server.counts.connections == 1)
    }

    /// A kept connection the server has dropped meanwhile: the request goes again on a new one,
    /// once, and the caller never sees the failure.
    @Test func aConnectionTheServerDroppedIsReplaced() throws {
        let server = try KeepAliveServer(closeAfterFirst: true)
        defer { server.stop() }
        #expect(try get(server) == "reply 1")
        usleep(50_000)  // the server has closed its end by now
        #expect(try get(server) == "reply 2")
        #expect(try get(server) == "reply 3")
        #expect(server.counts == (connections: 3, requests: 3))
    }
}
