import AnnealAWS

/// The model's constraints on Logs parameters, checked as the service checks them (botocore checks
/// only presence, minimum lengths and minimum values), with AWS's wording.
enum LogsValidation {
    static let groupNamePattern = #"[\.\-_/#A-Za-z0-9]+"#
    static let streamNamePattern = "[^:*]*"

    static func groupName(_ value: String?, field: String = "logGroupName") throws(AWSError) -> String {
        let name = try required(value, field)
        try length(name, field, max: 512)
        guard name.utf8.allSatisfy(isGroupNameByte) else {
            throw failure(name, field, "Member must satisfy regular expression pattern: \(groupNamePattern)")
        }
        return name
    }

    static func streamName(_ value: String?, field: String = "logStreamName") throws(AWSError) -> String {
        let name = try required(value, field)
        try length(name, field, max: 512)
        guard !name.contains(":") && !name.contains("*") else {
            throw failure(name, field, "Member must satisfy regular expression pattern: \(streamNamePattern)")
        }
        return name
    }

    /// The group of an operation that takes `logGroupName` or `logGroupIdentifier` (a name or an ARN).
    static func group(name: String?, identifier: String?) throws(AWSError) -> String {
        switch (name, identifier) {
        case (.some, .some):
            throw LogsErrors.invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
        case (.some(let name), nil):
            return try groupName(name)
        case (nil, .some(let identifier)):
            guard identifier.hasPrefix("arn:") else { return try groupName(identifier, field: "logGroupIdentifier") }
            // arn:aws:logs:<region>:<account>:log-group:<name>[:*]
            let parts = identifier.split(separator: ":", maxSplits: 6, omittingEmptySubsequences: false)
            guard parts.count == 7, parts[2] == "logs", parts[5] == "log-group" else {
                throw LogsErrors.invalid("The logGroupIdentifier '\(identifier)' is neither a log group name nor a log group ARN.")
            }
            var name = parts[6]
            if name.hasSuffix(":*") { name = name.dropLast(2) }
            return try groupName(String(name), field: "logGroupIdentifier")
        case (nil, nil):
            throw LogsErrors.invalid("Should provide either logGroupName or logGroupIdentifier.")
        }
    }

    static func limit(_ value: Int?, field: String = "limit", max: Int, default fallback: Int) throws(AWSError) -> Int {
        guard let value else { return fallback }
        if value < 1 { throw failure(String(value), field, "Member must have value greater than or equal to 1") }
        if value > max { throw failure(String(value), field, "Member must have value less than or equal to \(max)") }
        return value
    }

    static func timestamp(_ value: Int64?, field: String) throws(AWSError) -> Int64? {
        guard let value else { return nil }
        if value < 0 { throw failure(String(value), field, "Member must have value greater than or equal to 0") }
        return value
    }

    static func required(_ value: String?, _ field: String) throws(AWSError) -> String {
        guard let value else { throw null(field) }
        if value.isEmpty { throw failure(value, field, "Member must have length greater than or equal to 1") }
        return value
    }

    static func null(_ field: String) -> AWSError {
        LogsErrors.invalid("1 validation error detected: Value null at '\(field)' failed to satisfy constraint: Member must not be null")
    }

    static func length(_ value: String, _ field: String, max: Int) throws(AWSError) {
        if value.count > max { throw failure(value, field, "Member must have length less than or equal to \(max)") }
    }

    static func failure(_ value: String, _ field: String, _ constraint: String) -> AWSError {
        let shown = value.count > 100 ? String(value.prefix(100)) + "..." : value
        return LogsErrors.invalid("1 validation error detected: Value '\(shown)' at '\(field)' failed to satisfy constraint: \(constraint)")
    }

    private static func isGroupNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "/"), UInt8(ascii: "#"): true
        default: false
        }
    }

    /// The retention periods the service accepts, in days.
    static let retentionDays: [Int] = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                                       3288, 3653]
}
