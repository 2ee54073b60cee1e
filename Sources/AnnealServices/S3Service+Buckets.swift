import AnnealAWS
import AnnealCore
import AnnealHTTP
import AnnealObjects

extension S3Service {
    func listBuckets(_ context: CallContext) throws(AWSError) -> HTTPResponse {
        let buckets = try call(bucket: "") { () throws(ObjectStoreError) in try storage.buckets() }
        return xml("ListAllMyBucketsResult", requestID: context.requestID) { xml in
            xml.element("Owner") { xml in
                xml.element("ID", context.principal.accountID)
                xml.element("DisplayName", context.principal.name)
            }
            xml.element("Buckets") { xml in
                for bucket in buckets {
                    xml.element("Bucket") { xml in
                        xml.element("Name", bucket.name)
                        xml.element("CreationDate", S3Time.iso8601(bucket.createdAt))
                        xml.element("BucketRegion", bucket.region)
                    }
                }
            }
        }
    }

    func createBucket(_ request: S3Request, document: [UInt8], context: CallContext) throws(AWSError) -> HTTPResponse {
        if let problem = S3Names.bucketNameProblem(request.bucket) {
            throw AWSError("InvalidBucketName", "The specified bucket is not valid. \(problem).", status: 400,
                           extra: [("BucketName", request.bucket)])
        }
        var location = region
        if !document.isEmpty {
            guard let root = try? XMLDocument.parse(document), root.name == "CreateBucketConfiguration" else {
                throw S3Errors.malformedXML()
            }
            if let constraint = root.child("LocationConstraint")?.text, !constraint.isEmpty { location = constraint }
        }
        try call(bucket: request.bucket) { () throws(ObjectStoreError) in
            try storage.createBucket(request.bucket, region: location, accountID: context.principal.accountID)
        }
        return HTTPResponse(status: 200, headers: [("Location", "/\(request.bucket)"), ("x-amz-request-id", context.requestID)])
    }

    func headBucket(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        let bucket = try requireBucket(request.bucket)
        return HTTPResponse(status: 200, headers: [("x-amz-bucket-region", bucket.region), ("x-amz-request-id", requestID)])
    }

    func deleteBucket(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        try call(bucket: request.bucket) { () throws(ObjectStoreError) in try storage.deleteBucket(request.bucket) }
        return HTTPResponse(status: 204, headers: [("x-amz-request-id", requestID)])
    }

    func bucketLocation(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        let bucket = try requireBucket(request.bucket)
        var writer = XMLWriter()
        // us-east-1 is reported as an empty constraint, as S3 does.
        writer.element("LocationConstraint", attributes: [("xmlns", Self.namespace)]) { xml in
            if bucket.region != "us-east-1" { xml.raw(XMLWriter.escape(bucket.region)) }
        }
        return AWSProtocol.restXML.success(Array(writer.text.utf8), requestID: requestID)
    }

    func deleteObjects(_ request: S3Request, document: [UInt8], context: CallContext) throws(AWSError) -> HTTPResponse {
        _ = try requireBucket(request.bucket)
        guard let root = try? XMLDocument.parse(document), root.name == "Delete" else { throw S3Errors.malformedXML() }
        let objects = root.children(named: "Object")
        guard !objects.isEmpty, objects.count <= 1000 else { throw S3Errors.malformedXML() }
        let quiet = root.child("Quiet")?.text.lowercased() == "true"
        var results: [(key: String, error: AWSError?)] = []
        for object in objects {
            guard let key = object.child("Key")?.text, !key.isEmpty else { throw S3Errors.malformedXML() }
            do {
                try context.authorize("s3:DeleteObject", resource: "arn:aws:s3:::\(request.bucket)/\(key)")
                try call(bucket: request.bucket, key: key) { () throws(ObjectStoreError) in
                    try storage.delete(bucket: request.bucket, key: key)
                }
                results.append((key, nil))
            } catch {
                results.append((key, error))
            }
        }
        return xml("DeleteResult", requestID: context.requestID) { xml in
            for result in results {
                if let error = result.error {
                    xml.element("Error") { xml in
                        xml.element("Key", result.key)
                        xml.element("Code", error.code)
                        xml.element("Message", error.message)
                    }
                } else if !quiet {
                    xml.element("Deleted") { $0.element("Key", result.key) }
                }
            }
        }
    }
}
