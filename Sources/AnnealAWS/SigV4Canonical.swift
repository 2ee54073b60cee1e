/// The canonical request of SigV4 task 1, built as bytes because it is only ever hashed.
///
/// Remembers where the canonical URI sits, so S3 verification can retry with the raw wire path
/// without rebuilding the rest.
struct SigV4CanonicalRequest {
    let bytes: [UInt8]
    private let pathRange: Range<Int>

    init(_ request: SigV4Request, auth: SigV4Authorization, payloadHash: String, singleEncodePath: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(256 + request.rawPath.utf8.count * 3 + request.rawQuery.utf8.count * 3
            + request.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 2 })

        SigV4Bytes.appendUTF8(request.method, to: &out)
        out.append(SigV4Bytes.newline)

        let pathStart = out.count
        SigV4Bytes.withUTF8(request.rawPath) { path in
            if singleEncodePath {
                Self.appendS3URI(path, to: &out)
            } else {
                Self.appendNormalizedURI(path, to: &out)
            }
        }
        pathRange = pathStart..<out.count
        out.append(SigV4Bytes.newline)

        SigV4Bytes.withUTF8(request.rawQuery) { query in
            Self.appendQuery(query, droppingSignature: auth.isPresigned, to: &out)
        }
        out.append(SigV4Bytes.newline)

        Self.appendHeaders(request.headers, signed: auth.signedHeaders, to: &out)
        out.append(SigV4Bytes.newline)

        for (index, name) in auth.signedHeaders.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ";")) }
            SigV4Bytes.appendUTF8(name, to: &out)
        }
        out.append(SigV4Bytes.newline)
        SigV4Bytes.appendUTF8(payloadHash, to: &out)
        bytes = out
    }

    /// The same canonical request with `rawPath` as the canonical URI, exactly as the client sent it;
    /// nil when that is what it already is.
    func withRawPath(_ rawPath: String) -> [UInt8]? {
        let raw = rawPath.isEmpty ? [SigV4Bytes.slash] : Array(rawPath.utf8)
        guard !bytes[pathRange].elementsEqual(raw) else { return nil }
        var copy = bytes
        copy.replaceSubrange(pathRange, with: raw)
        return copy
    }

    // MARK: - URI

    /// Every service but S3: remove `.` and `..` segments and empty segments (keeping a trailing
    /// slash), then encode each segment of the wire path again, so `%2F` becomes `%252F`. This is
    /// botocore's and AWS's "double encoding"; an empty path is `/`.
    static func appendNormalizedURI(_ path: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var segments: [Range<Int>] = []
        var start = 0
        for index in 0...path.count where index == path.count || path[index] == SigV4Bytes.slash {
            let segment = start..<index
            start = index + 1
            switch segment.count {
            case 0:
                continue
            case 1 where path[segment.lowerBound] == UInt8(ascii: "."):
                continue
            case 2 where path[segment.lowerBound] == UInt8(ascii: ".") && path[segment.lowerBound + 1] == UInt8(ascii: "."):
                _ = segments.popLast()
            default:
                segments.append(segment)
            }
        }
        out.append(SigV4Bytes.slash)
        for (index, segment) in segments.enumerated() {
            if index > 0 { out.append(SigV4Bytes.slash) }
            SigV4Bytes.appendEncoded(path[segment], to: &out)
        }
        if !segments.isEmpty, path.last == SigV4Bytes.slash { out.append(SigV4Bytes.slash) }
    }

    /// S3: decode the wire path and encode each segment once, keeping every segment as it is (`//` and
    /// `..` are parts of object keys). A `%2F` inside a segment stays `%2F`.
    static func appendS3URI(_ path: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        guard !path.isEmpty else {
            out.append(SigV4Bytes.slash)
            return
        }
        var start = 0
        for index in 0...path.count where index == path.count || path[index] == SigV4Bytes.slash {
            SigV4Bytes.appendReencoded(path[start..<index], to: &out)
            if index < path.count { out.append(SigV4Bytes.slash) }
            start = index + 1
        }
    }

    // MARK: - Query

    /// Each `name=value` pair decoded (`%XX` only) and encoded again with AWS's rule, a bare `name`
    /// as `name=`, sorted by encoded name then encoded value; `X-Amz-Signature` left out when
    /// presigned, since it cannot sign itself.
    static func appendQuery(_ query: UnsafeBufferPointer<UInt8>, droppingSignature: Bool, to out: inout [UInt8]) {
        guard !query.isEmpty else { return }
        var storage: [UInt8] = []
        storage.reserveCapacity(query.count + query.count / 2)
        var pairs: [(name: Range<Int>, value: Range<Int>)] = []
        var start = 0
        for index in 0...query.count where index == query.count || query[index] == UInt8(ascii: "&") {
            let component = query[start..<index]
            start = index + 1
            guard !component.isEmpty else { continue }
            let equals = component.firstIndex(of: UInt8(ascii: "=")) ?? component.endIndex
            let nameStart = storage.count
            SigV4Bytes.appendReencoded(query[component.startIndex..<equals], to: &storage)
            let name = nameStart..<storage.count
            if droppingSignature, storage[name].elementsEqual("X-Amz-Signature".utf8) {
                storage.removeSubrange(name)
                continue
            }
            let valueStart = storage.count
            if equals < component.endIndex {
                SigV4Bytes.appendReencoded(query[(equals + 1)..<component.endIndex], to: &storage)
            }
            pairs.append((name, valueStart..<storage.count))
        }
        storage.withUnsafeBufferPointer { storage in
            if pairs.count > 1 {
                pairs.sort { a, b in
                    let nameA = storage[a.name], nameB = storage[b.name]
                    if !nameA.elementsEqual(nameB) { return nameA.lexicographicallyPrecedes(nameB) }
                    return storage[a.value].lexicographicallyPrecedes(storage[b.value])
                }
            }
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out.append(UInt8(ascii: "&")) }
                out.append(contentsOf: storage[pair.name])
                out.append(UInt8(ascii: "="))
                out.append(contentsOf: storage[pair.value])
            }
        }
    }

    // MARK: - Headers

    /// One `name:value` line per signed header, in the order signed: values trimmed, runs of spaces
    /// collapsed to one, folded lines joined with `,`, and repeated headers joined with `,`.
    static func appendHeaders(_ headers: [(name: String, value: String)], signed: [String], to out: inout [UInt8]) {
        for name in signed {
            SigV4Bytes.appendUTF8(name, to: &out)
            out.append(UInt8(ascii: ":"))
            var first = true
            for header in headers where SigV4Bytes.equalsIgnoringCase(header.name, lowercased: name) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendNormalizedValue(header.value, to: &out)
            }
            out.append(SigV4Bytes.newline)
        }
    }

    static func appendNormalizedValue(_ value: String, to out: inout [UInt8]) {
        SigV4Bytes.withUTF8(value) { bytes in
            var index = 0
            var wroteAny = false
            var pendingSpace = false
            var pendingComma = false
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    // An obsolete line fold: the AWS test suite (get-header-value-multiline) signs it as a comma.
                    if wroteAny { pendingComma = true }
                    pendingSpace = false
                    index += 1
                case UInt8(ascii: " "), UInt8(ascii: "\t"):
                    if wroteAny, !pendingComma { pendingSpace = true }
                    index += 1
                default:
                    if pendingComma {
                        out.append(UInt8(ascii: ","))
                    } else if pendingSpace {
                        out.append(UInt8(ascii: " "))
                    }
                    pendingComma = false
                    pendingSpace = false
                    var runEnd = index + 1
                    while runEnd < bytes.count, !isWhitespace(bytes[runEnd]) { runEnd += 1 }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<runEnd]))
                    index = runEnd
                    wroteAny = true
                }
            }
        }
    }

    @inline(__always)
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }
}

extension SigV4 {
    /// The canonical request (SigV4 task 1) as the client should have built it.
    ///
    /// `singleEncodePath` true for S3 (path URI-encoded once, not normalised), false for every other
    /// service (normalised, then each segment encoded again, i.e. double-encoded as AWS specifies).
    public static func canonicalRequest(_ request: SigV4Request, auth: SigV4Authorization, payloadHash: String,
                                        singleEncodePath: Bool) -> String {
        let canonical = SigV4CanonicalRequest(request, auth: auth, payloadHash: payloadHash,
                                              singleEncodePath: singleEncodePath)
        return String(decoding: canonical.bytes, as: UTF8.self)
    }
}
