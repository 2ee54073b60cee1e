import CAnnealShim
import CMicroHTTPD
import Glibc
import Synchronization

public struct HTTPServerConfig: Sendable {
    public var host = "127.0.0.1"
    public var port: UInt16 = 8717
    public var threads = 4
    public var connectionLimit = 1000
    public var perIPConnectionLimit = 256
    /// Seconds a connection may stay silent (slow clients, idle keep-alive) before it is closed.
    public var connectionTimeout = 30
    /// Per-connection buffer; it bounds the request line and headers (larger ones get 431).
    public var connectionMemoryLimit = 64 * 1024
    public var tlsKeyPEM: String?
    public var tlsCertPEM: String?

    public init() {}
}

public struct HTTPServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// State the C callbacks reach through their `cls` pointer.
final class ServerContext: Sendable {
    let handler: any HTTPHandler
    let isSecure: Bool
    let inFlight = Atomic<Int>(0)

    init(handler: any HTTPHandler, isSecure: Bool) {
        self.handler = handler
        self.isSecure = isSecure
    }
}

/// Per-request state, kept in MHD's `con_cls` from the request line to the completion notice.
final class RequestContext {
    let rawTarget: String
    let startedAt: UInt64
    var exchange: (any HTTPExchange)?
    var pendingResponse: HTTPResponse?
    var discarded = 0
    var responded = false

    init(rawTarget: String, startedAt: UInt64) {
        self.rawTarget = rawTarget
        self.startedAt = startedAt
    }
}

/// An HTTP/1.1 server on libmicrohttpd: keep-alive, chunked bodies, `Expect: 100-continue`,
/// connection limits and timeouts come from the library; bodies stream through `HTTPExchange`.
public final class HTTPServer: Sendable {
    private let context: ServerContext
    private let daemon: Mutex<DaemonHandle?>
    /// The port actually bound (differs from the configured one when that was 0).
    public let port: UInt16

    public init(config: HTTPServerConfig, handler: any HTTPHandler) throws(HTTPServerError) {
        let context = ServerContext(handler: handler, isSecure: config.tlsKeyPEM != nil)
        self.context = context
        let cls = Unmanaged.passUnretained(context).toOpaque()
        let started: OpaquePointer? = config.host.withCString { host in
            withOptionalCString(config.tlsKeyPEM) { key in
                withOptionalCString(config.tlsCertPEM) { cert in
                    var c = anneal_mhd_config()
                    c.host = host
                    c.port = config.port
                    c.thread_pool_size = UInt32(max(1, config.threads))
                    c.connection_limit = UInt32(config.connectionLimit)
                    c.per_ip_connection_limit = UInt32(config.perIPConnectionLimit)
                    c.connection_timeout_s = UInt32(config.connectionTimeout)
                    c.connection_memory_limit = config.connectionMemoryLimit
                    c.tls_key_pem = key
                    c.tls_cert_pem = cert
                    c.handler = mhdAccessHandler
                    c.handler_cls = cls
                    c.completed = mhdRequestCompleted
                    c.completed_cls = cls
                    c.uri_log = mhdURILog
                    c.uri_log_cls = cls
                    return withUnsafePointer(to: &c) { anneal_mhd_start($0) }
                }
            }
        }
        guard let started else {
            let reason = String(cString: strerror(errno))
            throw HTTPServerError(message: "cannot listen on \(config.host):\(config.port): \(reason); "
                + "choose another --port or --host, or check the TLS key and certificate")
        }
        daemon = Mutex(DaemonHandle(pointer: started))
        port = anneal_mhd_bound_port(started)
    }

    /// Requests currently being served.
    public var inFlight: Int { context.inFlight.load(ordering: .relaxed) }

    /// Stops accepting connections, lets in-flight requests finish (up to `grace`), then stops.
    public func shutdown(grace: Duration = .seconds(30)) {
        guard let current = daemon.withLock({ $0 }) else { return }
        let listener = MHD_quiesce_daemon(current.pointer)
        if listener >= 0 { close(listener) }
        let deadline = ContinuousClock.now + grace
        while context.inFlight.load(ordering: .acquiring) > 0 && ContinuousClock.now < deadline {
            usleep(10_000)
        }
        daemon.withLock { pointer in
            if let handle = pointer { MHD_stop_daemon(handle.pointer) }
            pointer = nil
        }
    }

    deinit {
        daemon.withLock { pointer in
            if let handle = pointer { MHD_stop_daemon(handle.pointer) }
            pointer = nil
        }
    }
}

/// The MHD daemon pointer; MHD itself is thread-safe for the calls made on it here.
struct DaemonHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

/// Monotonic clock in nanoseconds.
/// CPU time the calling thread has used, in nanoseconds.
public func threadCPUNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

public func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}
