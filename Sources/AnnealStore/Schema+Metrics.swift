extension Schema {
    /// CloudWatch metrics: versions 300-399.
    static let metrics: [Migration] = [
        // A series is one (namespace, metric name, dimensions) triple; `dimensions` is the
        // normalised key: a JSON object with the names sorted, so the same dimensions given in any
        // order name the same series, and ListMetrics can filter on them with json_each. Points are
        // statistic sets (a single value is the set {1, v, v, v}), read through
        // (series_id, timestamp): with the series' unique index, that is the (namespace, name,
        // dimensions, time) index. AUTOINCREMENT keeps the highest id the count of points ever
        // ingested, even after retention deleted the oldest.
        Migration(version: 300, name: "metrics", sql: """
            CREATE TABLE metric_series (
                id INTEGER PRIMARY KEY,
                namespace TEXT NOT NULL,
                name TEXT NOT NULL,
                dimensions TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                last_point INTEGER NOT NULL,
                UNIQUE (namespace, name, dimensions)
            );
            CREATE TABLE metric_points (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                series_id INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
                timestamp INTEGER NOT NULL,
                sample_count REAL NOT NULL,
                sum REAL NOT NULL,
                minimum REAL NOT NULL,
                maximum REAL NOT NULL,
                unit TEXT NOT NULL,
                resolution INTEGER NOT NULL
            );
            CREATE INDEX metric_points_by_time ON metric_points (series_id, timestamp);
            """),
    ]
}
