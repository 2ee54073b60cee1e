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
        let trimmed = value.trimmingSpaces()
        let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? trimmed.endIndex
        let scheme = trimmed[..<space]
        guard scheme == algorithm else {
            if scheme.hasPrefix("AWS") {
                throw SigV4Error(.unsupportedAlgorithm, """
                    Unsupported Authorization Type '\(scheme.prefix(32))'; only AWS4-HMAC-SHA256 is supported.
                    """)
            }
            throw SigV4Error(.incompleteSignature, """
                Authorization header requires the AWS4-HMAC-SHA256 scheme with 'Credential', 'SignedHeaders' \
                and 'Signature' parameters.
                """)
        }

        var credentialText: Substring?
        var signedHeadersText: Substring?
        var signatureText: Substring?
        for part in trimmed[space...].split(separator: ",", omittingEmptySubsequences: true) {
            let field = part.trimmingSpaces()
            guard let equals = field.firstIndex(of: "=") else { continue }
            let fieldValue = field[field.index(after: equals)...]
            switch field[..<equals] {
            case "Credential": credentialText = credentialText ?? fieldValue
            case "SignedHeaders": signedHeadersText = signedHeadersText ?? fieldValue
            case "Signature": signatureText = signatureText ?? fieldValue
            default: continue
            }
        }
        var missing: [String] = []
        if credentialText == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if signedHeadersText == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        if signatureText == nil || signatureText?.isEmpty == true {
            missing.append("Authorization header requires 'Signature' parameter.")
        }
        guard missing.isEmpty, let credentialText, let signedHeadersText, let signatureText else {
            throw SigV4Error(.incompleteSignature, missing.joined(separator: " "))
        }

        let credential = try parseCredential(credentialText, where: "authorization header")
        let signedHeaders = try parseSignedHeaders(signedHeadersText)
        let (amzDate, requestTime) = try headerDate(request.headers)
        return SigV4Authorization(
            credential: credential,
            signedHeaders: signedHeaders,
            signature: signatureText.lowercased(),
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
            let trimmed = String(amzDate.trimmingSpaces())
            guard let time = SigV4Time.parseAmzDate(trimmed) else {
                throw SigV4Error(.incompleteSignature,
                                 "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".")
            }
            return (trimmed, time)
        }
        if let date = SigV4Bytes.firstHeader("date", in: headers) {
            guard let (amzDate, time) = SigV4Time.parseHTTPDate(String(date.trimmingSpaces())) else {
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
        let credential = try parseCredential(Substring(credentialText), where: "X-Amz-Credential parameter")
        let signedHeaders = try parseSignedHeaders(Substring(signedHeadersText))
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
    private static func parseCredential(_ text: Substring, where place: String) throws(SigV4Error) -> SigV4Credential {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[4] == "aws4_request",
              !parts[0].isEmpty, !parts[2].isEmpty, !parts[3].isEmpty,
              parts[1].utf8.count == 8, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else {
            throw SigV4Error(.incompleteSignature, """
                The \(place) is malformed; the Credential is mal-formed; expecting \
                "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".
                """)
        }
        return SigV4Credential(accessKeyId: String(parts[0]), date: String(parts[1]),
                               region: String(parts[2]), service: String(parts[3]))
    }

    private static func parseSignedHeaders(_ text: Substring) throws(SigV4Error) -> [String] {
        let names = text.split(separator: ";", omittingEmptySubsequences: false)
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }) else {
            throw SigV4Error(.incompleteSignature, "SignedHeaders must be a ';'-separated list of header names.")
        }
        return names.map { $0.lowercased() }
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
                switch String(decoding: name, as: UTF8.self) {
                case "X-Amz-Algorithm": if algorithm == nil { algorithm = value() }
                case "X-Amz-Credential": if credential == nil { credential = value() }
                case "X-Amz-Date": if date == nil { date = value() }
                case "X-Amz-Expires": if expires == nil { expires = value() }
                case "X-Amz-SignedHeaders": if signedHeaders == nil { signedHeaders = value() }
                case "X-Amz-Signature": if signature == nil { signature = value() }
                case "X-Amz-Security-Token": if securityToken == nil { securityToken = value() }
                case "AWSAccessKeyId": hasV2AccessKey = true
                case "Signature": hasV2Signature = true
                default: continue
                }
            }
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP optional whitespace).
    func trimmingSpaces() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        guard let last = lastIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}
