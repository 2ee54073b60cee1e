/// An event found by `LogStore.filter`, with the stream it came from.
public struct FilteredLogEvent: Sendable, Equatable {
    public var stream: String
    public var event: LogEvent
    public var sequence: Int64

    /// An id that names this event for as long as it is stored (clients use it to drop events they
    /// have already shown when they read the same time again).
    public var eventID: String {
        LogStore.digits(event.timestamp, 13) + LogStore.digits(sequence, 20)
    }
}

extension LogStore {
    /// Events of a group's streams (all, those named, or those whose names start with a prefix)
    /// within [start, end), interleaved in (timestamp, sequence) order from `position` on, that
    /// `matching` accepts.
    ///
    /// A page ends after `limit` events, before its messages would pass `maxBytes`, or once
    /// `maxScanned` events were read, so one call stays short however rare the matches. `next` is
    /// where the following page starts, nil when no event is left after this page.
    public func filter(group: String, streams names: [String]?, streamPrefix: String?, start: Int64?, end: Int64?,
                       after position: LogPosition?, limit: Int, maxBytes: Int = Int.max, maxScanned: Int = 50_000,
                       matching: (String) -> Bool) throws(StoreError) -> (events: [FilteredLogEvent], next: LogPosition?) {
        let low = LogPosition.start(of: start ?? Int64.min)
        let endTime = end ?? Int64.max
        var cursor = max(position ?? low, low)
        return try database.read { conn throws(StoreError) in
            let groupID = try LogStore.groupID(group, conn)
            var sql = """
                SELECT id, name FROM log_streams
                WHERE group_id = ? AND last_event >= ? AND first_event < ?
                """
            var parameters: [SQLiteValue] = [.integer(groupID), .integer(cursor.timestamp), .integer(endTime)]
            if let names {
                sql += " AND name IN (" + Array(repeating: "?", count: names.count).joined(separator: ", ") + ")"
                parameters += names.map { .text($0) }
            } else if let streamPrefix, !streamPrefix.isEmpty {
                sql += " AND name >= ? AND name < ?"
                parameters += [.text(streamPrefix), .text(LogStore.prefixEnd(streamPrefix))]
            }
            var readers = try conn.query(sql, parameters).map { row in
                StreamReader(id: row["id"].int ?? 0, name: row["name"].string ?? "", cursor: cursor)
            }
            var heap = ReaderHeap()
            for index in readers.indices {
                try readers[index].refill(conn, end: endTime)
                if readers[index].head != nil { heap.push(index, readers) }
            }
            var page: [FilteredLogEvent] = []
            var bytes = 0
            var scanned = 0
            while let index = heap.pop(readers), let head = readers[index].head {
                let (event, sequence) = head
                let size = event.message.utf8.count + LogStore.eventOverheadBytes
                let matches = matching(event.message)
                if matches && !page.isEmpty && bytes + size > maxBytes {
                    heap.push(index, readers)
                    break
                }
                try readers[index].advance(conn, end: endTime)
                if readers[index].head != nil { heap.push(index, readers) }
                cursor = .after(event.timestamp, sequence)
                scanned += 1
                if matches {
                    page.append(FilteredLogEvent(stream: readers[index].name, event: event, sequence: sequence))
                    bytes += size
                    if page.count >= limit { break }
                }
                if scanned >= maxScanned { break }
            }
            return (page, heap.isEmpty ? nil : cursor)
        }
    }

    static func digits(_ value: Int64, _ width: Int) -> String {
        let text = String(value.magnitude)
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// One stream read forward in chunks that grow as the stream proves busy.
private struct StreamReader {
    let id: Int64
    let name: String
    var cursor: LogPosition
    var buffer: [(event: LogEvent, sequence: Int64)] = []
    var index = 0
    var chunk = 32
    var exhausted = false

    init(id: Int64, name: String, cursor: LogPosition) {
        self.id = id
        self.name = name
        self.cursor = cursor
    }

    var head: (event: LogEvent, sequence: Int64)? { index < buffer.count ? buffer[index] : nil }

    mutating func advance(_ conn: SQLiteConnection, end: Int64) throws(StoreError) {
        index += 1
        if index >= buffer.count { try refill(conn, end: end) }
    }

    mutating func refill(_ conn: SQLiteConnection, end: Int64) throws(StoreError) {
        buffer.removeAll(keepingCapacity: true)
        index = 0
        guard !exhausted else { return }
        let rows = try conn.query("""
            SELECT sequence, timestamp, ingestion, message FROM log_events
            WHERE stream_id = ? AND timestamp >= ? AND NOT (timestamp = ? AND sequence < ?) AND timestamp < ?
            ORDER BY timestamp, sequence LIMIT ?
            """, [.integer(id), .integer(cursor.timestamp), .integer(cursor.timestamp), .integer(cursor.sequence),
                  .integer(end), .integer(Int64(chunk))])
        for row in rows {
            buffer.append((LogStore.event(from: row), row["sequence"].int ?? 0))
        }
        exhausted = rows.count < chunk
        if let last = buffer.last { cursor = .after(last.event.timestamp, last.sequence) }
        chunk = min(chunk * 2, 1_024)
    }

    /// The head's place in the interleaved order.
    var key: (Int64, Int64) {
        guard let head else { return (Int64.max, Int64.max) }
        return (head.event.timestamp, head.sequence)
    }
}

/// A binary min-heap of reader indices, ordered by each reader's head.
private struct ReaderHeap {
    private var items: [Int] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ reader: Int, _ readers: [StreamReader]) {
        items.append(reader)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard readers[items[child]].key < readers[items[parent]].key else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop(_ readers: [StreamReader]) -> Int? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var least = parent
            if left < items.count && readers[items[left]].key < readers[items[least]].key { least = left }
            if right < items.count && readers[items[right]].key < readers[items[least]].key { least = right }
            if least == parent { break }
            items.swapAt(parent, least)
            parent = least
        }
        return top
    }
}
