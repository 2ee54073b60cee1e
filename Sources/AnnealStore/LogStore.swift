/// One log line as readers see it. Times are epoch milliseconds.
public struct LogEvent: Sendable, Equatable {
    public var timestamp: Int64
    public var message: String
    public var ingestionTime: Int64

    public init(timestamp: Int64, message: String, ingestionTime: Int64) {
        self.timestamp = timestamp
        self.message = message
        self.ingestionTime = ingestionTime
    }
}

public struct LogStreamInfo: Sendable, Equatable {
    public var group: String
    public var name: String
    public var creationTime: Int64
    public var firstEventTimestamp: Int64?
    public var lastEventTimestamp: Int64?
    public var lastIngestionTime: Int64?
    public var storedBytes: Int64

    public init(group: String, name: String, creationTime: Int64, firstEventTimestamp: Int64? = nil,
                lastEventTimestamp: Int64? = nil, lastIngestionTime: Int64? = nil, storedBytes: Int64 = 0) {
        self.group = group
        self.name = name
        self.creationTime = creationTime
        self.firstEventTimestamp = firstEventTimestamp
        self.lastEventTimestamp = lastEventTimestamp
        self.lastIngestionTime = lastIngestionTime
        self.storedBytes = storedBytes
    }

    /// What `streams(..., after:)` takes to continue after this stream in the given order.
    public func pageCursor(orderByLastEvent: Bool) -> String {
        orderByLastEvent ? "\(lastEventTimestamp ?? -1)/\(name)" : name
    }
}

public struct LogGroupInfo: Sendable, Equatable {
    public var name: String
    public var creationTime: Int64
    public var retentionDays: Int?
    public var storedBytes: Int64

    public init(name: String, creationTime: Int64, retentionDays: Int? = nil, storedBytes: Int64 = 0) {
        self.name = name
        self.creationTime = creationTime
        self.retentionDays = retentionDays
        self.storedBytes = storedBytes
    }
}

/// Log groups, their streams and the streams' events, in the platform's SQLite database.
///
/// Every call is one transaction, and blocks: call it from server threads or a queue of its own.
/// An append is visible to every reader as soon as it returns.
public final class LogStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Creates a group; `.conflict` if it exists.
    public func createGroup(_ name: String, at time: Int64) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            let inserted = try conn.run("INSERT OR IGNORE INTO log_groups (name, created_at) VALUES (?, ?)", [.text(name), .integer(time)])
            guard inserted == 1 else {
                throw StoreError(.conflict, "The specified log group already exists.")
            }
        }
    }

    /// Creates a group unless it exists.
    public func ensureGroup(_ name: String, at time: Int64) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("INSERT OR IGNORE INTO log_groups (name, created_at) VALUES (?, ?)", [.text(name), .integer(time)])
        }
    }

    /// Creates a stream; `.notFound` without its group, `.conflict` if it exists.
    /// Streams are committed as their events are (`.process`): a crash of the machine may lose the
    /// newest of both, a crash of the server neither.
    public func createStream(group: String, name: String, at time: Int64) throws(StoreError) {
        try database.write(durability: .process) { conn throws(StoreError) in
            let groupID = try LogStore.groupID(group, conn)
            guard try conn.run("INSERT OR IGNORE INTO log_streams (group_id, name, created_at) VALUES (?, ?, ?)",
                               [.integer(groupID), .text(name), .integer(time)]) == 1 else {
                throw StoreError(.conflict, "The specified log stream already exists.")
            }
        }
    }

    /// Creates a stream unless it exists; `.notFound` without its group.
    public func ensureStream(group: String, name: String, at time: Int64) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            let groupID = try LogStore.groupID(group, conn)
            try conn.run("INSERT OR IGNORE INTO log_streams (group_id, name, created_at) VALUES (?, ?, ?)",
                         [.integer(groupID), .text(name), .integer(time)])
        }
    }

    /// Groups in name order, those whose names start with `prefix`, after the group named `after`.
    /// `contains` keeps those whose names contain it, ignoring case.
    public func groups(prefix: String?, limit: Int, after: String?, contains: String? = nil) throws(StoreError) -> [LogGroupInfo] {
        var sql = "SELECT name, created_at, retention_days, stored_bytes FROM log_groups WHERE 1"
        var parameters: [SQLiteValue] = []
        if let prefix, !prefix.isEmpty {
            sql += " AND name >= ? AND name < ?"
            parameters += [.text(prefix), .text(LogStore.prefixEnd(prefix))]
        }
        if let contains, !contains.isEmpty {
            sql += " AND instr(lower(name), lower(?)) > 0"
            parameters.append(.text(contains))
        }
        if let after {
            sql += " AND name > ?"
            parameters.append(.text(after))
        }
        sql += " ORDER BY name LIMIT ?"
        parameters.append(.integer(Int64(max(limit, 0))))
        return try database.read { conn throws(StoreError) in
            try conn.query(sql, parameters).map(LogStore.group(from:))
        }
    }

    /// One group, or nil.
    public func group(_ name: String) throws(StoreError) -> LogGroupInfo? {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT name, created_at, retention_days, stored_bytes FROM log_groups WHERE name = ?", [.text(name)])
                .first.map(LogStore.group(from:))
        }
    }

    /// Streams of a group, by name or by last event time (streams without events first), after the
    /// stream whose `pageCursor(orderByLastEvent:)` is `after`. `.notFound` without the group.
    public func streams(group: String, prefix: String?, orderByLastEvent: Bool, descending: Bool, limit: Int,
                        after: String?) throws(StoreError) -> [LogStreamInfo] {
        var sql = """
            SELECT name, created_at, first_event, last_event, last_ingestion, stored_bytes FROM log_streams WHERE group_id = ?
            """
        var parameters: [SQLiteValue] = []
        if let prefix, !prefix.isEmpty {
            sql += " AND name >= ? AND name < ?"
            parameters += [.text(prefix), .text(LogStore.prefixEnd(prefix))]
        }
        let comparison = descending ? "<" : ">"
        let direction = descending ? "DESC" : "ASC"
        if orderByLastEvent {
            if let after {
                guard let slash = after.firstIndex(of: "/"), let last = Int64(after[..<slash]) else {
                    throw StoreError(.invalid, "The page cursor is not valid for ordering by last event time")
                }
                sql += " AND (coalesce(last_event, -1), name) \(comparison) (?, ?)"
                parameters += [.integer(last), .text(String(after[after.index(after: slash)...]))]
            }
            sql += " ORDER BY coalesce(last_event, -1) \(direction), name \(direction) LIMIT ?"
        } else {
            if let after {
                sql += " AND name \(comparison) ?"
                parameters.append(.text(after))
            }
            sql += " ORDER BY name \(direction) LIMIT ?"
        }
        parameters.append(.integer(Int64(max(limit, 0))))
        return try database.read { conn throws(StoreError) in
            let groupID = try LogStore.groupID(group, conn)
            return try conn.query(sql, [.integer(groupID)] + parameters).map { LogStore.stream(from: $0, group: group) }
        }
    }

    /// One stream, or nil (also when its group does not exist).
    public func stream(group: String, name: String) throws(StoreError) -> LogStreamInfo? {
        try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT s.name, s.created_at, s.first_event, s.last_event, s.last_ingestion, s.stored_bytes
                FROM log_streams s JOIN log_groups g ON g.id = s.group_id WHERE g.name = ? AND s.name = ?
                """, [.text(group), .text(name)]).first.map { LogStore.stream(from: $0, group: group) }
        }
    }

    // MARK: - Shared pieces

    static func groupID(_ name: String, _ conn: SQLiteConnection) throws(StoreError) -> Int64 {
        guard let id = try conn.query("SELECT id FROM log_groups WHERE name = ?", [.text(name)]).first?["id"].int else {
            throw StoreError(.notFound, "The specified log group does not exist.")
        }
        return id
    }

    static func streamID(group: String, stream: String, _ conn: SQLiteConnection) throws(StoreError) -> Int64 {
        let groupID = try groupID(group, conn)
        guard let id = try conn.query("SELECT id FROM log_streams WHERE group_id = ? AND name = ?",
                                      [.integer(groupID), .text(stream)]).first?["id"].int else {
            throw StoreError(.notFound, "The specified log stream does not exist.")
        }
        return id
    }

    static func group(from row: Row) -> LogGroupInfo {
        LogGroupInfo(name: row["name"].string ?? "", creationTime: row["created_at"].int ?? 0,
                     retentionDays: row["retention_days"].int.map { Int($0) }, storedBytes: row["stored_bytes"].int ?? 0)
    }

    static func stream(from row: Row, group: String) -> LogStreamInfo {
        LogStreamInfo(group: group, name: row["name"].string ?? "", creationTime: row["created_at"].int ?? 0,
                      firstEventTimestamp: row["first_event"].int, lastEventTimestamp: row["last_event"].int,
                      lastIngestionTime: row["last_ingestion"].int, storedBytes: row["stored_bytes"].int ?? 0)
    }

    /// An upper bound for the names that start with `prefix`, as SQLite compares text (UTF-8
    /// bytes): no UTF-8 sequence sorts after U+10FFFF's, so `name >= prefix AND name < end` is a
    /// range scan of the index. (Names that continue the prefix with U+10FFFF itself fall outside.)
    static func prefixEnd(_ prefix: String) -> String {
        prefix + "\u{10FFFF}"
    }
}
