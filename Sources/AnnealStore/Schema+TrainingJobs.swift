extension Schema {
    /// Training jobs: versions 100-199.
    static let trainingJobs: [Migration] = [
        // A job is one JSON document (the Codable `TrainingJob`, versioned by `document_version`) plus
        // the columns that listing filters and sorts on. Names are unique regardless of case, as in
        // SageMaker; `id` (never reused) breaks ties so pagination is stable.
        Migration(version: 100, name: "training_jobs", sql: """
            CREATE TABLE training_jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL COLLATE NOCASE UNIQUE,
                arn TEXT NOT NULL UNIQUE,
                status TEXT NOT NULL,
                secondary_status TEXT NOT NULL,
                warm_pool_status TEXT,
                tuning_job_arn TEXT,
                creation_time REAL NOT NULL,
                last_modified_time REAL NOT NULL,
                document_version INTEGER NOT NULL,
                document TEXT NOT NULL
            );
            CREATE INDEX training_jobs_by_creation ON training_jobs (creation_time, id);
            CREATE INDEX training_jobs_by_status ON training_jobs (status, id);
            CREATE INDEX training_jobs_by_modified ON training_jobs (last_modified_time);
            CREATE INDEX training_jobs_by_tuning_job ON training_jobs (tuning_job_arn) WHERE tuning_job_arn IS NOT NULL;
            -- Tags of any SageMaker resource, by ARN, in the order they were added.
            CREATE TABLE resource_tags (
                resource_arn TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                position INTEGER NOT NULL,
                PRIMARY KEY (resource_arn, key)
            ) WITHOUT ROWID;
            CREATE INDEX resource_tags_by_position ON resource_tags (resource_arn, position);
            """),
    ]
}
