extension Schema {
    /// The audit log: denied requests, IAM changes and STS sessions handed out. Audit range, versions 600-699.
    static let audit: [Migration] = [
        Migration(version: 600, name: "audit_events", sql: """
            CREATE TABLE audit_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                event_time_ms INTEGER NOT NULL,
                principal TEXT NOT NULL,
                access_key_id TEXT NOT NULL,
                action TEXT NOT NULL,
                resource TEXT NOT NULL,
                outcome TEXT NOT NULL,
                error_code TEXT,
                source_ip TEXT NOT NULL,
                request_id TEXT NOT NULL
            );
            CREATE INDEX audit_events_by_time ON audit_events (event_time_ms);
            CREATE INDEX audit_events_by_principal ON audit_events (principal, id);
            """),
    ]
}
