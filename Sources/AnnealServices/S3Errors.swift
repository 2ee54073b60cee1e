import AnnealAWS
import AnnealObjects
import Glibc

/// S3's error codes, with the statuses and messages S3 itself uses.
enum S3Errors {
    static func noSuchBucket(_ bucket: String) -> AWSError {
        AWSError("NoSuchBucket", "The specified bucket does not exist", status: 404, resource: "/\(bucket)",
                 extra: [("BucketName", bucket)])
    }
    static func noSuchKey(_ bucket: String, _ key: String) -> AWSError {
        AWSError("NoSuchKey", "The specified key does not exist.", status: 404, resource: "/\(bucket)/\(key)", extra: [("Key", key)])
    }
    static func noSuchUpload(_ uploadID: String) -> AWSError {
        AWSError("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
            + "aborted or completed.", status: 404, extra: [("UploadId", uploadID)])
    }
    static func invalidArgument(_ message: String, name: String? = nil, value: String? = nil) -> AWSError {
        var extra: [(name: String, value: String)] = []
        if let name { extra.append(("ArgumentName", name)) }
        if let value { extra.append(("ArgumentValue", value)) }
        return AWSError("InvalidArgument", message, status: 400, extra: extra)
    }
    static func invalidRequest(_ message: String) -> AWSError { AWSError("InvalidRequest", message, status: 400) }
    static func malformedXML() -> AWSError {
        AWSError("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", status: 400)
    }
    static func badDigest(_ what: String) -> AWSError {
        AWSError("BadDigest", "The \(what) you specified did not match the calculated checksum.", status: 400)
    }
    static func notImplemented(_ method: String, _ path: String) -> AWSError {
        // A 4xx on purpose: the AWS clients retry 5xx, and nothing here will start working on retry.
        AWSError("NotImplemented", "A header or query you provided implies functionality that is not implemented "
            + "(\(method) \(path)).", status: 400)
    }

    /// The store's errors in S3's terms.
    static func from(_ error: ObjectStoreError, bucket: String, key: String = "") -> AWSError {
        switch error.code {
        case .noSuchBucket: return noSuchBucket(bucket)
        case .noSuchKey: return noSuchKey(bucket, key)
        case .noSuchUpload: return AWSError("NoSuchUpload", error.message, status: 404)
        case .bucketExists: return AWSError("BucketAlreadyOwnedByYou", error.message, status: 409, extra: [("BucketName", bucket)])
        case .bucketNotEmpty: return AWSError("BucketNotEmpty", error.message, status: 409, extra: [("BucketName", bucket)])
        case .invalid: return invalidRequest(error.message)
        case .diskFull: return AWSError("ServiceUnavailable", "The object store is out of disk space: \(error.message)", status: 503,
                                        senderFault: false)
        default: return AWSError("InternalError", "We encountered an internal error: \(error.message)", status: 500, senderFault: false)
        }
    }
}

/// Dates in the forms S3 uses: RFC 1123 in headers, ISO 8601 with milliseconds in XML.
enum S3Time {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func httpDate(_ epoch: Double) -> String {
        var seconds = time_t(epoch.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(days[Int(parts.tm_wday)]), \(pad(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)) GMT"
    }

    static func iso8601(_ epoch: Double) -> String {
        var seconds = time_t(epoch.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int32(((epoch - epoch.rounded(.down)) * 1000).rounded(.down))
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):\(pad(parts.tm_min)):"
            + "\(pad(parts.tm_sec)).\(pad(millis, 3))Z"
    }

    /// Parses an RFC 1123 date (`If-Modified-Since`); nil when malformed (S3 then ignores the header).
    static func parseHTTPDate(_ text: String) -> Double? {
        let fields = text.split(separator: " ")
        guard fields.count == 6, fields[5] == "GMT", let day = Int32(fields[1]), let year = Int32(fields[3]),
              let month = months.firstIndex(of: String(fields[2])) else { return nil }
        let clock = fields[4].split(separator: ":").compactMap { Int32($0) }
        guard clock.count == 3 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(month)
        parts.tm_mday = day
        parts.tm_hour = clock[0]
        parts.tm_min = clock[1]
        parts.tm_sec = clock[2]
        return Double(timegm(&parts))
    }

    private static func pad(_ value: Int32, _ width: Int = 2) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
