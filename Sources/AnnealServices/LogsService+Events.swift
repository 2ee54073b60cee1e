import AnnealAWS
import AnnealStore

extension LogsService {
    /// The service's limits on what one PutLogEvents carries and one read returns.
    enum Limits {
        static let eventsPerBatch = 10_000
        static let batchBytes = 1_048_576
        /// A message's UTF-8 bytes. (AWS counts 26 more bytes per event against 256 KiB; lines of
        /// exactly 256 KiB, as producers that split long lines at that size send, are accepted.)
        static let messageBytes = 262_144
        static let replyBytes = 1_048_576
        static let tooOld: Int64 = 14 * 86_400_000
        static let tooNew: Int64 = 2 * 3_600_000
        static let dayMilliseconds: Int64 = 86_400_000
    }

    func putLogEvents(_ request: LogsShapes.PutLogEvents, _ context: CallContext) throws(AWSError) -> LogsShapes.PutLogEventsReply {
        let group = try LogsValidation.groupName(request.logGroupName)
        let stream = try LogsValidation.streamName(request.logStreamName)
        guard let input = request.logEvents else {
            throw LogsValidation.null("logEvents")
        }
        guard !input.isEmpty, input.count <= Limits.eventsPerBatch else {
            let bound = input.isEmpty ? "greater than or equal to 1" : "less than or equal to \(Limits.eventsPerBatch)"
            throw LogsErrors.invalid("1 validation error detected: Value '[...]' at 'logEvents' failed to satisfy constraint: "
                + "Member must have length \(bound)")
        }
        var batchBytes = 0
        for (index, event) in input.enumerated() {
            guard event.timestamp != nil, let message = event.message else {
                let field = event.timestamp == nil ? "timestamp" : "message"
                throw LogsValidation.null("logEvents.\(index + 1).member.\(field)")
            }
            let bytes = message.utf8.count
            if bytes > Limits.messageBytes {
                throw LogsErrors.invalid("Log event too large: the message of event \(index) is \(bytes) bytes; "
                    + "the limit is \(Limits.messageBytes) bytes.")
            }
            batchBytes += bytes + LogStore.eventOverheadBytes
        }
        if batchBytes > Limits.batchBytes {
            throw LogsErrors.invalid("Upload too large: \(batchBytes) bytes exceeds limit of \(Limits.batchBytes)")
        }
        try authorize("PutLogEvents", group: group, context)

        let now = clock()
        guard let info = try storing({ () throws(StoreError) in try store.group(group) }) else { throw LogsErrors.groupNotFound() }
        let expiredBefore = info.retentionDays.map { now - Int64($0) * Limits.dayMilliseconds }
        var rejected = LogsShapes.RejectedLogEventsInfo()
        var accepted: [(timestamp: Int64, message: String)] = []
        accepted.reserveCapacity(input.count)
        // Events need not be in time order here; each out-of-range event is left out, and the
        // reply's indices bound them as AWS's do for a sorted batch.
        for (index, event) in input.enumerated() {
            let timestamp = event.timestamp ?? 0
            if timestamp > now + Limits.tooNew {
                rejected.tooNewLogEventStartIndex = min(rejected.tooNewLogEventStartIndex ?? index, index)
            } else if timestamp < now - Limits.tooOld {
                rejected.tooOldLogEventEndIndex = index
            } else if let expiredBefore, timestamp < expiredBefore {
                rejected.expiredLogEventEndIndex = index
            } else {
                accepted.append((timestamp, event.message ?? ""))
            }
        }
        let sequence = try storing { () throws(StoreError) in
            try store.append(group: group, stream: stream, events: accepted, ingestionTime: now)
        }
        return LogsShapes.PutLogEventsReply(nextSequenceToken: LogsTokens.sequence(sequence),
                                            rejectedLogEventsInfo: rejected == LogsShapes.RejectedLogEventsInfo() ? nil : rejected)
    }

    func getLogEvents(_ request: LogsShapes.GetLogEvents, _ context: CallContext) throws(AWSError) -> LogsShapes.GetLogEventsReply {
        let group = try LogsValidation.group(name: request.logGroupName, identifier: request.logGroupIdentifier)
        let stream = try LogsValidation.streamName(request.logStreamName)
        let start = try LogsValidation.timestamp(request.startTime, field: "startTime")
        let end = try LogsValidation.timestamp(request.endTime, field: "endTime")
        let limit = try LogsValidation.limit(request.limit, max: 10_000, default: 10_000)
        let token = try LogsTokens.events(request.nextToken)
        try authorize("GetLogEvents", group: group, context)

        // Without a token: from the head when asked, else the last `limit` events.
        let forward = token?.forward ?? (request.startFromHead ?? false)
        let page = try storing { () throws(StoreError) in
            try store.events(group: group, stream: stream, start: start, end: end, after: token?.position, forward: forward,
                             limit: limit, maxBytes: Limits.replyBytes)
        }
        // An empty page keeps the place it was asked for, so a client polling the end of a
        // stream gets the token it sent back, and sees lines appended later on its next call.
        let here = token?.position ?? .start(of: start ?? 0)
        return LogsShapes.GetLogEventsReply(
            events: page.events.map { event in
                LogsShapes.OutputLogEvent(timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime)
            },
            nextForwardToken: LogsTokens.forward(page.last ?? here),
            nextBackwardToken: LogsTokens.backward(page.first ?? here))
    }

    func filterLogEvents(_ request: LogsShapes.FilterLogEvents, _ context: CallContext) throws(AWSError)
        -> LogsShapes.FilterLogEventsReply {
        let group = try LogsValidation.group(name: request.logGroupName, identifier: request.logGroupIdentifier)
        if request.logStreamNames != nil && request.logStreamNamePrefix != nil {
            throw LogsErrors.invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
        }
        let names = try request.logStreamNames.map { (names) throws(AWSError) -> [String] in
            guard !names.isEmpty, names.count <= 100 else {
                throw LogsErrors.invalid("1 validation error detected: Value '\(names)' at 'logStreamNames' failed to satisfy constraint: "
                    + "Member must have length between 1 and 100")
            }
            var checked: [String] = []
            for name in names { checked.append(try LogsValidation.streamName(name, field: "logStreamNames")) }
            return checked
        }
        let prefix = try request.logStreamNamePrefix.map { (name) throws(AWSError) in
            try LogsValidation.streamName(name, field: "logStreamNamePrefix")
        }
        let start = try LogsValidation.timestamp(request.startTime, field: "startTime")
        let end = try LogsValidation.timestamp(request.endTime, field: "endTime")
        let limit = try LogsValidation.limit(request.limit, max: 10_000, default: 10_000)
        let pattern = try LogsFilterPattern(request.filterPattern ?? "")
        let position = try LogsTokens.filterPosition(request.nextToken)
        try authorize("FilterLogEvents", group: group, context)

        let page = try storing { () throws(StoreError) in
            try store.filter(group: group, streams: names, streamPrefix: prefix, start: start, end: end, after: position, limit: limit,
                             maxBytes: Limits.replyBytes, matching: pattern.matches)
        }
        return LogsShapes.FilterLogEventsReply(
            events: page.events.map { found in
                LogsShapes.FilteredLogEvent(logStreamName: found.stream, timestamp: found.event.timestamp, message: found.event.message,
                                            ingestionTime: found.event.ingestionTime, eventId: found.eventID)
            },
            nextToken: page.next.map(LogsTokens.filter))
    }
}
