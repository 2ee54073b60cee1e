/// Why a request's AWS Signature Version 4 was refused.
///
/// `code` says which AWS error the client should see (the mapping to AWS error shapes and HTTP
/// statuses lives with the other AWS errors); `message` reads like AWS's own and never contains
/// the secret key, the expected signature or other material that would help forge one.
public struct SigV4Error: Error, Equatable, CustomStringConvertible {
    /// A struct over a private enum, so codes can be added without breaking callers' `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case missingAuthentication
            case incompleteSignature
            case signatureMismatch
            case requestExpired
            case requestTimeTooSkewed
            case unsupportedAlgorithm
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The operation needs a signed request and this one carries no signature at all.
        public static let missingAuthentication = Code(.missingAuthentication)
        /// The Authorization header or presigned query is malformed or lacks a part (credential,
        /// signed headers, signature, date, expiry).
        public static let incompleteSignature = Code(.incompleteSignature)
        /// Well-formed, but the signature is not the one the secret key gives (wrong key, tampered
        /// request, different canonicalisation, credential date not the request date).
        public static let signatureMismatch = Code(.signatureMismatch)
        /// A presigned URL used after `X-Amz-Date + X-Amz-Expires`.
        public static let requestExpired = Code(.requestExpired)
        /// The request time is more than 15 minutes from the server's clock.
        public static let requestTimeTooSkewed = Code(.requestTimeTooSkewed)
        /// Signed, but not with AWS4-HMAC-SHA256 (Signature Version 2, SigV4a, something else).
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)

        public var description: String {
            switch value {
            case .missingAuthentication: "missingAuthentication"
            case .incompleteSignature: "incompleteSignature"
            case .signatureMismatch: "signatureMismatch"
            case .requestExpired: "requestExpired"
            case .requestTimeTooSkewed: "requestTimeTooSkewed"
            case .unsupportedAlgorithm: "unsupportedAlgorithm"
            }
        }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
