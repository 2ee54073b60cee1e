extension Schema {
    /// Temporary session credentials (STS-style: an `ASIA` key, a secret and a session token) handed
    /// to the instances of a training job: identity range, versions 1-99.
    static let sessions: [Migration] = [
        Migration(version: 3, name: "session_credentials", sql: """
            CREATE TABLE session_credentials (
                access_key_id TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                secret_sealed BLOB NOT NULL,
                token_sha256 TEXT NOT NULL,
                role_arn TEXT NOT NULL,
                session_name TEXT NOT NULL,
                training_job TEXT,
                expires_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL
            );
            CREATE INDEX session_credentials_by_expiry ON session_credentials (expires_at);
            """),
    ]
}
