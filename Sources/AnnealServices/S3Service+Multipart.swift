import AnnealAWS
import AnnealCrypto
import AnnealHTTP
import AnnealObjects

extension S3Service {
    func createUpload(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        _ = try requireBucket(request.bucket)
        var algorithm: String?
        if let requested = request.head.headers["x-amz-checksum-algorithm"] {
            guard let parsed = ChecksumAlgorithm(rawValue: requested.uppercased()) else {
                throw S3Errors.invalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid "
                    + "types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
            }
            algorithm = parsed.rawValue
        }
        let upload = try call(bucket: request.bucket, key: request.key) { () throws(ObjectStoreError) in
            try storage.createUpload(bucket: request.bucket, key: request.key, metadata: Self.metadata(from: request.head.headers),
                                     checksumAlgorithm: algorithm)
        }
        var response = xml("InitiateMultipartUploadResult", requestID: requestID) { xml in
            xml.element("Bucket", request.bucket)
            xml.element("Key", request.key)
            xml.element("UploadId", upload.uploadID)
        }
        if let algorithm {
            response.headers.append(("x-amz-checksum-algorithm", algorithm))
            response.headers.append(("x-amz-checksum-type", "COMPOSITE"))
        }
        return response
    }

    /// The upload and part number an UploadPart(Copy) names, checked before any byte is stored.
    func validatePart(_ request: S3Request) throws(AWSError) -> (UploadInfo, Int) {
        let uploadID = request.query["uploadId"] ?? ""
        guard let number = request.query["partNumber"].flatMap(Int.init), (1...Self.maximumPartNumber).contains(number) else {
            throw S3Errors.invalidArgument("Part number must be an integer between 1 and 10000, inclusive", name: "partNumber",
                                           value: request.query["partNumber"])
        }
        _ = try requireBucket(request.bucket)
        guard let upload = try call(bucket: request.bucket, { () throws(ObjectStoreError) in try storage.upload(uploadID) }),
              upload.bucket == request.bucket, upload.key == request.key else {
            throw S3Errors.noSuchUpload(uploadID)
        }
        return (upload, number)
    }

    func commitPart(_ request: S3Request, upload: UploadInfo, partNumber: Int, writer: any ObjectWriter,
                    body: S3Payload.Result, requestID: String) throws(AWSError) -> HTTPResponse {
        if let algorithm = upload.checksumAlgorithm, body.checksum?.algorithm.rawValue != algorithm {
            writer.abort()
            throw S3Errors.invalidRequest("Checksum Type mismatch occurred, expected checksum Type: \(algorithm.lowercased()), "
                + "actual checksum Type: \(body.checksum?.algorithm.rawValue.lowercased() ?? "null")")
        }
        let part = try call(bucket: request.bucket, key: request.key) { () throws(ObjectStoreError) in
            try storage.commitPart(writer, uploadID: upload.uploadID, partNumber: partNumber, etag: body.md5Hex,
                                   checksum: body.checksum?.base64)
        }
        var headers: [(name: String, value: String)] = [("ETag", Self.quoted(part.etag)), ("x-amz-request-id", requestID)]
        if let checksum = body.checksum { headers.append((checksum.algorithm.headerName, checksum.base64)) }
        return HTTPResponse(status: 200, headers: headers)
    }

    func uploadPartCopy(_ request: S3Request, context: CallContext) throws(AWSError) -> HTTPResponse {
        let (upload, number) = try validatePart(request)
        let (sourceBucket, sourceKey) = try copySource(request, context: context)
        var range: (UInt64, UInt64)?
        if let text = request.head.headers["x-amz-copy-source-range"] {
            let bounds = text.hasPrefix("bytes=") ? text.dropFirst(6).split(separator: "-").compactMap { UInt64($0) } : []
            guard bounds.count == 2, bounds[0] <= bounds[1] else {
                throw S3Errors.invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
                    + "last are the zero-based offsets of the first and last bytes to copy", name: "x-amz-copy-source-range", value: text)
            }
            range = (bounds[0], bounds[1] - bounds[0] + 1)
        }
        let (writer, md5, _) = try copyData(bucket: sourceBucket, key: sourceKey, range: range, into: request.bucket)
        let part = try call(bucket: request.bucket, key: request.key) { () throws(ObjectStoreError) in
            try storage.commitPart(writer, uploadID: upload.uploadID, partNumber: number, etag: md5, checksum: nil)
        }
        return xml("CopyPartResult", requestID: context.requestID) { xml in
            xml.element("LastModified", S3Time.iso8601(part.lastModified))
            xml.element("ETag", Self.quoted(part.etag))
        }
    }

    func completeUpload(_ request: S3Request, document: [UInt8], requestID: String) throws(AWSError) -> HTTPResponse {
        let uploadID = request.query["uploadId"] ?? ""
        _ = try requireBucket(request.bucket)
        guard let upload = try call(bucket: request.bucket, { () throws(ObjectStoreError) in try storage.upload(uploadID) }),
              upload.bucket == request.bucket, upload.key == request.key else {
            throw S3Errors.noSuchUpload(uploadID)
        }
        guard let root = try? XMLDocument.parse(document), root.name == "CompleteMultipartUpload" else { throw S3Errors.malformedXML() }
        let listed = root.children(named: "Part")
        guard !listed.isEmpty else { throw S3Errors.malformedXML() }
        var stored: [Int: PartInfo] = [:]
        var marker = 0
        while true {
            let page = try call(bucket: request.bucket) { () throws(ObjectStoreError) in
                try storage.parts(uploadID: uploadID, after: marker, limit: 1000)
            }
            for part in page { stored[part.partNumber] = part }
            guard let last = page.last, page.count == 1000 else { break }
            marker = last.partNumber
        }
        let invalidPart = AWSError("InvalidPart", "One or more of the specified parts could not be found.  The part may not have "
            + "been uploaded, or the specified entity tag may not match the part's entity tag.", status: 400)
        var chosen: [PartInfo] = []
        for element in listed {
            guard let number = element.child("PartNumber").flatMap({ Int($0.text.trimmingCharacters()) }),
                  let etag = element.child("ETag")?.text.trimmingCharacters() else { throw S3Errors.malformedXML() }
            if let previous = chosen.last, number <= previous.partNumber {
                throw AWSError("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.",
                               status: 400)
            }
            guard let part = stored[number], Self.etagMatches(etag, part.etag) else { throw invalidPart }
            chosen.append(part)
        }
        for part in chosen.dropLast() where part.size < Self.minimumPartSize {
            throw AWSError("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", status: 400,
                           extra: [("ProposedSize", String(part.size)), ("MinSizeAllowed", String(Self.minimumPartSize)),
                                   ("PartNumber", String(part.partNumber))])
        }
        let md5s = chosen.flatMap { Hex.decode($0.etag) ?? [] }
        let combined = MD5Hasher()
        combined.update(md5s)
        let etag = combined.finalize().hexString + "-\(chosen.count)"
        var checksum: ObjectChecksum?
        if let name = upload.checksumAlgorithm, let algorithm = ChecksumAlgorithm(rawValue: name) {
            let values = chosen.compactMap(\.checksum)
            if values.count == chosen.count, let composite = Checksummer.compositeBase64(algorithm, partChecksumsBase64: values) {
                checksum = ObjectChecksum(algorithm: name, value: "\(composite)-\(chosen.count)", type: "COMPOSITE")
            }
        }
        let info = try call(bucket: request.bucket, key: request.key) { () throws(ObjectStoreError) in
            try storage.completeUpload(uploadID, parts: chosen, etag: etag, checksum: checksum)
        }
        return xml("CompleteMultipartUploadResult", requestID: requestID) { xml in
            xml.element("Location", "/\(request.bucket)/\(request.key)")
            xml.element("Bucket", request.bucket)
            xml.element("Key", request.key)
            xml.element("ETag", Self.quoted(info.etag))
            if let checksum {
                xml.element("Checksum\(checksum.algorithm)", checksum.value)
                xml.element("ChecksumType", checksum.type)
            }
        }
    }

    func abortUpload(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        let uploadID = request.query["uploadId"] ?? ""
        _ = try requireBucket(request.bucket)
        guard let upload = try call(bucket: request.bucket, { () throws(ObjectStoreError) in try storage.upload(uploadID) }),
              upload.bucket == request.bucket, upload.key == request.key else {
            throw S3Errors.noSuchUpload(uploadID)
        }
        try call(bucket: request.bucket) { () throws(ObjectStoreError) in try storage.abortUpload(uploadID) }
        return HTTPResponse(status: 204, headers: [("x-amz-request-id", requestID)])
    }

    func listParts(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        let uploadID = request.query["uploadId"] ?? ""
        _ = try requireBucket(request.bucket)
        guard let upload = try call(bucket: request.bucket, { () throws(ObjectStoreError) in try storage.upload(uploadID) }),
              upload.bucket == request.bucket, upload.key == request.key else {
            throw S3Errors.noSuchUpload(uploadID)
        }
        let limit = try Self.limit(request.query["max-parts"], name: "max-parts")
        let marker = Int(request.query["part-number-marker"] ?? "0") ?? 0
        let parts = try call(bucket: request.bucket) { () throws(ObjectStoreError) in
            try storage.parts(uploadID: uploadID, after: marker, limit: limit + 1)
        }
        let truncated = parts.count > limit
        let shown = Array(parts.prefix(limit))
        return xml("ListPartsResult", requestID: requestID) { xml in
            xml.element("Bucket", request.bucket)
            xml.element("Key", request.key)
            xml.element("UploadId", uploadID)
            xml.element("PartNumberMarker", String(marker))
            if let last = shown.last { xml.element("NextPartNumberMarker", String(last.partNumber)) }
            xml.element("MaxParts", String(limit))
            xml.element("IsTruncated", truncated ? "true" : "false")
            if let algorithm = upload.checksumAlgorithm { xml.element("ChecksumAlgorithm", algorithm) }
            for part in shown {
                xml.element("Part") { xml in
                    xml.element("PartNumber", String(part.partNumber))
                    xml.element("LastModified", S3Time.iso8601(part.lastModified))
                    xml.element("ETag", Self.quoted(part.etag))
                    xml.element("Size", String(part.size))
                    if let checksum = part.checksum, let algorithm = upload.checksumAlgorithm {
                        xml.element("Checksum\(algorithm)", checksum)
                    }
                }
            }
        }
    }

    func listUploads(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        _ = try requireBucket(request.bucket)
        let limit = try Self.limit(request.query["max-uploads"], name: "max-uploads")
        let prefix = request.query["prefix"] ?? ""
        let keyMarker = request.query["key-marker"] ?? ""
        let idMarker = request.query["upload-id-marker"] ?? ""
        let uploads = try call(bucket: request.bucket) { () throws(ObjectStoreError) in
            try storage.uploads(bucket: request.bucket, prefix: prefix, after: keyMarker, uploadIDMarker: idMarker, limit: limit + 1)
        }
        let truncated = uploads.count > limit
        let shown = Array(uploads.prefix(limit))
        return xml("ListMultipartUploadsResult", requestID: requestID) { xml in
            xml.element("Bucket", request.bucket)
            xml.element("KeyMarker", keyMarker)
            xml.element("UploadIdMarker", idMarker)
            if truncated, let last = shown.last {
                xml.element("NextKeyMarker", last.key)
                xml.element("NextUploadIdMarker", last.uploadID)
            }
            xml.element("Prefix", prefix)
            xml.element("MaxUploads", String(limit))
            xml.element("IsTruncated", truncated ? "true" : "false")
            for upload in shown {
                xml.element("Upload") { xml in
                    xml.element("Key", upload.key)
                    xml.element("UploadId", upload.uploadID)
                    xml.element("StorageClass", "STANDARD")
                    xml.element("Initiated", S3Time.iso8601(upload.createdAt))
                    if let algorithm = upload.checksumAlgorithm { xml.element("ChecksumAlgorithm", algorithm) }
                }
            }
        }
    }
}
