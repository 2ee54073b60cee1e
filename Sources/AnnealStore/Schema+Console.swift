extension Schema {
    /// The web console (issue 11): versions 1100-1199. Console passwords of IAM users (IAM's login
    /// profiles), as salted PBKDF2 hashes; `user_id` ties a password to the user it was set for, so a
    /// user deleted and created again under the same name does not inherit it.
    static let console: [Migration] = [
        Migration(version: 1100, name: "login_profiles", sql: """
            CREATE TABLE IF NOT EXISTS login_profiles (
                account_id TEXT NOT NULL,
                user_name TEXT NOT NULL,
                user_id TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                salt TEXT NOT NULL,
                iterations INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (account_id, user_name)
            ) WITHOUT ROWID;
            """),
    ]
}
