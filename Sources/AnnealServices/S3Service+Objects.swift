import AnnealAWS
import AnnealCrypto
import AnnealHTTP
import AnnealObjects
import Glibc

extension S3Service {
    func putObject(_ request: S3Request, writer: any ObjectWriter, body: S3Payload.Result, requestID: String) throws(AWSError) -> HTTPResponse {
        let checksum = body.checksum.map { ObjectChecksum(algorithm: $0.algorithm.rawValue, value: $0.base64) }
        let info = try call(bucket: request.bucket, key: request.key) { () throws(ObjectStoreError) in
            try storage.commit(writer, key: request.key, metadata: Self.metadata(from: request.head.headers),
                               etag: body.md5Hex, checksum: checksum)
        }
        var headers: [(name: String, value: String)] = [("ETag", Self.quoted(info.etag)), ("x-amz-request-id", requestID)]
        if let checksum = body.checksum { headers.append((checksum.algorithm.headerName, checksum.base64)) }
        return HTTPResponse(status: 200, headers: headers)
    }

    func getObject(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        if request.query["partNumber"] != nil {
            throw S3Errors.notImplemented(request.head.method, "GetObject with partNumber")
        }
        _ = try requireBucket(request.bucket)
        guard let object = try call(bucket: request.bucket, key: request.key, { () throws(ObjectStoreError) in
            try storage.open(bucket: request.bucket, key: request.key)
        }) else {
            throw S3Errors.noSuchKey(request.bucket, request.key)
        }
        let info = object.info
        var owned = true
        defer { if owned { close(object.descriptor) } }
        let headers = request.head.headers
        switch Self.evaluateConditions(headers, info: info) {
        case .proceed: break
        case .notModified:
            return HTTPResponse(status: 304, headers: [("ETag", Self.quoted(info.etag)), ("Last-Modified", S3Time.httpDate(info.lastModified)),
                                                       ("x-amz-request-id", requestID)])
        case .failed:
            throw AWSError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", status: 412,
                           extra: [("Condition", headers["if-match"] != nil ? "If-Match" : "If-Unmodified-Since")])
        }
        var response = HTTPResponse(status: 200, headers: objectHeaders(info, request: request, requestID: requestID))
        switch Self.range(headers["range"], size: info.size) {
        case .full:
            response.body = .file(descriptor: object.descriptor, offset: 0, length: info.size)
            if headers["x-amz-checksum-mode"]?.uppercased() == "ENABLED", let checksum = info.checksum {
                response.headers.append(("x-amz-checksum-\(checksum.algorithm.lowercased())", checksum.value))
                response.headers.append(("x-amz-checksum-type", checksum.type))
            }
        case .partial(let offset, let length):
            response.status = 206
            response.headers.append(("Content-Range", "bytes \(offset)-\(offset + length - 1)/\(info.size)"))
            response.body = .file(descriptor: object.descriptor, offset: offset, length: length)
        case .unsatisfiable:
            throw AWSError("InvalidRange", "The requested range is not satisfiable", status: 416,
                           extra: [("RangeRequested", headers["range"] ?? ""), ("ActualObjectSize", String(info.size))])
        }
        owned = false  // the server closes the descriptor with the response
        return response
    }

    func deleteObject(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        _ = try requireBucket(request.bucket)
        try call(bucket: request.bucket, key: request.key) { () throws(ObjectStoreError) in
            try storage.delete(bucket: request.bucket, key: request.key)
        }
        return HTTPResponse(status: 204, headers: [("x-amz-request-id", requestID)])
    }

    func copyObject(_ request: S3Request, context: CallContext) throws(AWSError) -> HTTPResponse {
        let (sourceBucket, sourceKey) = try copySource(request, context: context)
        let replace = request.head.headers["x-amz-metadata-directive"]?.uppercased() == "REPLACE"
        if sourceBucket == request.bucket && sourceKey == request.key && !replace {
            throw S3Errors.invalidRequest("This copy request is illegal because it is trying to copy an object to itself without "
                + "changing the object's metadata, storage class, website redirect location or encryption attributes.")
        }
        let (writer, md5, source) = try copyData(bucket: sourceBucket, key: sourceKey, range: nil, into: request.bucket)
        let metadata = replace ? Self.metadata(from: request.head.headers) : source.metadata
        let info = try call(bucket: request.bucket, key: request.key) { () throws(ObjectStoreError) in
            try storage.commit(writer, key: request.key, metadata: metadata, etag: md5, checksum: replace ? nil : source.checksum)
        }
        return xml("CopyObjectResult", requestID: context.requestID) { xml in
            xml.element("LastModified", S3Time.iso8601(info.lastModified))
            xml.element("ETag", Self.quoted(info.etag))
        }
    }

    /// The bucket and key named by `x-amz-copy-source`, after checking the caller may read it.
    func copySource(_ request: S3Request, context: CallContext) throws(AWSError) -> (String, String) {
        // Cut `?versionId=` off the raw header first: a `?` inside the key arrives encoded as %3F.
        var raw = Substring(request.head.headers["x-amz-copy-source"] ?? "")
        if let mark = raw.firstIndex(of: "?") { raw = raw[..<mark] }
        var source = QueryForm.decode(raw, plusIsSpace: false)
        if source.hasPrefix("/") { source.removeFirst() }
        guard let slash = source.firstIndex(of: "/"), slash != source.startIndex, source.index(after: slash) != source.endIndex else {
            throw S3Errors.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
                                           name: "x-amz-copy-source", value: source)
        }
        let bucket = String(source[..<slash])
        let key = String(source[source.index(after: slash)...])
        try context.authorize("s3:GetObject", resource: "arn:aws:s3:::\(bucket)/\(key)")
        return (bucket, key)
    }

    /// Copies an object's bytes (or a range of them) into a new write, hashing them for the ETag.
    func copyData(bucket: String, key: String, range: (UInt64, UInt64)?, into target: String) throws(AWSError) -> (any ObjectWriter, String, ObjectInfo) {
        _ = try requireBucket(bucket)
        guard let source = try call(bucket: bucket, key: key, { () throws(ObjectStoreError) in
            try storage.open(bucket: bucket, key: key)
        }) else { throw S3Errors.noSuchKey(bucket, key) }
        defer { close(source.descriptor) }
        let offset = range?.0 ?? 0
        let length = range?.1 ?? source.info.size
        guard offset + length <= source.info.size else {
            throw AWSError("InvalidRange", "The requested range is not satisfiable", status: 416)
        }
        let writer = try call(bucket: target) { () throws(ObjectStoreError) in try storage.beginWrite(bucket: target) }
        let md5 = MD5Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position = offset
        let end = offset + length
        while position < end {
            let wanted = Int(min(UInt64(buffer.count), end - position))
            let count = buffer.withUnsafeMutableBytes { pread(source.descriptor, $0.baseAddress, wanted, off_t(position)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                writer.abort()
                throw AWSError("InternalError", "cannot read the copy source \(bucket)/\(key)", status: 500, senderFault: false)
            }
            let failure = buffer.withUnsafeBytes { raw -> ObjectStoreError? in
                let slice = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                md5.update(slice)
                do throws(ObjectStoreError) { try writer.write(slice) } catch { return error }
                return nil
            }
            if let failure {
                writer.abort()
                throw S3Errors.from(failure, bucket: target)
            }
            position += UInt64(count)
        }
        return (writer, md5.finalize().hexString, source.info)
    }

    // MARK: - Headers

    static func metadata(from headers: HTTPHeaders) -> ObjectMetadata {
        var metadata = ObjectMetadata(contentType: headers["content-type"])
        for name in ObjectMetadata.storedHeaders {
            guard var value = headers[name] else { continue }
            if name == "Content-Encoding" {
                // aws-chunked describes the transfer, not the object: S3 drops it.
                value = value.split(separator: ",").map { $0.trimmingCharacters() }.filter { $0 != "aws-chunked" }.joined(separator: ",")
                if value.isEmpty { continue }
            }
            metadata.headers[name] = value
        }
        for entry in headers.entries where entry.name.hasPrefix("x-amz-meta-") {
            metadata.user[String(entry.name.dropFirst("x-amz-meta-".count))] = entry.value
        }
        return metadata
    }

    func objectHeaders(_ info: ObjectInfo, request: S3Request, requestID: String) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("ETag", Self.quoted(info.etag)), ("Last-Modified", S3Time.httpDate(info.lastModified)), ("Accept-Ranges", "bytes"),
            ("x-amz-request-id", requestID),
        ]
        let overrides: [(String, String)] = [
            ("response-content-type", "Content-Type"), ("response-content-language", "Content-Language"),
            ("response-expires", "Expires"), ("response-cache-control", "Cache-Control"),
            ("response-content-disposition", "Content-Disposition"), ("response-content-encoding", "Content-Encoding"),
        ]
        var values = info.metadata.headers
        values["Content-Type"] = info.metadata.contentType ?? "binary/octet-stream"
        for (parameter, header) in overrides { if let value = request.query[parameter] { values[header] = value } }
        for (name, value) in values.sorted(by: { $0.key < $1.key }) { headers.append((name, value)) }
        for (name, value) in info.metadata.user.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(name)", value)) }
        if let parts = info.partsCount { headers.append(("x-amz-mp-parts-count", String(parts))) }
        return headers
    }

    enum Conditions { case proceed, notModified, failed }

    /// If-Match / If-Unmodified-Since (412) and If-None-Match / If-Modified-Since (304), as S3 combines them.
    static func evaluateConditions(_ headers: HTTPHeaders, info: ObjectInfo) -> Conditions {
        let modified = info.lastModified.rounded(.down)
        if let match = headers["if-match"] {
            if !etagMatches(match, info.etag) { return .failed }
        } else if let since = headers["if-unmodified-since"].flatMap(S3Time.parseHTTPDate), modified > since {
            return .failed
        }
        if let noneMatch = headers["if-none-match"] {
            if etagMatches(noneMatch, info.etag) { return .notModified }
        } else if let since = headers["if-modified-since"].flatMap(S3Time.parseHTTPDate), modified <= since {
            return .notModified
        }
        return .proceed
    }

    static func etagMatches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let value = candidate.trimmingCharacters()
            if value == "*" { return true }
            let bare = value.hasPrefix("W/") ? String(value.dropFirst(2)) : value
            return bare == "\"\(etag)\"" || bare == etag
        }
    }

    enum RangeResult: Equatable { case full, partial(UInt64, UInt64), unsatisfiable }

    /// One byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`); malformed or multiple ranges mean the
    /// whole object, as S3 does.
    static func range(_ header: String?, size: UInt64) -> RangeResult {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { return .full }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters()
        guard let dash = spec.firstIndex(of: "-") else { return .full }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = UInt64(last) else { return .full }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            let length = min(suffix, size)
            return .partial(size - length, length)
        }
        guard let start = UInt64(first) else { return .full }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .partial(start, size - start) }
        guard let end = UInt64(last), end >= start else { return .full }
        return .partial(start, min(end, size - 1) - start + 1)
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var view = Substring(self)
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
