extension Schema {
    /// Slurm executor: versions 1200-1299. One row per Slurm job Anneal submits, written before the
    /// submission (with the tag it carries as its comment) and completed with the Slurm job ID once
    /// the cluster accepts it, so a restarted server finds and reattaches every allocation that
    /// may still run: none is lost, none is submitted twice.
    static let slurm: [Migration] = [
        Migration(version: 1200, name: "slurm_allocations", sql: """
            CREATE TABLE IF NOT EXISTS slurm_allocations (
                tag TEXT PRIMARY KEY,
                job TEXT NOT NULL,
                hosts INTEGER NOT NULL,
                partition TEXT NOT NULL,
                slurm_job_id INTEGER,
                submitted_at REAL NOT NULL,
                ended_at REAL,
                end_state TEXT
            );
            CREATE INDEX IF NOT EXISTS slurm_allocations_open ON slurm_allocations (job) WHERE ended_at IS NULL;
            """),
    ]
}
