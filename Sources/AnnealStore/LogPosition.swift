/// A place between two events of a stream (or of a group read in time order): reading forward from
/// it returns the events at or after it, reading backward the events before it. Events are ordered
/// by (timestamp, sequence), where the sequence numbers events in arrival order.
///
/// It does not move when nothing new arrives, so a token made from it stays the same string, and an
/// event appended later with a timestamp at or after it is found by the next forward read.
public struct LogPosition: Sendable, Equatable, Hashable, Comparable, CustomStringConvertible {
    public var timestamp: Int64
    public var sequence: Int64

    public init(timestamp: Int64, sequence: Int64) {
        self.timestamp = timestamp
        self.sequence = sequence
    }

    /// The place before every event stamped `timestamp` or later.
    public static func start(of timestamp: Int64) -> LogPosition {
        LogPosition(timestamp: timestamp, sequence: 0)
    }

    /// The place just before the event (timestamp, sequence).
    static func before(_ timestamp: Int64, _ sequence: Int64) -> LogPosition {
        LogPosition(timestamp: timestamp, sequence: sequence)
    }

    /// The place just after the event (timestamp, sequence).
    static func after(_ timestamp: Int64, _ sequence: Int64) -> LogPosition {
        LogPosition(timestamp: timestamp, sequence: sequence + 1)
    }

    public static func < (a: LogPosition, b: LogPosition) -> Bool {
        (a.timestamp, a.sequence) < (b.timestamp, b.sequence)
    }

    /// Text for a token: `<timestamp>_<sequence>`, as zero-padded decimals so that the tokens of
    /// a stream have one length.
    public var encoded: String {
        LogPosition.padded(timestamp) + "_" + LogPosition.padded(sequence)
    }

    public init?<Text: StringProtocol>(encoded text: Text) {
        let parts = text.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let timestamp = Int64(parts[0]), let sequence = Int64(parts[1]), sequence >= 0 else { return nil }
        self.init(timestamp: timestamp, sequence: sequence)
    }

    public var description: String { encoded }

    static func padded(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        return digits.count >= 13 ? sign + digits : sign + String(repeating: "0", count: 13 - digits.count) + digits
    }
}
