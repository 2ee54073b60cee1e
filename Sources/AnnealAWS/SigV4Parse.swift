extension SigV4 {
    /// nil when the request carries no SigV4 auth at all (neither Authorization header nor
    /// X-Amz-Algorithm/X-Amz-Credential query).
    ///
    /// Only the syntax is checked here; `verify` checks time, scope and signature. A Signature
    /// Version 2 presigned query (`AWSAccessKeyId` with `Signature`) is refused as
    /// `unsupportedAlgorithm` rather than passed off as anonymous.
    public static func parse(_ request: SigV4Request) throws(SigV4Error) -> SigV4Authorization? {
        let query = QueryAuthentication(request.rawQuery)
        if let header = SigV4Bytes.firstHeader("authorization", in: request.headers) {
            if query.isSigV4 || query.isSigV2 {
                throw SigV4Error(.incompleteSignature, """
                    Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature \
                    query string parameter or the Authorization header should be specified.
                    """)
            }
            return try parseHeader(header, request: request)
        }
        if query.isSigV4 { return try parsePresigned(query, request: request) }
        if query.isSigV2 {
            throw SigV4Error(.unsupportedAlgorithm,
                             "Signature Version 2 is not supported; sign the request with AWS4-HMAC-SHA256.")
        }
        return nil
    }

    // MARK: - Authorization header

    private static func parseHeader(_ value: String, request: SigV4Request) throws(SigV4Error) -> SigV4Authorization {
        let fields = SigV4Bytes.withUTF8(value) { AuthorizationHeaderFields($0) }
        switch fields.scheme {
        case .sigV4:
            break
        case .otherAWS(let scheme):
            throw SigV4Error(.unsupportedAlgorithm,
                             "Unsupported Authorization Type '\(scheme)'; only AWS4-HMAC-SHA256 is supported.")
        case .unknown:
            throw SigV4Error(.incompleteSignature, """
                Authorization header requires the AWS4-HMAC-SHA256 scheme with 'Credential', 'SignedHeaders' \
                and 'Signature' parameters.
                """)
        }
        var missing: [String] = []
        if fields.credential == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if fields.signedHeaders == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        if fields.signature?.isEmpty ?? true { missing.append("Authorization header requires 'Signature' parameter.") }
        guard missing.isEmpty, let credentialText = fields.credential, let signedHeadersText = fields.signedHeaders,
              let signature = fields.signature
        else {
            throw SigV4Error(.incompleteSignature, missing.joined(separator: " "))
        }

        let credential = try parseCredential(credentialText, where: "authorization header")
        let signedHeaders = try parseSignedHeaders(signedHeadersText)
        let (amzDate, requestTime) = try headerDate(request.headers)
        return SigV4Authorization(
            credential: credential,
            signedHeaders: signedHeaders,
            signature: signature,
            amzDate: amzDate,
            requestTime: requestTime,
            isPresigned: false,
            expiresSeconds: nil,
            securityToken: SigV4Bytes.firstHeader("x-amz-security-token", in: request.headers),
            payloadHashHeader: SigV4Bytes.firstHeader("x-amz-content-sha256", in: request.headers))
    }

    /// `X-Amz-Date`, else an RFC 1123 `Date` converted to the ISO 8601 basic form the string to sign uses.
    private static func headerDate(_ headers: [(name: String, value: String)]) throws(SigV4Error) -> (String, Int64) {
        if let amzDate = SigV4Bytes.firstHeader("x-amz-date", in: headers) {
            let trimmed = SigV4Bytes.trimmed(amzDate)
            guard let time = SigV4Time.parseAmzDate(trimmed) else {
                throw SigV4Error(.incompleteSignature,
                                 "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".")
            }
            return (trimmed, time)
        }
        if let date = SigV4Bytes.firstHeader("date", in: headers) {
            guard let (amzDate, time) = SigV4Time.parseHTTPDate(SigV4Bytes.trimmed(date)) else {
                throw SigV4Error(.incompleteSignature,
                                 "The Date header must be an RFC 1123 date such as 'Sun, 06 Nov 1994 08:49:37 GMT'.")
            }
            return (amzDate, time)
        }
        throw SigV4Error(.incompleteSignature,
                         "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    }

    // MARK: - Presigned query

    private static func parsePresigned(_ query: QueryAuthentication,
                                       request: SigV4Request) throws(SigV4Error) -> SigV4Authorization {
        guard let algorithmValue = query.algorithm else {
            throw SigV4Error(.incompleteSignature, "Query-string authentication requires the X-Amz-Algorithm parameter.")
        }
        guard algorithmValue == algorithm else {
            throw SigV4Error(.unsupportedAlgorithm, """
                X-Amz-Algorithm only supports "AWS4-HMAC-SHA256", got "\(algorithmValue.prefix(32))".
                """)
        }
        guard let credentialText = query.credential, let date = query.date,
              let signedHeadersText = query.signedHeaders, let signature = query.signature, !signature.isEmpty
        else {
            throw SigV4Error(.incompleteSignature, """
                Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, \
                X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.
                """)
        }
        let credential = try parseCredential(credentialText, where: "X-Amz-Credential parameter")
        let signedHeaders = try parseSignedHeaders(signedHeadersText)
        guard let requestTime = SigV4Time.parseAmzDate(date) else {
            throw SigV4Error(.incompleteSignature,
                             "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".")
        }
        var expires: Int?
        if let text = query.expires {
            guard !text.isEmpty, text.utf8.count <= 12, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(text)
            else {
                throw SigV4Error(.incompleteSignature, "X-Amz-Expires should be a number of seconds.")
            }
            expires = value
        }
        return SigV4Authorization(
            credential: credential,
            signedHeaders: signedHeaders,
            signature: signature.lowercased(),
            amzDate: date,
            requestTime: requestTime,
            isPresigned: true,
            expiresSeconds: expires,
            securityToken: query.securityToken ?? SigV4Bytes.firstHeader("x-amz-security-token", in: request.headers),
            payloadHashHeader: SigV4Bytes.firstHeader("x-amz-content-sha256", in: request.headers))
    }

    // MARK: - Shared parts

    /// `AKID/yyyyMMdd/region/service/aws4_request`.
    private static func parseCredential(_ text: String, where place: String) throws(SigV4Error) -> SigV4Credential {
        let credential: SigV4Credential? = SigV4Bytes.withUTF8(text) { bytes in
            let parts = SigV4Bytes.split(bytes, 0..<bytes.count, on: SigV4Bytes.slash)
            guard parts.count == 5, SigV4Bytes.equals(bytes, parts[4], "aws4_request"),
                  !parts[0].isEmpty, !parts[2].isEmpty, !parts[3].isEmpty,
                  parts[1].count == 8, parts[1].allSatisfy({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 })
            else { return nil }
            return SigV4Credential(accessKeyId: SigV4Bytes.string(bytes, parts[0]), date: SigV4Bytes.string(bytes, parts[1]),
                                   region: SigV4Bytes.string(bytes, parts[2]), service: SigV4Bytes.string(bytes, parts[3]))
        }
        guard let credential else {
            throw SigV4Error(.incompleteSignature, """
                The \(place) is malformed; the Credential is mal-formed; expecting \
                "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".
                """)
        }
        return credential
    }

    private static func parseSignedHeaders(_ text: String) throws(SigV4Error) -> [String] {
        let names: [String]? = SigV4Bytes.withUTF8(text) { bytes in
            let parts = SigV4Bytes.split(bytes, 0..<bytes.count, on: UInt8(ascii: ";"))
            guard parts.allSatisfy({ !$0.isEmpty }) else { return nil }
            return parts.map { SigV4Bytes.string(bytes, $0, lowercased: true) }
        }
        guard let names else {
            throw SigV4Error(.incompleteSignature, "SignedHeaders must be a ';'-separated list of header names.")
        }
        return names
    }
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`
/// header, found by scanning its bytes once. Spaces around the commas are optional.
struct AuthorizationHeaderFields {
    enum Scheme {
        case sigV4
        /// Another AWS scheme (Signature Version 2's `AWS`, SigV4a's `AWS4-ECDSA-P256-SHA256`), at most 32 characters of it.
        case otherAWS(String)
        case unknown
    }

    var scheme: Scheme = .unknown
    var credential: String?
    var signedHeaders: String?
    /// Lowercased.
    var signature: String?

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        let all = SigV4Bytes.trimmed(bytes, 0..<bytes.count)
        var schemeEnd = all.lowerBound
        while schemeEnd < all.upperBound, bytes[schemeEnd] != UInt8(ascii: " "), bytes[schemeEnd] != UInt8(ascii: "\t") {
            schemeEnd += 1
        }
        let schemeRange = all.lowerBound..<schemeEnd
        guard SigV4Bytes.equals(bytes, schemeRange, "AWS4-HMAC-SHA256") else {
            if schemeRange.count >= 3, SigV4Bytes.equals(bytes, schemeRange.lowerBound..<schemeRange.lowerBound + 3, "AWS") {
                scheme = .otherAWS(SigV4Bytes.string(bytes, schemeRange.lowerBound..<min(schemeEnd, schemeRange.lowerBound + 32)))
            }
            return
        }
        scheme = .sigV4
        for part in SigV4Bytes.split(bytes, schemeEnd..<all.upperBound, on: UInt8(ascii: ",")) {
            let field = SigV4Bytes.trimmed(bytes, part)
            guard let equals = field.first(where: { bytes[$0] == UInt8(ascii: "=") }) else { continue }
            let name = field.lowerBound..<equals
            let value = (equals + 1)..<field.upperBound
            if SigV4Bytes.equals(bytes, name, "Credential") {
                credential = credential ?? SigV4Bytes.string(bytes, value)
            } else if SigV4Bytes.equals(bytes, name, "SignedHeaders") {
                signedHeaders = signedHeaders ?? SigV4Bytes.string(bytes, value)
            } else if SigV4Bytes.equals(bytes, name, "Signature") {
                signature = signature ?? SigV4Bytes.string(bytes, value, lowercased: true)
            }
        }
    }
}

/// The authentication parameters of a query string, decoded; other parameters are skipped unread.
struct QueryAuthentication {
    var algorithm: String?
    var credential: String?
    var date: String?
    var expires: String?
    var signedHeaders: String?
    var signature: String?
    var securityToken: String?
    private var hasV2AccessKey = false
    private var hasV2Signature = false

    var isSigV4: Bool { algorithm != nil || credential != nil }
    var isSigV2: Bool { hasV2AccessKey && hasV2Signature }

    init(_ rawQuery: String) {
        guard !rawQuery.isEmpty else { return }
        SigV4Bytes.withUTF8(rawQuery) { query in
            var start = 0
            for index in 0...query.count where index == query.count || query[index] == UInt8(ascii: "&") {
                let component = query[start..<index]
                start = index + 1
                // Every parameter we look for starts with 'X' or 'A' or 'S'; skip the rest cheaply.
                guard let first = component.first,
                      first == UInt8(ascii: "X") || first == UInt8(ascii: "A") || first == UInt8(ascii: "S")
                          || first == SigV4Bytes.percent
                else { continue }
                let equals = component.firstIndex(of: UInt8(ascii: "=")) ?? component.endIndex
                let name = SigV4Bytes.percentDecoded(query[component.startIndex..<equals])
                let value = { () -> String in
                    guard equals < component.endIndex else { return "" }
                    return String(decoding: SigV4Bytes.percentDecoded(query[(equals + 1)..<component.endIndex]),
                                  as: UTF8.self)
                }
                switch Parameter(name) {
                case .algorithm: if algorithm == nil { algorithm = value() }
                case .credential: if credential == nil { credential = value() }
                case .date: if date == nil { date = value() }
                case .expires: if expires == nil { expires = value() }
                case .signedHeaders: if signedHeaders == nil { signedHeaders = value() }
                case .signature: if signature == nil { signature = value() }
                case .securityToken: if securityToken == nil { securityToken = value() }
                case .v2AccessKeyId: hasV2AccessKey = true
                case .v2Signature: hasV2Signature = true
                case nil: continue
                }
            }
        }
    }
}

extension QueryAuthentication {
    /// The query parameters that carry authentication.
    enum Parameter {
        case algorithm, credential, date, expires, signedHeaders, signature, securityToken
        case v2AccessKeyId, v2Signature

        init?(_ name: [UInt8]) {
            let parameter: Parameter? = name.withUnsafeBufferPointer { bytes in
                let all = 0..<bytes.count
                for (literal, parameter) in Self.names where SigV4Bytes.equals(bytes, all, literal) { return parameter }
                return nil
            }
            guard let parameter else { return nil }
            self = parameter
        }

        private static let names: [(StaticString, Parameter)] = [
            ("X-Amz-Algorithm", .algorithm), ("X-Amz-Credential", .credential), ("X-Amz-Date", .date),
            ("X-Amz-Expires", .expires), ("X-Amz-SignedHeaders", .signedHeaders), ("X-Amz-Signature", .signature),
            ("X-Amz-Security-Token", .securityToken), ("AWSAccessKeyId", .v2AccessKeyId), ("Signature", .v2Signature),
        ]
    }
}
