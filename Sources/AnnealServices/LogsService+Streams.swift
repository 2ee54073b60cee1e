import AnnealAWS
import AnnealStore

extension LogsService {
    func createLogStream(_ request: LogsShapes.StreamName, _ context: CallContext) throws(AWSError) -> LogsShapes.Empty {
        let group = try LogsValidation.groupName(request.logGroupName)
        let stream = try LogsValidation.streamName(request.logStreamName)
        try authorize("CreateLogStream", group: group, context)
        let now = clock()
        try storing { () throws(StoreError) in try store.createStream(group: group, name: stream, at: now) }
        return LogsShapes.Empty()
    }

    func deleteLogStream(_ request: LogsShapes.StreamName, _ context: CallContext) throws(AWSError) -> LogsShapes.Empty {
        let group = try LogsValidation.groupName(request.logGroupName)
        let stream = try LogsValidation.streamName(request.logStreamName)
        try authorize("DeleteLogStream", group: group, context)
        try storing { () throws(StoreError) in try store.deleteStream(group: group, name: stream) }
        return LogsShapes.Empty()
    }

    func describeLogStreams(_ request: LogsShapes.DescribeLogStreams, _ context: CallContext) throws(AWSError)
        -> LogsShapes.DescribeLogStreamsReply {
        let group = try LogsValidation.group(name: request.logGroupName, identifier: request.logGroupIdentifier)
        let prefix = try request.logStreamNamePrefix.map { (name) throws(AWSError) in
            try LogsValidation.streamName(name, field: "logStreamNamePrefix")
        }
        let byLastEvent: Bool
        switch request.orderBy {
        case nil, "LogStreamName": byLastEvent = false
        case "LastEventTime": byLastEvent = true
        case .some(let other):
            throw LogsValidation.failure(other, "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]")
        }
        if byLastEvent && prefix != nil {
            throw LogsErrors.invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
        }
        let limit = try LogsValidation.limit(request.limit, max: 50, default: 50)
        let after = try LogsTokens.pageCursor(request.nextToken)
        try authorize("DescribeLogStreams", group: group, context)
        let streams = try storing { () throws(StoreError) in
            try store.streams(group: group, prefix: prefix, orderByLastEvent: byLastEvent, descending: request.descending ?? false,
                              limit: limit + 1, after: after)
        }
        let page = streams.prefix(limit)
        let arn = groupARN(group, context)
        return LogsShapes.DescribeLogStreamsReply(
            logStreams: page.map { stream in
                LogsShapes.LogStream(logStreamName: stream.name, creationTime: stream.creationTime,
                                     firstEventTimestamp: stream.firstEventTimestamp, lastEventTimestamp: stream.lastEventTimestamp,
                                     lastIngestionTime: stream.lastIngestionTime, arn: "\(arn):log-stream:\(stream.name)",
                                     storedBytes: stream.storedBytes)
            },
            nextToken: streams.count > limit ? page.last.map { LogsTokens.page($0.pageCursor(orderByLastEvent: byLastEvent)) } : nil)
    }
}
