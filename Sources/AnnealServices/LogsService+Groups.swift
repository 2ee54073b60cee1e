import AnnealAWS
import AnnealStore

extension LogsService {
    func createLogGroup(_ request: LogsShapes.CreateLogGroup, _ context: CallContext) throws(AWSError) -> LogsShapes.Empty {
        let group = try LogsValidation.groupName(request.logGroupName)
        if let logGroupClass = request.logGroupClass, !["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"].contains(logGroupClass) {
            throw LogsValidation.failure(logGroupClass, "logGroupClass",
                                         "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]")
        }
        try authorize("CreateLogGroup", group: group, context)
        let now = clock()
        try storing { () throws(StoreError) in try store.createGroup(group, at: now) }
        return LogsShapes.Empty()
    }

    func deleteLogGroup(_ request: LogsShapes.GroupName, _ context: CallContext) throws(AWSError) -> LogsShapes.Empty {
        let group = try LogsValidation.groupName(request.logGroupName)
        try authorize("DeleteLogGroup", group: group, context)
        try storing { () throws(StoreError) in try store.deleteGroup(group) }
        return LogsShapes.Empty()
    }

    func describeLogGroups(_ request: LogsShapes.DescribeLogGroups, _ context: CallContext) throws(AWSError)
        -> LogsShapes.DescribeLogGroupsReply {
        let prefix = try request.logGroupNamePrefix.map { (name) throws(AWSError) in
            try LogsValidation.groupName(name, field: "logGroupNamePrefix")
        }
        if request.logGroupNamePattern != nil && prefix != nil {
            throw LogsErrors.invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        }
        let limit = try LogsValidation.limit(request.limit, max: 50, default: 50)
        let after = try LogsTokens.pageCursor(request.nextToken)
        try authorize("DescribeLogGroups", group: "*", context)
        let groups = try storing { () throws(StoreError) in
            try store.groups(prefix: prefix, limit: limit + 1, after: after, contains: request.logGroupNamePattern)
        }
        let page = groups.prefix(limit)
        return LogsShapes.DescribeLogGroupsReply(
            logGroups: page.map { group in
                let arn = groupARN(group.name, context)
                return LogsShapes.LogGroup(logGroupName: group.name, creationTime: group.creationTime, retentionInDays: group.retentionDays,
                                           arn: arn + ":*", logGroupArn: arn, storedBytes: group.storedBytes)
            },
            nextToken: groups.count > limit ? page.last.map { LogsTokens.page($0.name) } : nil)
    }

    func putRetentionPolicy(_ request: LogsShapes.PutRetentionPolicy, _ context: CallContext) throws(AWSError) -> LogsShapes.Empty {
        let group = try LogsValidation.groupName(request.logGroupName)
        guard let days = request.retentionInDays else { throw LogsValidation.null("retentionInDays") }
        guard LogsValidation.retentionDays.contains(days) else {
            throw LogsValidation.failure(String(days), "retentionInDays",
                                         "Member must satisfy enum value set: \(LogsValidation.retentionDays)")
        }
        try authorize("PutRetentionPolicy", group: group, context)
        try storing { () throws(StoreError) in try store.setRetention(group: group, days: days) }
        return LogsShapes.Empty()
    }

    func deleteRetentionPolicy(_ request: LogsShapes.GroupName, _ context: CallContext) throws(AWSError) -> LogsShapes.Empty {
        let group = try LogsValidation.groupName(request.logGroupName)
        try authorize("DeleteRetentionPolicy", group: group, context)
        try storing { () throws(StoreError) in try store.setRetention(group: group, days: nil) }
        return LogsShapes.Empty()
    }
}
