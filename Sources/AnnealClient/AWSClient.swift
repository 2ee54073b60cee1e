import AnnealAWS
import AnnealCrypto
import Foundation
import Glibc
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

public struct ClientCredentials: Sendable {
    public var accessKeyID: String
    public var secret: String
    public var sessionToken: String?

    public init(accessKeyID: String, secret: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secret = secret
        self.sessionToken = sessionToken
    }
}

/// An error reply (code and message as the service sent them) or a transport failure (status nil).
public struct ClientError: Error, CustomStringConvertible, Sendable {
    public var status: Int?
    public var code: String
    public var message: String

    public init(status: Int?, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" + (status.map { " (HTTP \($0))" } ?? "") }
}

/// A SigV4-signed client of Anneal's own endpoint: what the worker and the CLI use. It speaks the
/// same public APIs as boto3 does.
public final class AWSClient: Sendable {
    public let endpoint: URL
    public let region: String
    let credentials: ClientCredentials
    let session: URLSession

    public init(endpoint: URL, region: String, credentials: ClientCredentials) {
        self.endpoint = endpoint
        self.region = region
        self.credentials = credentials
        let configuration = URLSessionConfiguration.ephemeral
        // A request the server never answers must fail (and be retried) well before a job's MaxRuntime.
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration)
    }

    /// Whether the endpoint is this machine: compressing a body for the loopback costs CPU and saves nothing.
    public var isLoopback: Bool {
        let host = endpoint.host ?? ""
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }

    var hostHeader: String {
        let host = endpoint.host ?? "127.0.0.1"
        let shown = host.contains(":") ? "[\(host)]" : host
        return endpoint.port.map { "\(shown):\($0)" } ?? shown
    }

    /// A JSON-protocol call (`X-Amz-Target: <target>`); returns the reply body.
    /// `gzip` sends the body compressed (`Content-Encoding: gzip`), as botocore does for large
    /// PutMetricData bodies: a bulk upload then costs the transport a tenth of the bytes.
    public func json(signingName: String, target: String, body: [UInt8], jsonVersion: String = "1.1",
                     gzip: Bool = false) async throws(ClientError) -> [UInt8] {
        var extra: [(name: String, value: String)] = [("content-type", "application/x-amz-json-\(jsonVersion)"), ("x-amz-target", target)]
        var payload = body
        if gzip, let compressed = Gzip.compress(body) {
            payload = compressed
            extra.append(("content-encoding", "gzip"))
        }
        let headers = sign(method: "POST", rawPath: "/", rawQuery: "", service: signingName, payloadHash: SHA256.hex(payload),
                           extra: extra)
        let reply = try await exchange(method: "POST", path: "/", headers: headers, body: payload)
        guard (200..<300).contains(reply.status) else { throw Self.jsonError(reply.body, status: reply.status) }
        return reply.body
    }

    /// Encodes `input`, calls `target`, decodes the reply.
    public func call<Input: Encodable, Output: Decodable>(signingName: String, target: String, _ input: Input,
                                                          as output: Output.Type) async throws(ClientError) -> Output {
        let body: Data
        do { body = try JSONEncoder().encode(input) } catch { throw ClientError(status: nil, code: "SerializationError", message: "\(error)") }
        let reply = try await json(signingName: signingName, target: target, body: Array(body))
        do {
            return try JSONDecoder().decode(Output.self, from: Data(reply.isEmpty ? Array("{}".utf8) : reply))
        } catch {
            throw ClientError(status: nil, code: "DeserializationError", message: "cannot read the reply to \(target): \(error)")
        }
    }

    // MARK: - Signing and transport

    func sign(method: String, rawPath: String, rawQuery: String, service: String, payloadHash: String,
              extra: [(name: String, value: String)]) -> [(name: String, value: String)] {
        let signer = SigV4Signer(accessKeyID: credentials.accessKeyID, secret: credentials.secret, region: region, service: service,
                                 sessionToken: credentials.sessionToken)
        return signer.sign(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: [("host", hostHeader)] + extra,
                           payloadHash: payloadHash, time: Int64(Date().timeIntervalSince1970))
    }

    func apply(_ headers: [(name: String, value: String)], to request: inout URLRequest) {
        for (name, value) in headers where name.lowercased() != "host" { request.setValue(value, forHTTPHeaderField: name) }
    }

    /// One signed request (`headers` as `sign` returned them, `host` included): over `PlainHTTP` for
    /// an `http://` endpoint, else through URLSession. The body is `body`, or the file at `bodyFile`;
    /// a 200 reply's body streams into `download` when it is given, else it is returned.
    func exchange(method: String, path: String, query: String = "", headers: [(name: String, value: String)], body: [UInt8] = [],
                  bodyFile: String? = nil, download: Int32? = nil) async throws(ClientError) -> PlainHTTP.Reply {
        let target = path + (query.isEmpty ? "" : "?\(query)")
        if endpoint.scheme == "http", let host = endpoint.host {
            var payload = PlainHTTP.Body.bytes(body)
            var opened: Int32 = -1
            defer { if opened >= 0 { close(opened) } }
            if let bodyFile {
                opened = open(bodyFile, O_RDONLY | O_CLOEXEC)
                var status = stat()
                guard opened >= 0, fstat(opened, &status) == 0 else {
                    throw ClientError(status: nil, code: "LocalReadError", message: "cannot read \(bodyFile): \(String(cString: strerror(errno)))")
                }
                payload = .file(opened, size: UInt64(status.st_size))
            }
            let port = endpoint.port ?? 80
            let destination = download.map { PlainHTTP.Destination.file($0) } ?? .memory
            // Blocking socket I/O runs on a thread of its own, never on the cooperative pool.
            let result: Result<PlainHTTP.Reply, ClientError> = await withCheckedContinuation { continuation in
                Thread.detachNewThread { [payload] in
                    do throws(ClientError) {
                        continuation.resume(returning: .success(try PlainHTTP.run(host: host, port: port, method: method, target: target,
                                                                                  headers: headers, body: payload, into: destination)))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
            return try result.get()
        }
        guard let url = URL(string: endpoint.absoluteString.trimmingSuffix("/") + target) else {
            throw ClientError(status: nil, code: "InvalidURL", message: target)
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        apply(headers, to: &request)
        let (data, response): ([UInt8], HTTPURLResponse)
        if let bodyFile {
            (data, response) = try await perform { session, done in
                session.uploadTask(with: request, fromFile: URL(fileURLWithPath: bodyFile), completionHandler: done)
            }
        } else {
            if !body.isEmpty { request.httpBody = Data(body) }
            (data, response) = try await perform { session, done in session.dataTask(with: request, completionHandler: done) }
        }
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields { headers[String(describing: name).lowercased()] = String(describing: value) }
        var reply = PlainHTTP.Reply(status: response.statusCode, body: data, written: 0, headers: headers)
        if let download, reply.status == 200 {
            guard data.withUnsafeBytes({ PlainHTTP.writeAll($0, to: download) }) else {
                throw ClientError(status: nil, code: "LocalWriteError", message: "cannot write the download: \(String(cString: strerror(errno)))")
            }
            reply.written = UInt64(data.count)
            reply.body = []
        }
        return reply
    }

    /// Runs one URLSession task to completion through its completion handler. Not through the async
    /// `data(for:)` / `upload(for:fromFile:)`: on Linux, cancelling a Swift task while one of those
    /// completes deadlocks (the task's status lock and the session's queue are taken in opposite
    /// orders), and workers cancel their periodic tasks (log flushing, checkpoint sync) at the end of
    /// a job. A request is bounded by the session's timeouts instead of by cancellation.
    private func perform(_ make: (URLSession, @escaping @Sendable (Data?, URLResponse?, (any Error)?) -> Void) -> URLSessionTask)
        async throws(ClientError) -> ([UInt8], HTTPURLResponse) {
        let result: Result<([UInt8], HTTPURLResponse), ClientError> = await withCheckedContinuation { continuation in
            let task = make(session) { [endpoint] data, response, error in
                if let response = response as? HTTPURLResponse, error == nil {
                    continuation.resume(returning: .success((Array(data ?? Data()), response)))
                } else {
                    let reason = error?.localizedDescription ?? "no HTTP response"
                    continuation.resume(returning: .failure(ClientError(status: nil, code: "ConnectionError",
                                                                        message: "cannot reach \(endpoint): \(reason)")))
                }
            }
            task.resume()
        }
        return try result.get()
    }

    static func jsonError(_ data: [UInt8], status: Int) -> ClientError {
        let object = (try? JSONSerialization.jsonObject(with: Data(data))) as? [String: Any]
        var code = (object?["__type"] as? String) ?? String(status)
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        let message = (object?["message"] as? String) ?? (object?["Message"] as? String) ?? String(decoding: data, as: UTF8.self)
        return ClientError(status: status, code: code, message: message)
    }

    static func xmlError(_ data: [UInt8], status: Int) -> ClientError {
        guard let root = try? XMLDocument.parse(data) else {
            return ClientError(status: status, code: String(status), message: String(decoding: data.prefix(300), as: UTF8.self))
        }
        let error = root.name == "Error" ? root : (root.child("Error") ?? root)
        return ClientError(status: status, code: error.child("Code")?.text ?? String(status), message: error.child("Message")?.text ?? "")
    }
}
