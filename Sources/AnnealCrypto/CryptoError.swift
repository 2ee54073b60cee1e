/// The one error type of `AnnealCrypto`.
///
/// Callers branch on `code`; `message` is for people and logs. Messages never contain key material.
public struct CryptoError: Error, Equatable, CustomStringConvertible {
    /// What went wrong, as a closed-for-callers but extensible set: a struct over a private enum,
    /// so new codes can be added without breaking exhaustive `switch`es elsewhere.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidKey
            case authenticationFailed
            case malformed
            case library
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A key of the wrong length or shape.
        public static let invalidKey = Code(.invalidKey)
        /// The ciphertext or its tag was altered, or the key is not the one it was sealed with.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// Input too short or otherwise not in the expected format.
        public static let malformed = Code(.malformed)
        /// OpenSSL itself reported a failure.
        public static let library = Code(.library)

        public var description: String {
            switch value {
            case .invalidKey: "invalidKey"
            case .authenticationFailed: "authenticationFailed"
            case .malformed: "malformed"
            case .library: "library"
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
