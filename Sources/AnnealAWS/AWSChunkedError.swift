/// Why an `aws-chunked` request body was refused.
///
/// Messages describe the framing problem for the client and never include expected signatures.
public struct AWSChunkedError: Error, Equatable, CustomStringConvertible {
    /// A struct over a private enum, so codes can be added without breaking callers' `switch`es.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case malformed
            case signatureMismatch
            case incomplete
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The framing is broken: a bad chunk-size line, missing CRLF, a line, chunk or trailer
        /// section over its bound, bytes after the end, or a trailer where none may be.
        public static let malformed = Code(.malformed)
        /// A chunk or trailer signature is missing or is not the one the signing key gives: the body
        /// was altered, reordered or signed with another key.
        public static let signatureMismatch = Code(.signatureMismatch)
        /// The body ended before the final chunk and its trailers were read.
        public static let incomplete = Code(.incomplete)

        public var description: String {
            switch value {
            case .malformed: "malformed"
            case .signatureMismatch: "signatureMismatch"
            case .incomplete: "incomplete"
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
