extension MetricStore {
    /// Deletes the points stamped before `cutoff` (epoch milliseconds), series by series through
    /// the (series, timestamp) index, in transactions of at most `batch` points so writers are never
    /// held up for long; then the series left without points. Returns how many points it deleted.
    @discardableResult
    public func purge(before cutoff: Int64, batch: Int = 10_000) throws(StoreError) -> Int {
        let series = try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT id FROM metric_series s
                WHERE EXISTS (SELECT 1 FROM metric_points p WHERE p.series_id = s.id AND p.timestamp < ?)
                """, [.integer(cutoff)]).compactMap { $0["id"].int }
        }
        var deleted = 0
        for id in series {
            while true {
                let count = try database.write { conn throws(StoreError) -> Int in
                    try conn.run("""
                        DELETE FROM metric_points WHERE id IN
                            (SELECT id FROM metric_points WHERE series_id = ?1 AND timestamp < ?2 ORDER BY timestamp LIMIT ?3)
                        """, [.integer(id), .integer(cutoff), .integer(Int64(batch))])
                }
                deleted += count
                if count < batch { break }
            }
        }
        try database.write { conn throws(StoreError) in
            try conn.run("""
                DELETE FROM metric_series WHERE last_point < ?
                AND NOT EXISTS (SELECT 1 FROM metric_points p WHERE p.series_id = metric_series.id)
                """, [.integer(cutoff)])
        }
        return deleted
    }
}
