import AnnealAWS
import AnnealCore
import AnnealHTTP

/// An S3 REST request, path-style: `/bucket/key?subresource`, decoded once.
struct S3Request {
    enum Operation: String {
        case listBuckets = "ListBuckets"
        case createBucket = "CreateBucket", headBucket = "HeadBucket", deleteBucket = "DeleteBucket"
        case getBucketLocation = "GetBucketLocation", listObjects = "ListObjects", listObjectsV2 = "ListObjectsV2"
        case listMultipartUploads = "ListMultipartUploads", deleteObjects = "DeleteObjects"
        case getBucketVersioning = "GetBucketVersioning"
        case putObject = "PutObject", copyObject = "CopyObject", getObject = "GetObject", headObject = "HeadObject"
        case deleteObject = "DeleteObject"
        case createMultipartUpload = "CreateMultipartUpload", uploadPart = "UploadPart", uploadPartCopy = "UploadPartCopy"
        case completeMultipartUpload = "CompleteMultipartUpload", abortMultipartUpload = "AbortMultipartUpload"
        case listParts = "ListParts"
    }

    let head: HTTPRequestHead
    let bucket: String
    let key: String
    /// Query parameters, percent-decoded (`+` is kept: S3 clients encode spaces as %20).
    let query: [String: String]
    let operation: Operation?

    init(head: HTTPRequestHead) {
        self.head = head
        var path = Substring(head.rawPath)
        if path.hasPrefix("/") { path = path.dropFirst() }
        if let slash = path.firstIndex(of: "/") {
            bucket = QueryForm.decode(path[..<slash], plusIsSpace: false)
            key = QueryForm.decode(path[path.index(after: slash)...], plusIsSpace: false)
        } else {
            bucket = QueryForm.decode(path, plusIsSpace: false)
            key = ""
        }
        query = QueryForm.dictionary(QueryForm.parse(Array(head.rawQuery.utf8), plusIsSpace: false))
        // Presigned URLs carry their signature in the query: it names no subresource.
        let significant = query.filter { !$0.key.hasPrefix("X-Amz-") && $0.key != "x-id" }
        operation = S3Request.operation(method: head.method, bucket: bucket, key: key, query: significant,
                                        copySource: head.headers["x-amz-copy-source"] != nil)
    }

    private static func operation(method: String, bucket: String, key: String, query: [String: String],
                                  copySource: Bool) -> Operation? {
        if bucket.isEmpty { return method == "GET" ? .listBuckets : nil }
        if key.isEmpty {
            switch method {
            case "PUT": return query.isEmpty ? .createBucket : nil
            case "HEAD": return .headBucket
            case "DELETE": return query.isEmpty ? .deleteBucket : nil
            case "POST": return query["delete"] != nil ? .deleteObjects : nil
            case "GET":
                if query["location"] != nil { return .getBucketLocation }
                if query["uploads"] != nil { return .listMultipartUploads }
                if query["versioning"] != nil { return .getBucketVersioning }
                if query["list-type"] == "2" { return .listObjectsV2 }
                let subresources = ["acl", "policy", "cors", "lifecycle", "tagging", "website", "logging", "notification",
                                    "replication", "encryption", "versions", "object-lock", "ownershipControls", "accelerate",
                                    "requestPayment", "publicAccessBlock", "analytics", "metrics", "inventory", "intelligent-tiering"]
                if subresources.contains(where: { query[$0] != nil }) { return nil }
                return .listObjects
            default: return nil
            }
        }
        let multipart = query["uploadId"] != nil
        switch method {
        case "PUT":
            if multipart && query["partNumber"] != nil { return copySource ? .uploadPartCopy : .uploadPart }
            if !query.isEmpty { return nil }
            return copySource ? .copyObject : .putObject
        case "GET": return multipart ? .listParts : (query.keys.contains(where: { !getObjectParameters.contains($0) }) ? nil : .getObject)
        case "HEAD": return .headObject
        case "DELETE": return multipart ? .abortMultipartUpload : .deleteObject
        case "POST":
            if query["uploads"] != nil { return .createMultipartUpload }
            if multipart { return .completeMultipartUpload }
            return nil
        default: return nil
        }
    }

    /// Parameters GetObject accepts (others name subresources Anneal does not serve).
    private static let getObjectParameters: Set<String> = [
        "partNumber", "versionId", "response-content-type", "response-content-language", "response-expires",
        "response-cache-control", "response-content-disposition", "response-content-encoding",
    ]

    var bucketARN: String { "arn:aws:s3:::\(bucket)" }
    var objectARN: String { "arn:aws:s3:::\(bucket)/\(key)" }

    /// The IAM action and resource this request needs.
    var permission: (action: String, resource: String) {
        switch operation {
        case .listBuckets?: ("s3:ListAllMyBuckets", "*")
        case .createBucket?: ("s3:CreateBucket", bucketARN)
        case .deleteBucket?: ("s3:DeleteBucket", bucketARN)
        case .headBucket?, .listObjects?, .listObjectsV2?: ("s3:ListBucket", bucketARN)
        case .getBucketLocation?: ("s3:GetBucketLocation", bucketARN)
        case .getBucketVersioning?: ("s3:GetBucketVersioning", bucketARN)
        case .listMultipartUploads?: ("s3:ListBucketMultipartUploads", bucketARN)
        case .deleteObjects?: ("s3:DeleteObject", bucketARN + "/*")
        case .getObject?, .headObject?: ("s3:GetObject", objectARN)
        case .putObject?, .copyObject?, .createMultipartUpload?, .uploadPart?, .uploadPartCopy?, .completeMultipartUpload?:
            ("s3:PutObject", objectARN)
        case .deleteObject?: ("s3:DeleteObject", objectARN)
        case .abortMultipartUpload?: ("s3:AbortMultipartUpload", objectARN)
        case .listParts?: ("s3:ListMultipartUploadParts", objectARN)
        case nil: ("s3:*", bucketARN)
        }
    }

    /// Whether the operation reads a body worth keeping (objects stream; XML documents buffer).
    var bodyKind: BodyKind {
        switch operation {
        case .putObject?, .uploadPart?: .stream
        case .createBucket?, .deleteObjects?, .completeMultipartUpload?: .document
        default: .ignored
        }
    }

    enum BodyKind { case stream, document, ignored }
}
