import AnnealAWS
import AnnealCore
import AnnealHTTP
import AnnealObjects

/// The S3 REST API (path-style) over an `ObjectStorage`.
public struct S3Service: Sendable {
    let storage: any ObjectStorage
    let region: String
    static let namespace = "http://s3.amazonaws.com/doc/2006-03-01/"
    /// S3's limits: 5 GiB per PUT or part, 5 MiB minimum for every part but the last, 10,000 parts.
    static let maximumObjectSize: UInt64 = 5 * 1024 * 1024 * 1024
    static let minimumPartSize: UInt64 = 5 * 1024 * 1024
    static let maximumPartNumber = 10_000
    /// Bodies parsed as XML documents (DeleteObjects of 1,000 long keys fits).
    static let maximumDocument = 4 * 1024 * 1024

    public init(storage: any ObjectStorage, region: String) {
        self.storage = storage
        self.region = region
    }

    func xml(_ root: String, requestID: String, _ body: (inout XMLWriter) -> Void) -> HTTPResponse {
        var writer = XMLWriter()
        writer.element(root, attributes: [("xmlns", Self.namespace)], body)
        return AWSProtocol.restXML.success(Array(writer.text.utf8), requestID: requestID)
    }

    static func quoted(_ etag: String) -> String { "\"\(etag)\"" }

    /// Runs a store call, turning its errors into S3's.
    @discardableResult
    func call<T>(bucket: String, key: String = "", _ body: () throws(ObjectStoreError) -> T) throws(AWSError) -> T {
        do { return try body() } catch { throw S3Errors.from(error, bucket: bucket, key: key) }
    }

    func requireBucket(_ name: String) throws(AWSError) -> BucketInfo {
        guard let bucket = try call(bucket: name, { () throws(ObjectStoreError) in try storage.bucket(name) }) else {
            throw S3Errors.noSuchBucket(name)
        }
        return bucket
    }
}
