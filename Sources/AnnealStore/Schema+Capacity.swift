extension Schema {
    /// Capacity: versions 500-599. One row per instance ever launched: when, where, for which job,
    /// what it reserved and cost per hour, and when and why it was released. Capacity in use at any
    /// moment, and cost so far, are read from these rows.
    static let capacity: [Migration] = [
        Migration(version: 500, name: "capacity_instances", sql: """
            CREATE TABLE IF NOT EXISTS capacity_instances (
                sequence INTEGER PRIMARY KEY,
                instance_id TEXT NOT NULL UNIQUE,
                job TEXT NOT NULL,
                host INTEGER NOT NULL,
                pool TEXT NOT NULL,
                instance_type TEXT NOT NULL,
                vcpus INTEGER NOT NULL,
                memory_mib INTEGER NOT NULL,
                gpus INTEGER NOT NULL,
                price_per_hour REAL NOT NULL,
                on_demand_price_per_hour REAL NOT NULL,
                launched_at REAL NOT NULL,
                released_at REAL,
                release_reason TEXT
            );
            CREATE INDEX IF NOT EXISTS capacity_instances_by_job ON capacity_instances (job);
            CREATE INDEX IF NOT EXISTS capacity_instances_running ON capacity_instances (released_at) WHERE released_at IS NULL;
            """),
    ]
}
