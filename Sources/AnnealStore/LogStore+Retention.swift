extension LogStore {
    /// Sets (or, with nil, removes) how many days a group keeps its events. `.notFound` without the group.
    public func setRetention(group: String, days: Int?) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            let changed = try conn.run("UPDATE log_groups SET retention_days = ? WHERE name = ?",
                                       [days.map { .integer(Int64($0)) } ?? .null, .text(group)])
            guard changed == 1 else { throw StoreError(.notFound, "The specified log group does not exist.") }
        }
    }

    /// Deletes a group with its streams and their events. `.notFound` without the group.
    public func deleteGroup(_ name: String) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            let groupID = try LogStore.groupID(name, conn)
            try conn.run("DELETE FROM log_events WHERE stream_id IN (SELECT id FROM log_streams WHERE group_id = ?)", [.integer(groupID)])
            try conn.run("DELETE FROM log_streams WHERE group_id = ?", [.integer(groupID)])
            try conn.run("DELETE FROM log_groups WHERE id = ?", [.integer(groupID)])
        }
    }

    /// Deletes a stream and its events. `.notFound` without the group or the stream.
    public func deleteStream(group: String, name: String) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            let groupID = try LogStore.groupID(group, conn)
            let streamID = try LogStore.streamID(group: group, stream: name, conn)
            let bytes = try conn.query("SELECT stored_bytes FROM log_streams WHERE id = ?", [.integer(streamID)])
                .first?["stored_bytes"].int ?? 0
            try conn.run("DELETE FROM log_events WHERE stream_id = ?", [.integer(streamID)])
            try conn.run("DELETE FROM log_streams WHERE id = ?", [.integer(streamID)])
            try conn.run("UPDATE log_groups SET stored_bytes = max(stored_bytes - ?, 0) WHERE id = ?", [.integer(bytes), .integer(groupID)])
        }
    }

    /// Deletes the events that each group's retention no longer keeps: those stamped more than
    /// `retentionDays` days before `now` (epoch milliseconds). Works in transactions of at most
    /// `batch` events, so appends are never held up for long. Returns how many events it deleted.
    @discardableResult
    public func purge(before now: Int64, batch: Int = 10_000) throws(StoreError) -> Int {
        let expiring = try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT s.id AS stream_id, g.id AS group_id, g.retention_days AS days FROM log_streams s
                JOIN log_groups g ON g.id = s.group_id
                WHERE g.retention_days IS NOT NULL AND s.first_event < ? - g.retention_days * 86400000
                """, [.integer(now)]).map { row in
                (stream: row["stream_id"].int ?? 0, group: row["group_id"].int ?? 0, days: row["days"].int ?? 0)
            }
        }
        var deleted = 0
        for item in expiring {
            let cutoff = now - item.days * LogStore.dayMilliseconds
            while true {
                let count = try database.write { conn throws(StoreError) -> Int in
                    try LogStore.purge(stream: item.stream, group: item.group, before: cutoff, limit: batch, conn)
                }
                deleted += count
                if count < batch { break }
            }
        }
        return deleted
    }

    static let dayMilliseconds: Int64 = 86_400_000

    /// Deletes up to `limit` of a stream's oldest events stamped before `cutoff`, keeping the
    /// stream's and group's figures right.
    private static func purge(stream: Int64, group: Int64, before cutoff: Int64, limit: Int,
                              _ conn: SQLiteConnection) throws(StoreError) -> Int {
        let oldest = """
            SELECT sequence FROM log_events WHERE stream_id = ?1 AND timestamp < ?2 ORDER BY timestamp, sequence LIMIT ?3
            """
        let parameters: [SQLiteValue] = [.integer(stream), .integer(cutoff), .integer(Int64(limit))]
        let bytes = try conn.query("""
            SELECT coalesce(sum(length(CAST(message AS BLOB))), 0) AS bytes FROM log_events WHERE sequence IN (\(oldest))
            """, parameters).first?["bytes"].int ?? 0
        let count = try conn.run("DELETE FROM log_events WHERE sequence IN (\(oldest))", parameters)
        guard count > 0 else { return 0 }
        try conn.run("""
            UPDATE log_streams SET stored_bytes = max(stored_bytes - ?1, 0),
                first_event = (SELECT min(timestamp) FROM log_events WHERE stream_id = ?2) WHERE id = ?2
            """, [.integer(bytes), .integer(stream)])
        try conn.run("UPDATE log_groups SET stored_bytes = max(stored_bytes - ?, 0) WHERE id = ?", [.integer(bytes), .integer(group)])
        return count
    }
}
