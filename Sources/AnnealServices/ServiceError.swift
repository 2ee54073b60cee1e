/// The one error type of the services layer outside the AWS wire (start-up, files, configuration).
public struct ServiceError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
