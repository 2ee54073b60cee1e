extension Schema {
    /// Hyperparameter tuning jobs: versions 400-499. A tuning job is one JSON document (the Codable
    /// `TuningJob`) plus the columns listing filters on; its trials are the training jobs whose
    /// `tuning_job_arn` names it.
    static let tuning: [Migration] = [
        Migration(version: 400, name: "tuning_jobs", sql: """
            CREATE TABLE tuning_jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL COLLATE NOCASE UNIQUE,
                arn TEXT NOT NULL UNIQUE,
                status TEXT NOT NULL,
                creation_time REAL NOT NULL,
                last_modified_time REAL NOT NULL,
                document TEXT NOT NULL
            );
            CREATE INDEX tuning_jobs_by_status ON tuning_jobs (status);
            """),
    ]
}
