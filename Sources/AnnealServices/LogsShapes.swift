/// CloudWatch Logs wire shapes (botocore's `logs` model, 2014-03-28), named as on the wire.
/// Request members are all optional, so that a missing one is reported as AWS does (an
/// InvalidParameterException naming it) rather than as a decoding failure.
enum LogsShapes {
    struct GroupName: Decodable {
        var logGroupName: String?
    }

    struct CreateLogGroup: Decodable {
        var logGroupName: String?
        var kmsKeyId: String?
        var tags: [String: String]?
        var logGroupClass: String?
    }

    struct PutRetentionPolicy: Decodable {
        var logGroupName: String?
        var retentionInDays: Int?
    }

    struct DescribeLogGroups: Decodable {
        var logGroupNamePrefix: String?
        var logGroupNamePattern: String?
        var nextToken: String?
        var limit: Int?
    }

    struct LogGroup: Encodable {
        var logGroupName: String
        var creationTime: Int64
        var retentionInDays: Int?
        var metricFilterCount = 0
        var arn: String
        var logGroupArn: String
        var storedBytes: Int64
        var logGroupClass = "STANDARD"
    }

    struct DescribeLogGroupsReply: Encodable {
        var logGroups: [LogGroup]
        var nextToken: String?
    }

    struct StreamName: Decodable {
        var logGroupName: String?
        var logStreamName: String?
    }

    struct DescribeLogStreams: Decodable {
        var logGroupName: String?
        var logGroupIdentifier: String?
        var logStreamNamePrefix: String?
        var orderBy: String?
        var descending: Bool?
        var nextToken: String?
        var limit: Int?
    }

    struct LogStream: Encodable {
        var logStreamName: String
        var creationTime: Int64
        var firstEventTimestamp: Int64?
        var lastEventTimestamp: Int64?
        var lastIngestionTime: Int64?
        var arn: String
        var storedBytes: Int64
    }

    struct DescribeLogStreamsReply: Encodable {
        var logStreams: [LogStream]
        var nextToken: String?
    }

    struct InputLogEvent: Decodable {
        var timestamp: Int64?
        var message: String?
    }

    struct PutLogEvents: Decodable {
        var logGroupName: String?
        var logStreamName: String?
        var logEvents: [InputLogEvent]?
        var sequenceToken: String?
    }

    struct RejectedLogEventsInfo: Encodable, Equatable {
        var tooNewLogEventStartIndex: Int?
        var tooOldLogEventEndIndex: Int?
        var expiredLogEventEndIndex: Int?
    }

    struct PutLogEventsReply: Encodable {
        var nextSequenceToken: String
        var rejectedLogEventsInfo: RejectedLogEventsInfo?
    }

    struct GetLogEvents: Decodable {
        var logGroupName: String?
        var logGroupIdentifier: String?
        var logStreamName: String?
        var startTime: Int64?
        var endTime: Int64?
        var nextToken: String?
        var limit: Int?
        var startFromHead: Bool?
    }

    struct OutputLogEvent: Encodable {
        var timestamp: Int64
        var message: String
        var ingestionTime: Int64
    }

    struct GetLogEventsReply: Encodable {
        var events: [OutputLogEvent]
        var nextForwardToken: String
        var nextBackwardToken: String
    }

    struct FilterLogEvents: Decodable {
        var logGroupName: String?
        var logGroupIdentifier: String?
        var logStreamNames: [String]?
        var logStreamNamePrefix: String?
        var startTime: Int64?
        var endTime: Int64?
        var filterPattern: String?
        var nextToken: String?
        var limit: Int?
        var interleaved: Bool?
    }

    struct FilteredLogEvent: Encodable {
        var logStreamName: String
        var timestamp: Int64
        var message: String
        var ingestionTime: Int64
        var eventId: String
    }

    struct FilterLogEventsReply: Encodable {
        var events: [FilteredLogEvent]
        var nextToken: String?
    }

    struct Empty: Encodable {}
}
