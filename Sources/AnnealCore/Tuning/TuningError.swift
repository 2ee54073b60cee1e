/// A search space or strategy setting that cannot be used, with a message for people that names the
/// field (the API layer turns it into a `ValidationException`).
public struct TuningError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
