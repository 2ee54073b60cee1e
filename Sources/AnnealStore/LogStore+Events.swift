extension LogStore {
    /// What AWS counts for each event on top of its message when it sizes batches and replies.
    public static let eventOverheadBytes = 26

    /// Appends events to a stream in one transaction. Timestamps may come in any order; events are
    /// stored in arrival order, each with a sequence number, and read back by (timestamp, sequence).
    /// `.notFound` without the group or the stream. Returns the sequence number of the last event
    /// (0 when `events` is empty).
    @discardableResult
    public func append(group: String, stream: String, events: [(timestamp: Int64, message: String)],
                       ingestionTime: Int64) throws(StoreError) -> Int64 {
        // Log lines are telemetry arriving by the hundred thousand a second: durable against a crash
        // of the process at once, against one of the machine with the next fsync (`Durability`).
        try database.write(durability: .process) { conn throws(StoreError) -> Int64 in
            let groupID = try LogStore.groupID(group, conn)
            guard let streamID = try conn.query("SELECT id FROM log_streams WHERE group_id = ? AND name = ?",
                                                [.integer(groupID), .text(stream)]).first?["id"].int else {
                throw StoreError(.notFound, "The specified log stream does not exist.")
            }
            guard !events.isEmpty else { return 0 }
            var bytes: Int64 = 0
            var first = Int64.max
            var last = Int64.min
            var index = 0
            var parameters: [SQLiteValue] = []
            parameters.reserveCapacity(LogStore.insertRows * 4)
            // Many rows per statement: binding dominates, not statement round trips.
            while index < events.count {
                let remaining = events.count - index
                let rows = remaining >= LogStore.insertRows ? LogStore.insertRows : 1 << (Int.bitWidth - 1 - remaining.leadingZeroBitCount)
                parameters.removeAll(keepingCapacity: true)
                for event in events[index..<(index + rows)] {
                    parameters.append(.integer(streamID))
                    parameters.append(.integer(event.timestamp))
                    parameters.append(.integer(ingestionTime))
                    parameters.append(.text(event.message))
                    bytes += Int64(event.message.utf8.count)
                    first = min(first, event.timestamp)
                    last = max(last, event.timestamp)
                }
                try conn.run(LogStore.insertSQL[rows.trailingZeroBitCount], parameters)
                index += rows
            }
            let sequence = conn.lastInsertRowID
            try conn.run("""
                UPDATE log_streams SET first_event = min(coalesce(first_event, ?1), ?1), last_event = max(coalesce(last_event, ?2), ?2),
                    last_ingestion = max(coalesce(last_ingestion, ?3), ?3), stored_bytes = stored_bytes + ?4 WHERE id = ?5
                """, [.integer(first), .integer(last), .integer(ingestionTime), .integer(bytes), .integer(streamID)])
            try conn.run("UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?", [.integer(bytes), .integer(groupID)])
            return sequence
        }
    }

    /// Events of one stream within [start, end) in (timestamp, sequence) order, returned oldest first.
    ///
    /// Forward, the page holds the first `limit` events at or after `position` (or `start`); backward,
    /// the last `limit` events before `position` (or `end`). The page stops early once its messages,
    /// counted with `eventOverheadBytes` each, would pass `maxBytes` (it always holds one event, if
    /// any). `first` is the position before the page's first event and `last` the one after its last:
    /// nil for an empty page, where the caller keeps the position it had.
    public func events(group: String, stream: String, start: Int64?, end: Int64?, after position: LogPosition?,
                       forward: Bool, limit: Int, maxBytes: Int = Int.max) throws(StoreError)
        -> (events: [LogEvent], first: LogPosition?, last: LogPosition?) {
        let low = LogPosition.start(of: start ?? Int64.min)
        let high = LogPosition.start(of: end ?? Int64.max)
        return try database.read { conn throws(StoreError) in
            let streamID = try LogStore.streamID(group: group, stream: stream, conn)
            var cursor = forward ? max(position ?? low, low) : min(position ?? high, high)
            var page: [(event: LogEvent, sequence: Int64)] = []
            var bytes = 0
            var chunk = min(limit, 64)
            scan: while page.count < limit {
                let rows = try forward
                    ? conn.query("""
                        SELECT sequence, timestamp, ingestion, message FROM log_events
                        WHERE stream_id = ? AND timestamp >= ? AND NOT (timestamp = ? AND sequence < ?) AND timestamp < ?
                        ORDER BY timestamp, sequence LIMIT ?
                        """, [.integer(streamID), .integer(cursor.timestamp), .integer(cursor.timestamp), .integer(cursor.sequence),
                              .integer(high.timestamp), .integer(Int64(chunk))])
                    : conn.query("""
                        SELECT sequence, timestamp, ingestion, message FROM log_events
                        WHERE stream_id = ? AND timestamp <= ? AND NOT (timestamp = ? AND sequence >= ?) AND timestamp >= ?
                        ORDER BY timestamp DESC, sequence DESC LIMIT ?
                        """, [.integer(streamID), .integer(cursor.timestamp), .integer(cursor.timestamp), .integer(cursor.sequence),
                              .integer(low.timestamp), .integer(Int64(chunk))])
                for row in rows {
                    let event = LogStore.event(from: row)
                    let size = event.message.utf8.count + LogStore.eventOverheadBytes
                    if !page.isEmpty && bytes + size > maxBytes { break scan }
                    bytes += size
                    let sequence = row["sequence"].int ?? 0
                    page.append((event, sequence))
                    cursor = forward ? .after(event.timestamp, sequence) : .before(event.timestamp, sequence)
                    if page.count == limit { break scan }
                }
                if rows.count < chunk { break }
                // Size the next read by what is left of the page, in events of the size seen so far.
                let average = max(bytes / page.count, 1)
                chunk = min(limit - page.count, max(16, min(2_000, (maxBytes - bytes) / average + 1)))
            }
            if !forward { page.reverse() }
            guard let oldest = page.first, let newest = page.last else { return ([], nil, nil) }
            return (page.map(\.event), .before(oldest.event.timestamp, oldest.sequence), .after(newest.event.timestamp, newest.sequence))
        }
    }

    static func event(from row: Row) -> LogEvent {
        LogEvent(timestamp: row["timestamp"].int ?? 0, message: row["message"].string ?? "", ingestionTime: row["ingestion"].int ?? 0)
    }

    /// Rows per INSERT statement, and the statements for 1, 2, 4, ... `insertRows` rows, so that the
    /// statement cache holds a handful of them whatever the batch sizes.
    static let insertRows = 128
    static let insertSQL: [String] = (0...insertRows.trailingZeroBitCount).map { power in
        "INSERT INTO log_events (stream_id, timestamp, ingestion, message) VALUES "
            + Array(repeating: "(?, ?, ?, ?)", count: 1 << power).joined(separator: ", ")
    }
}
