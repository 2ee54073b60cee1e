extension Schema {
    /// IAM: roles, groups, managed policies, inline policies and attachments (users and access keys are in
    /// migration 1). Identity range, versions 1-99.
    static let iam: [Migration] = [
        Migration(version: 4, name: "iam", sql: """
            CREATE TABLE iam_roles (
                account_id TEXT NOT NULL,
                name TEXT NOT NULL COLLATE NOCASE,
                role_id TEXT NOT NULL UNIQUE,
                path TEXT NOT NULL DEFAULT '/',
                trust_policy TEXT NOT NULL,
                description TEXT,
                max_session_duration INTEGER NOT NULL DEFAULT 3600,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (account_id, name)
            );
            CREATE TABLE iam_policies (
                arn TEXT PRIMARY KEY,
                account_id TEXT NOT NULL,
                name TEXT NOT NULL,
                policy_id TEXT NOT NULL UNIQUE,
                path TEXT NOT NULL DEFAULT '/',
                description TEXT,
                document TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            -- Inline policies of a user or a role ('user' | 'role'), by principal name.
            CREATE TABLE iam_inline_policies (
                account_id TEXT NOT NULL,
                principal_type TEXT NOT NULL,
                principal_name TEXT NOT NULL COLLATE NOCASE,
                policy_name TEXT NOT NULL,
                document TEXT NOT NULL,
                PRIMARY KEY (account_id, principal_type, principal_name, policy_name)
            );
            CREATE TABLE iam_attachments (
                account_id TEXT NOT NULL,
                principal_type TEXT NOT NULL,
                principal_name TEXT NOT NULL COLLATE NOCASE,
                policy_arn TEXT NOT NULL,
                PRIMARY KEY (account_id, principal_type, principal_name, policy_arn)
            );
            CREATE INDEX iam_attachments_by_policy ON iam_attachments (policy_arn);
            """),
        Migration(version: 5, name: "iam_groups", sql: """
            CREATE TABLE iam_groups (
                account_id TEXT NOT NULL,
                name TEXT NOT NULL COLLATE NOCASE,
                group_id TEXT NOT NULL UNIQUE,
                path TEXT NOT NULL DEFAULT '/',
                created_at INTEGER NOT NULL,
                PRIMARY KEY (account_id, name)
            );
            CREATE TABLE iam_group_members (
                account_id TEXT NOT NULL,
                group_name TEXT NOT NULL COLLATE NOCASE,
                user_name TEXT NOT NULL,
                PRIMARY KEY (account_id, group_name, user_name)
            );
            CREATE INDEX iam_group_members_by_user ON iam_group_members (account_id, user_name);
            """),
    ]
}
