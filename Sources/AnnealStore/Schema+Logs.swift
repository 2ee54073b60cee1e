extension Schema {
    /// Log groups, streams and events; metrics: versions 200-299.
    static let logs: [Migration] = [
        // Events live in a rowid table whose rowid is the event's sequence: a global counter in
        // arrival order (AUTOINCREMENT, so a deleted group never hands its numbers out again). Each
        // stream's events are read through (stream_id, timestamp), whose index entries carry the
        // rowid, so (timestamp, sequence) order costs no sort. A stream id belongs to one group, so
        // this is the (group, stream, timestamp, sequence) index. Messages stay out of the index:
        // up to 256 KiB each, they would bloat it.
        Migration(version: 200, name: "logs", sql: """
            CREATE TABLE log_groups (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                retention_days INTEGER,
                stored_bytes INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE log_streams (
                id INTEGER PRIMARY KEY,
                group_id INTEGER NOT NULL REFERENCES log_groups(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                first_event INTEGER,
                last_event INTEGER,
                last_ingestion INTEGER,
                stored_bytes INTEGER NOT NULL DEFAULT 0,
                UNIQUE (group_id, name)
            );
            CREATE INDEX log_streams_by_last_event ON log_streams (group_id, coalesce(last_event, -1), name);
            CREATE TABLE log_events (
                sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                stream_id INTEGER NOT NULL,
                timestamp INTEGER NOT NULL,
                ingestion INTEGER NOT NULL,
                message TEXT NOT NULL
            );
            CREATE INDEX log_events_by_time ON log_events (stream_id, timestamp);
            """),
    ]
}
