import AnnealAWS
import AnnealCrypto
import Foundation
import Glibc
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An `s3://bucket/key` location.
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    public var key: String

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    public init?(uri: String) {
        guard uri.hasPrefix("s3://") else { return nil }
        let rest = uri.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/") else {
            guard !rest.isEmpty else { return nil }
            bucket = String(rest)
            key = ""
            return
        }
        bucket = String(rest[..<slash])
        key = String(rest[rest.index(after: slash)...])
        guard !bucket.isEmpty else { return nil }
    }

    public var description: String { "s3://\(bucket)/\(key)" }
}

extension AWSClient {
    public struct ListedObject: Sendable, Equatable {
        public var key: String
        public var size: UInt64
        public var etag: String = ""
    }

    /// Every object under `prefix` (ListObjectsV2, all pages).
    public func listObjects(bucket: String, prefix: String) async throws(ClientError) -> [ListedObject] {
        var objects: [ListedObject] = []
        var token: String?
        repeat {
            var query = "list-type=2&prefix=\(Self.encode(prefix, keepSlash: false))"
            if let token { query += "&continuation-token=\(Self.encode(token, keepSlash: false))" }
            let (data, status) = try await s3(method: "GET", bucket: bucket, key: "", query: query)
            guard status == 200 else { throw Self.xmlError(data, status: status) }
            guard let root = try? XMLDocument.parse(data) else {
                throw ClientError(status: status, code: "MalformedReply", message: "ListObjectsV2 reply is not XML")
            }
            for entry in root.children(named: "Contents") {
                objects.append(ListedObject(key: entry.child("Key")?.text ?? "", size: UInt64(entry.child("Size")?.text ?? "") ?? 0,
                                            etag: entry.child("ETag")?.text ?? ""))
            }
            token = root.child("IsTruncated")?.text == "true" ? root.child("NextContinuationToken")?.text : nil
        } while token != nil
        return objects
    }

    /// Downloads an object into `file` (replacing it).
    /// Downloads an object into `file` (replacing it): the body streams into a temporary file beside
    /// it, renamed into place when complete.
    public func download(bucket: String, key: String, to file: URL) async throws(ClientError) {
        let path = objectPath(bucket: bucket, key: key)
        let headers = sign(method: "GET", rawPath: path, rawQuery: "", service: "s3", payloadHash: Self.emptyPayloadHash,
                           extra: [("x-amz-content-sha256", Self.emptyPayloadHash)])
        let partial = file.path + ".anneal-part-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ClientError(status: nil, code: "LocalWriteError", message: "cannot write \(file.path): \(String(cString: strerror(errno)))")
        }
        let outcome: Result<PlainHTTP.Reply, ClientError>
        do throws(ClientError) {
            outcome = .success(try await exchange(method: "GET", path: path, headers: headers, download: descriptor))
        } catch {
            outcome = .failure(error)
        }
        close(descriptor)
        let failure: ClientError? = switch outcome {
        case .failure(let error): error
        case .success(let reply) where reply.status != 200: Self.xmlError(reply.body, status: reply.status)
        case .success: rename(partial, file.path) == 0 ? nil
            : ClientError(status: nil, code: "LocalWriteError", message: "cannot write \(file.path): \(String(cString: strerror(errno)))")
        }
        if let failure {
            unlink(partial)
            throw failure
        }
    }

    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    func objectPath(bucket: String, key: String) -> String {
        "/\(Self.encode(bucket, keepSlash: false))" + (key.isEmpty ? "" : "/\(Self.encode(key, keepSlash: true))")
    }

    /// Uploads `file` as one object; returns its ETag.
    @discardableResult
    public func upload(file: URL, bucket: String, key: String, contentType: String = "application/octet-stream") async throws(ClientError) -> String {
        let path = objectPath(bucket: bucket, key: key)
        let headers = sign(method: "PUT", rawPath: path, rawQuery: "", service: "s3", payloadHash: "UNSIGNED-PAYLOAD",
                           extra: [("x-amz-content-sha256", "UNSIGNED-PAYLOAD"), ("content-type", contentType)])
        let reply = try await exchange(method: "PUT", path: path, headers: headers, bodyFile: file.path)
        guard reply.status == 200 else { throw Self.xmlError(reply.body, status: reply.status) }
        return reply.headers["etag"] ?? ""
    }

    func s3(method: String, bucket: String, key: String, query: String) async throws(ClientError) -> ([UInt8], Int) {
        let path = objectPath(bucket: bucket, key: key)
        let headers = sign(method: method, rawPath: path, rawQuery: query, service: "s3",
                           payloadHash: Self.emptyPayloadHash, extra: [("x-amz-content-sha256", Self.emptyPayloadHash)])
        let reply = try await exchange(method: method, path: path, query: query, headers: headers)
        return (reply.body, reply.status)
    }

    /// AWS's URI encoding (unreserved characters kept; `/` kept in keys).
    static func encode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
