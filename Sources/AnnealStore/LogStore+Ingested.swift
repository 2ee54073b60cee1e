extension LogStore {
    /// Events ever appended (retention does not lower it): the highest sequence number handed out.
    public func ingestedEvents() throws(StoreError) -> Int64 {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT seq FROM sqlite_sequence WHERE name = 'log_events'").first?["seq"].int ?? 0
        }
    }
}
