import AnnealAWS
import AnnealCrypto
import AnnealHTTP
import AnnealObjects

extension S3Service {
    func listObjects(_ request: S3Request, requestID: String) throws(AWSError) -> HTTPResponse {
        let v2 = request.operation == .listObjectsV2
        let query = request.query
        let prefix = query["prefix"] ?? ""
        let delimiter = query["delimiter"] ?? ""
        let maxKeys = try Self.limit(query["max-keys"], name: "max-keys")
        let encodeURL: Bool
        switch query["encoding-type"] {
        case nil: encodeURL = false
        case "url"?: encodeURL = true
        case let other?: throw S3Errors.invalidArgument("Invalid Encoding Method specified in Request", name: "encoding-type", value: other)
        }
        var cursor: ListCursor?
        if v2 {
            if let token = query["continuation-token"] {
                guard let decoded = Self.decodeToken(token) else {
                    throw S3Errors.invalidArgument("The continuation token provided is incorrect", name: "continuation-token", value: token)
                }
                cursor = decoded
            } else if let startAfter = query["start-after"], !startAfter.isEmpty {
                cursor = .afterKey(startAfter)
            }
        } else if let marker = query["marker"], !marker.isEmpty {
            cursor = !delimiter.isEmpty && marker.hasSuffix(delimiter) ? .afterPrefix(marker) : .afterKey(marker)
        }
        let page = try call(bucket: request.bucket) { () throws(ObjectStoreError) in
            try storage.list(bucket: request.bucket, prefix: prefix, delimiter: delimiter, after: cursor, limit: maxKeys)
        }
        let encode: (String) -> String = { encodeURL ? Self.urlEncode($0) : $0 }
        return xml("ListBucketResult", requestID: requestID) { xml in
            xml.element("Name", request.bucket)
            xml.element("Prefix", encode(prefix))
            if v2 {
                if let token = query["continuation-token"] { xml.element("ContinuationToken", token) }
                if let startAfter = query["start-after"] { xml.element("StartAfter", encode(startAfter)) }
                xml.element("KeyCount", String(page.entries.count))
                if page.isTruncated, let next = page.next { xml.element("NextContinuationToken", Self.encodeToken(next)) }
            } else {
                xml.element("Marker", encode(query["marker"] ?? ""))
                if page.isTruncated, !delimiter.isEmpty, let next = page.next {
                    switch next {
                    case .afterKey(let key): xml.element("NextMarker", encode(key))
                    case .afterPrefix(let common): xml.element("NextMarker", encode(common))
                    }
                }
            }
            xml.element("MaxKeys", String(maxKeys))
            if !delimiter.isEmpty { xml.element("Delimiter", encode(delimiter)) }
            if encodeURL { xml.element("EncodingType", "url") }
            xml.element("IsTruncated", page.isTruncated ? "true" : "false")
            for entry in page.entries {
                switch entry {
                case .object(let info):
                    xml.element("Contents") { xml in
                        xml.element("Key", encode(info.key))
                        xml.element("LastModified", S3Time.iso8601(info.lastModified))
                        xml.element("ETag", Self.quoted(info.etag))
                        if let checksum = info.checksum { xml.element("ChecksumAlgorithm", checksum.algorithm) }
                        xml.element("Size", String(info.size))
                        xml.element("StorageClass", "STANDARD")
                    }
                case .commonPrefix(let common):
                    xml.element("CommonPrefixes") { $0.element("Prefix", encode(common)) }
                }
            }
        }
    }

    /// `max-keys`, `max-parts`, `max-uploads`: 0...1000 (larger values are capped, as S3 does).
    static func limit(_ text: String?, name: String) throws(AWSError) -> Int {
        guard let text else { return 1000 }
        guard let value = Int(text), value >= 0 else {
            throw S3Errors.invalidArgument("Provided \(name) not an integer or within integer range", name: name, value: text)
        }
        return min(value, 1000)
    }

    static func encodeToken(_ cursor: ListCursor) -> String {
        switch cursor {
        case .afterKey(let key): Base64.encode(Array(("k" + key).utf8))
        case .afterPrefix(let common): Base64.encode(Array(("p" + common).utf8))
        }
    }

    static func decodeToken(_ token: String) -> ListCursor? {
        guard let bytes = Base64.decode(token), let kind = bytes.first else { return nil }
        let value = String(decoding: bytes.dropFirst(), as: UTF8.self)
        switch kind {
        case UInt8(ascii: "k"): return .afterKey(value)
        case UInt8(ascii: "p"): return .afterPrefix(value)
        default: return nil
        }
    }

    /// Percent-encoding for `encoding-type=url` (unreserved characters and `/` kept).
    static func urlEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}
