import AnnealCore

/// The audit log in SQLite: appended to by the gateway (each event committed before the reply that
/// it records is sent), read newest first, and bounded both in age and in count.
public final class AuditStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Appends one event, committed when this returns; returns its id.
    @discardableResult
    public func append(_ event: AuditEvent) throws(StoreError) -> Int64 {
        try database.write { conn throws(StoreError) in
            try conn.run("""
                INSERT INTO audit_events (event_time_ms, principal, access_key_id, action, resource, outcome, error_code, source_ip,
                                          request_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(event.timeMilliseconds), .text(event.principal), .text(event.accessKeyID), .text(event.action),
                      .text(event.resource), .text(event.outcome.rawValue), event.errorCode.map { .text($0) } ?? .null,
                      .text(event.sourceIP), .text(event.requestID)])
            return try conn.query("SELECT last_insert_rowid() AS id").first?["id"].int ?? 0
        }
    }

    /// One page of events, newest first, and the token of the next page when there is one.
    public func events(_ query: AuditQuery) throws(StoreError) -> (events: [AuditEvent], nextToken: String?) {
        var clauses: [String] = []
        var parameters: [SQLiteValue] = []
        if let start = query.startMilliseconds { clauses.append("event_time_ms >= ?"); parameters.append(.integer(start)) }
        if let end = query.endMilliseconds { clauses.append("event_time_ms <= ?"); parameters.append(.integer(end)) }
        if let outcome = query.outcome { clauses.append("outcome = ?"); parameters.append(.text(outcome.rawValue)) }
        if let principal = query.principal { clauses.append("principal = ?"); parameters.append(.text(principal)) }
        if let before = query.beforeID { clauses.append("id < ?"); parameters.append(.integer(before)) }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let limit = max(1, min(query.maxResults, AuditQuery.maxMaxResults))
        let rows = try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT id, event_time_ms, principal, access_key_id, action, resource, outcome, error_code, source_ip, request_id
                FROM audit_events \(filter) ORDER BY id DESC LIMIT \(limit + 1)
                """, parameters)
        }
        let page = rows.prefix(limit)
        let events = page.map { row in
            AuditEvent(timeMilliseconds: row["event_time_ms"].int ?? 0, principal: row["principal"].string ?? "",
                       accessKeyID: row["access_key_id"].string ?? "", action: row["action"].string ?? "",
                       resource: row["resource"].string ?? "", outcome: AuditEvent.Outcome(rawValue: row["outcome"].string ?? "") ?? .denied,
                       errorCode: row["error_code"].string, sourceIP: row["source_ip"].string ?? "", requestID: row["request_id"].string ?? "")
        }
        let next = rows.count > limit ? page.last?["id"].int.map(AuditPageToken.encode) : nil
        return (events, next)
    }

    /// Removes events older than `cutoffMilliseconds` and all but the newest `keep`; returns how many went.
    @discardableResult
    public func prune(olderThan cutoffMilliseconds: Int64, keep: Int) throws(StoreError) -> Int {
        try database.write { conn throws(StoreError) in
            let old = try conn.run("DELETE FROM audit_events WHERE event_time_ms < ?", [.integer(cutoffMilliseconds)])
            let newest = try conn.query("SELECT MAX(id) AS id FROM audit_events").first?["id"].int ?? 0
            let excess = try conn.run("DELETE FROM audit_events WHERE id <= ?", [.integer(newest - Int64(keep))])
            return old + excess
        }
    }
}
