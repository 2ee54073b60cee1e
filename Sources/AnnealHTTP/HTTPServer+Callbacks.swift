import CAnnealShim
import CMicroHTTPD
import Glibc

// The C callbacks of libmicrohttpd. They capture nothing: the server's state travels through `cls`,
// the request's through `con_cls`. They live outside main.swift on purpose (see STYLE.md).

/// Called with the raw request target before MHD decodes anything; its result becomes `con_cls`.
let mhdURILog: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, OpaquePointer?) -> UnsafeMutableRawPointer? = {
    cls, uri, _ in
    guard let cls else { return nil }
    let server = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    server.inFlight.add(1, ordering: .relaxed)
    let target = uri.map { String(cString: $0) } ?? "/"
    let request = RequestContext(rawTarget: target, startedAt: monotonicNanoseconds())
    return Unmanaged.passRetained(request).toOpaque()
}

let mhdAccessHandler: MHD_AccessHandlerCallback = {
    cls, connection, _, method, _, uploadData, uploadSize, conCls in
    guard let cls, let connection, let conCls, let raw = conCls.pointee else { return .NO }
    let server = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    let request = Unmanaged<RequestContext>.fromOpaque(raw).takeUnretainedValue()
    if request.responded {
        uploadSize?.pointee = 0
        return .YES
    }
    if let pending = request.pendingResponse {
        // Answered already (from the headers of a bodiless request, or mid-body): the rest of the
        // body is read and dropped so the reply is not lost to a reset connection, and sent on the
        // call that ends the request. Past `discardLimit` it goes out at once and the connection closes.
        if let uploadSize, uploadSize.pointee > 0 {
            request.discarded += uploadSize.pointee
            uploadSize.pointee = 0
            guard request.discarded > discardLimit else { return .YES }
        }
        request.pendingResponse = nil
        request.responded = true
        return queue(pending, on: connection)
    }
    guard let exchange = request.exchange else {
        let (path, query) = HTTPRequestHead.split(target: request.rawTarget)
        let head = HTTPRequestHead(
            method: method.map { String(cString: $0) } ?? "GET",
            rawPath: path, rawQuery: query,
            headers: collectHeaders(connection),
            remoteAddress: clientAddress(connection),
            isSecure: server.isSecure,
            startedAt: request.startedAt)
        let exchange = server.handler.exchange(for: head)
        request.exchange = exchange
        if let response = exchange.start() {
            if hasNoBody(head.headers) {
                request.pendingResponse = response
                return .YES
            }
            // The body is not wanted: answer now; MHD then closes the connection unread.
            request.responded = true
            return queue(response, on: connection)
        }
        return .YES
    }
    if let uploadSize, uploadSize.pointee > 0 {
        let chunk = UnsafeRawBufferPointer(start: uploadData, count: uploadSize.pointee)
        uploadSize.pointee = 0
        if let response = exchange.receive(chunk) {
            request.pendingResponse = response
        }
        return .YES
    }
    request.responded = true
    return queue(exchange.finish(), on: connection)
}

let mhdRequestCompleted: MHD_RequestCompletedCallback = { cls, _, conCls, termination in
    guard let cls, let conCls, let raw = conCls.pointee else { return }
    conCls.pointee = nil
    let server = Unmanaged<ServerContext>.fromOpaque(cls).takeUnretainedValue()
    let request = Unmanaged<RequestContext>.fromOpaque(raw).takeRetainedValue()
    request.exchange?.end(completed: termination == .REQUEST_TERMINATED_COMPLETED_OK)
    server.inFlight.subtract(1, ordering: .relaxed)
}

/// How much of an unwanted request body is read and dropped so an early reply reaches the client.
private let discardLimit = 64 * 1024 * 1024

private func hasNoBody(_ headers: HTTPHeaders) -> Bool {
    headers["transfer-encoding"] == nil && (headers["content-length"].map { $0 == "0" } ?? true)
}

/// Collects the request headers in arrival order.
private final class HeaderCollector {
    var headers = HTTPHeaders()
}

private func collectHeaders(_ connection: OpaquePointer) -> HTTPHeaders {
    let collector = HeaderCollector()
    let box = Unmanaged.passUnretained(collector).toOpaque()
    _ = MHD_get_connection_values(connection, .HEADER_KIND, { cls, _, key, value in
        guard let cls, let key else { return .YES }
        let collector = Unmanaged<HeaderCollector>.fromOpaque(cls).takeUnretainedValue()
        collector.headers.append(name: String(cString: key), value: value.map { String(cString: $0) } ?? "")
        return .YES
    }, box)
    return withExtendedLifetime(collector) { collector.headers }
}

private func clientAddress(_ connection: OpaquePointer) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    guard anneal_mhd_client_address(connection, &buffer, buffer.count) == 0 else { return "unknown" }
    let length = buffer.firstIndex(of: 0) ?? buffer.count
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Owns a body producer for the lifetime of an MHD response.
private final class ProducerBox {
    let producer: any HTTPBodyProducer
    let length: UInt64?
    init(_ producer: any HTTPBodyProducer, length: UInt64?) {
        self.producer = producer
        self.length = length
    }
}

private let contentReaderEndOfStream = -1
private let contentReaderEndWithError = -2

private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
    let created: OpaquePointer?
    switch response.body {
    case .empty:
        created = MHD_create_response_from_buffer(0, nil, .RESPMEM_PERSISTENT)
    case .bytes(let bytes):
        created = bytes.withUnsafeBytes { buffer in
            MHD_create_response_from_buffer(buffer.count, UnsafeMutableRawPointer(mutating: buffer.baseAddress),
                                            .RESPMEM_MUST_COPY)
        }
    case .file(let descriptor, let offset, let length):
        created = MHD_create_response_from_fd_at_offset64(length, descriptor, offset)
    case .stream(let length, let producer):
        let box = Unmanaged.passRetained(ProducerBox(producer, length: length)).toOpaque()
        created = MHD_create_response_from_callback(length ?? UInt64.max, 64 * 1024, { cls, position, buffer, max in
            guard let cls, let buffer else { return contentReaderEndWithError }
            let box = Unmanaged<ProducerBox>.fromOpaque(cls).takeUnretainedValue()
            let count = box.producer.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: max), at: position)
            if count > 0 { return count }
            if count == 0 && box.length == nil { return contentReaderEndOfStream }
            return contentReaderEndWithError
        }, box, { cls in
            guard let cls else { return }
            let box = Unmanaged<ProducerBox>.fromOpaque(cls).takeRetainedValue()
            box.producer.close()
        })
        if created == nil { Unmanaged<ProducerBox>.fromOpaque(box).release() }
    }
    guard let created else { return .NO }
    defer { MHD_destroy_response(created) }
    for header in response.headers {
        _ = MHD_add_response_header(created, header.name, header.value)
    }
    return MHD_queue_response(connection, UInt32(response.status), created)
}
