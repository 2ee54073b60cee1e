import AnnealCore

public struct RoleRecord: Sendable, Equatable {
    public var accountID: String
    public var name: String
    public var roleID: String
    public var path: String
    public var trustPolicy: String
    public var description: String?
    public var maxSessionDuration: Int
    public var createdAt: Int64

    public init(accountID: String, name: String, roleID: String, path: String, trustPolicy: String, description: String?,
                maxSessionDuration: Int, createdAt: Int64) {
        self.accountID = accountID
        self.name = name
        self.roleID = roleID
        self.path = path
        self.trustPolicy = trustPolicy
        self.description = description
        self.maxSessionDuration = maxSessionDuration
        self.createdAt = createdAt
    }

    public var arn: String { "arn:aws:iam::\(accountID):role\(path)\(name)" }
}

public struct ManagedPolicyRecord: Sendable, Equatable {
    public var arn: String
    public var accountID: String
    public var name: String
    public var policyID: String
    public var path: String
    public var description: String?
    public var document: String
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(arn: String, accountID: String, name: String, policyID: String, path: String, description: String?, document: String,
                createdAt: Int64, updatedAt: Int64) {
        self.arn = arn
        self.accountID = accountID
        self.name = name
        self.policyID = policyID
        self.path = path
        self.description = description
        self.document = document
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct GroupRecord: Sendable, Equatable {
    public var accountID: String
    public var name: String
    public var groupID: String
    public var path: String
    public var createdAt: Int64

    public init(accountID: String, name: String, groupID: String, path: String, createdAt: Int64) {
        self.accountID = accountID
        self.name = name
        self.groupID = groupID
        self.path = path
        self.createdAt = createdAt
    }

    public var arn: String { "arn:aws:iam::\(accountID):group\(path)\(name)" }
}

/// Users, groups, roles, policies and attachments (IAM), beside the identities of `IdentityStore`.
public struct IAMStore: Sendable {
    public enum PrincipalType: String, Sendable {
        case user
        case role
        case group
    }

    public let database: Database

    public init(database: Database) { self.database = database }

    // MARK: Users

    public func createUser(_ user: UserRecord, path: String) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            do throws(StoreError) {
                try conn.run("INSERT INTO users (account_id, name, user_id, path, is_admin, created_at) VALUES (?, ?, ?, ?, 0, ?)",
                             [.text(user.accountID), .text(user.name), .text(user.userID), .text(path), .integer(user.createdAt)])
            } catch where error.code == .constraint {
                throw StoreError(.conflict, "User with name \(user.name) already exists.", sqliteCode: error.sqliteCode)
            }
        }
    }

    public func users(accountID: String) throws(StoreError) -> [(user: UserRecord, path: String)] {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT name, user_id, path, is_admin, created_at FROM users WHERE account_id = ? ORDER BY name",
                           [.text(accountID)]).map { row in
                (UserRecord(accountID: accountID, name: row["name"].string ?? "", userID: row["user_id"].string ?? "",
                            isAdministrator: row["is_admin"].int == 1, createdAt: row["created_at"].int ?? 0), row["path"].string ?? "/")
            }
        }
    }

    public func userPath(accountID: String, name: String) throws(StoreError) -> String? {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT path FROM users WHERE account_id = ? AND name = ?", [.text(accountID), .text(name)]).first?["path"].string
        }
    }

    /// Deletes a user who has no access keys, inline or attached policies left (IAM's DeleteConflict).
    public func deleteUser(accountID: String, name: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            let keys = try conn.query("SELECT count(*) AS n FROM access_keys WHERE account_id = ? AND user_name = ?",
                                      [.text(accountID), .text(name)]).first?["n"].int ?? 0
            let policies = try conn.query("""
                SELECT (SELECT count(*) FROM iam_inline_policies WHERE account_id = ?1 AND principal_type = 'user' AND principal_name = ?2)
                     + (SELECT count(*) FROM iam_attachments WHERE account_id = ?1 AND principal_type = 'user' AND principal_name = ?2) AS n
                """, [.text(accountID), .text(name)]).first?["n"].int ?? 0
            let groups = try conn.query("SELECT count(*) AS n FROM iam_group_members WHERE account_id = ? AND user_name = ?",
                                        [.text(accountID), .text(name)]).first?["n"].int ?? 0
            if keys > 0 || policies > 0 || groups > 0 {
                let what = keys > 0 ? "access keys" : policies > 0 ? "policies" : "group memberships"
                throw StoreError(.conflict, "Cannot delete entity, must delete \(what) first.")
            }
            return try conn.run("DELETE FROM users WHERE account_id = ? AND name = ? AND is_admin = 0", [.text(accountID), .text(name)]) > 0
        }
    }

    // MARK: Access keys

    public func insertAccessKey(_ key: AccessKeyRecord, limit: Int) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            let count = try conn.query("SELECT count(*) AS n FROM access_keys WHERE account_id = ? AND user_name = ?",
                                       [.text(key.accountID), .text(key.userName)]).first?["n"].int ?? 0
            guard count < limit else {
                throw StoreError(.invalid, "Cannot exceed quota for AccessKeysPerUser: \(limit)")
            }
            try conn.run("""
                INSERT INTO access_keys (access_key_id, account_id, user_name, secret_sealed, status, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, [.text(key.accessKeyID), .text(key.accountID), .text(key.userName), .blob(key.sealedSecret),
                      .text(key.isActive ? "Active" : "Inactive"), .integer(key.createdAt)])
        }
    }

    public func lastUsed(_ accessKeyID: String) throws(StoreError) -> Int64? {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT last_used_at FROM access_keys WHERE access_key_id = ?", [.text(accessKeyID)]).first?["last_used_at"].int
        }
    }

    public func setAccessKeyStatus(accountID: String, userName: String, keyID: String, active: Bool) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            try conn.run("UPDATE access_keys SET status = ? WHERE account_id = ? AND user_name = ? AND access_key_id = ?",
                         [.text(active ? "Active" : "Inactive"), .text(accountID), .text(userName), .text(keyID)]) > 0
        }
    }

    public func deleteAccessKey(accountID: String, userName: String, keyID: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            try conn.run("DELETE FROM access_keys WHERE account_id = ? AND user_name = ? AND access_key_id = ?",
                         [.text(accountID), .text(userName), .text(keyID)]) > 0
        }
    }

    // MARK: Roles

    public func createRole(_ role: RoleRecord) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            do throws(StoreError) {
                try conn.run("""
                    INSERT INTO iam_roles (account_id, name, role_id, path, trust_policy, description, max_session_duration, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(role.accountID), .text(role.name), .text(role.roleID), .text(role.path), .text(role.trustPolicy),
                          role.description.map { .text($0) } ?? .null, .integer(Int64(role.maxSessionDuration)), .integer(role.createdAt)])
            } catch where error.code == .constraint {
                throw StoreError(.conflict, "Role with name \(role.name) already exists.", sqliteCode: error.sqliteCode)
            }
        }
    }

    public func role(accountID: String, name: String) throws(StoreError) -> RoleRecord? {
        try roles(accountID: accountID, name: name).first
    }

    public func roles(accountID: String, name: String? = nil) throws(StoreError) -> [RoleRecord] {
        try database.read { conn throws(StoreError) in
            var sql = "SELECT * FROM iam_roles WHERE account_id = ?"
            var parameters: [SQLiteValue] = [.text(accountID)]
            if let name {
                sql += " AND name = ?"
                parameters.append(.text(name))
            }
            return try conn.query(sql + " ORDER BY name", parameters).map { row in
                RoleRecord(accountID: accountID, name: row["name"].string ?? "", roleID: row["role_id"].string ?? "",
                           path: row["path"].string ?? "/", trustPolicy: row["trust_policy"].string ?? "{}",
                           description: row["description"].string, maxSessionDuration: Int(row["max_session_duration"].int ?? 3600),
                           createdAt: row["created_at"].int ?? 0)
            }
        }
    }

    public func updateTrustPolicy(accountID: String, role: String, document: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            try conn.run("UPDATE iam_roles SET trust_policy = ? WHERE account_id = ? AND name = ?",
                         [.text(document), .text(accountID), .text(role)]) > 0
        }
    }

    public func deleteRole(accountID: String, name: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            let policies = try conn.query("""
                SELECT (SELECT count(*) FROM iam_inline_policies WHERE account_id = ?1 AND principal_type = 'role' AND principal_name = ?2)
                     + (SELECT count(*) FROM iam_attachments WHERE account_id = ?1 AND principal_type = 'role' AND principal_name = ?2) AS n
                """, [.text(accountID), .text(name)]).first?["n"].int ?? 0
            if policies > 0 { throw StoreError(.conflict, "Cannot delete entity, must delete policies first.") }
            return try conn.run("DELETE FROM iam_roles WHERE account_id = ? AND name = ?", [.text(accountID), .text(name)]) > 0
        }
    }

    // MARK: Inline policies

    public func putInlinePolicy(accountID: String, _ type: PrincipalType, principal: String, name: String, document: String) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("""
                INSERT INTO iam_inline_policies (account_id, principal_type, principal_name, policy_name, document) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (account_id, principal_type, principal_name, policy_name) DO UPDATE SET document = excluded.document
                """, [.text(accountID), .text(type.rawValue), .text(principal), .text(name), .text(document)])
        }
    }

    public func inlinePolicies(accountID: String, _ type: PrincipalType, principal: String) throws(StoreError) -> [(name: String, document: String)] {
        try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT policy_name, document FROM iam_inline_policies WHERE account_id = ? AND principal_type = ? AND principal_name = ?
                ORDER BY policy_name
                """, [.text(accountID), .text(type.rawValue), .text(principal)]).map { ($0["policy_name"].string ?? "", $0["document"].string ?? "") }
        }
    }

    public func deleteInlinePolicy(accountID: String, _ type: PrincipalType, principal: String, name: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            try conn.run("DELETE FROM iam_inline_policies WHERE account_id = ? AND principal_type = ? AND principal_name = ? AND policy_name = ?",
                         [.text(accountID), .text(type.rawValue), .text(principal), .text(name)]) > 0
        }
    }

    // MARK: Managed policies

    public func createPolicy(_ policy: ManagedPolicyRecord) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            do throws(StoreError) {
                try conn.run("""
                    INSERT INTO iam_policies (arn, account_id, name, policy_id, path, description, document, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(policy.arn), .text(policy.accountID), .text(policy.name), .text(policy.policyID), .text(policy.path),
                          policy.description.map { .text($0) } ?? .null, .text(policy.document), .integer(policy.createdAt),
                          .integer(policy.updatedAt)])
            } catch where error.code == .constraint {
                throw StoreError(.conflict, "A policy called \(policy.name) already exists. Duplicate names are not allowed.",
                                 sqliteCode: error.sqliteCode)
            }
        }
    }

    public func policies(accountID: String) throws(StoreError) -> [ManagedPolicyRecord] {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT * FROM iam_policies WHERE account_id = ? ORDER BY name", [.text(accountID)]).map(Self.policy(from:))
        }
    }

    public func policy(arn: String) throws(StoreError) -> ManagedPolicyRecord? {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT * FROM iam_policies WHERE arn = ?", [.text(arn)]).first.map(Self.policy(from:))
        }
    }

    public func attachmentCount(arn: String) throws(StoreError) -> Int {
        try database.read { conn throws(StoreError) in
            Int(try conn.query("SELECT count(*) AS n FROM iam_attachments WHERE policy_arn = ?", [.text(arn)]).first?["n"].int ?? 0)
        }
    }

    public func deletePolicy(arn: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            let attached = try conn.query("SELECT count(*) AS n FROM iam_attachments WHERE policy_arn = ?", [.text(arn)]).first?["n"].int ?? 0
            if attached > 0 { throw StoreError(.conflict, "Cannot delete a policy attached to entities.") }
            return try conn.run("DELETE FROM iam_policies WHERE arn = ?", [.text(arn)]) > 0
        }
    }

    public func attach(accountID: String, _ type: PrincipalType, principal: String, policyARN: String) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("INSERT OR IGNORE INTO iam_attachments (account_id, principal_type, principal_name, policy_arn) VALUES (?, ?, ?, ?)",
                         [.text(accountID), .text(type.rawValue), .text(principal), .text(policyARN)])
        }
    }

    public func detach(accountID: String, _ type: PrincipalType, principal: String, policyARN: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            try conn.run("DELETE FROM iam_attachments WHERE account_id = ? AND principal_type = ? AND principal_name = ? AND policy_arn = ?",
                         [.text(accountID), .text(type.rawValue), .text(principal), .text(policyARN)]) > 0
        }
    }

    public func attachedPolicies(accountID: String, _ type: PrincipalType, principal: String) throws(StoreError) -> [String] {
        try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT policy_arn FROM iam_attachments WHERE account_id = ? AND principal_type = ? AND principal_name = ? ORDER BY policy_arn
                """, [.text(accountID), .text(type.rawValue), .text(principal)]).compactMap { $0["policy_arn"].string }
        }
    }

    /// Every policy document that applies to a principal: its inline policies and the managed
    /// policies attached to it, and for a user those of its groups (`builtIn` resolves AWS-managed
    /// ARNs that live in code, not the table).
    public func effectiveDocuments(accountID: String, _ type: PrincipalType, principal: String,
                                   builtIn: (String) -> String?) throws(StoreError) -> [String] {
        var documents = try inlinePolicies(accountID: accountID, type, principal: principal).map(\.document)
        for arn in try attachedPolicies(accountID: accountID, type, principal: principal) {
            if let document = try policy(arn: arn)?.document ?? builtIn(arn) { documents.append(document) }
        }
        if type == .user {
            for group in try groups(accountID: accountID, forUser: principal) {
                documents += try effectiveDocuments(accountID: accountID, .group, principal: group.name, builtIn: builtIn)
            }
        }
        return documents
    }

    // MARK: Groups

    public func createGroup(accountID: String, name: String, groupID: String, path: String, at time: Int64) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            do throws(StoreError) {
                try conn.run("INSERT INTO iam_groups (account_id, name, group_id, path, created_at) VALUES (?, ?, ?, ?, ?)",
                             [.text(accountID), .text(name), .text(groupID), .text(path), .integer(time)])
            } catch where error.code == .constraint {
                throw StoreError(.conflict, "Group with name \(name) already exists.", sqliteCode: error.sqliteCode)
            }
        }
    }

    public func groups(accountID: String, forUser user: String? = nil) throws(StoreError) -> [GroupRecord] {
        try database.read { conn throws(StoreError) in
            let rows = user == nil
                ? try conn.query("SELECT * FROM iam_groups WHERE account_id = ? ORDER BY name", [.text(accountID)])
                : try conn.query("""
                    SELECT g.* FROM iam_groups g JOIN iam_group_members m ON m.account_id = g.account_id AND m.group_name = g.name
                    WHERE g.account_id = ? AND m.user_name = ? ORDER BY g.name
                    """, [.text(accountID), .text(user!)])
            return rows.map { row in
                GroupRecord(accountID: accountID, name: row["name"].string ?? "", groupID: row["group_id"].string ?? "",
                            path: row["path"].string ?? "/", createdAt: row["created_at"].int ?? 0)
            }
        }
    }

    public func members(accountID: String, group: String) throws(StoreError) -> [String] {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT user_name FROM iam_group_members WHERE account_id = ? AND group_name = ? ORDER BY user_name",
                           [.text(accountID), .text(group)]).compactMap { $0["user_name"].string }
        }
    }

    public func addMember(accountID: String, group: String, user: String) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("INSERT OR IGNORE INTO iam_group_members (account_id, group_name, user_name) VALUES (?, ?, ?)",
                         [.text(accountID), .text(group), .text(user)])
        }
    }

    public func removeMember(accountID: String, group: String, user: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            try conn.run("DELETE FROM iam_group_members WHERE account_id = ? AND group_name = ? AND user_name = ?",
                         [.text(accountID), .text(group), .text(user)]) > 0
        }
    }

    /// Deletes an empty group without policies (IAM's DeleteConflict otherwise).
    public func deleteGroup(accountID: String, name: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            let used = try conn.query("""
                SELECT (SELECT count(*) FROM iam_group_members WHERE account_id = ?1 AND group_name = ?2)
                     + (SELECT count(*) FROM iam_inline_policies WHERE account_id = ?1 AND principal_type = 'group' AND principal_name = ?2)
                     + (SELECT count(*) FROM iam_attachments WHERE account_id = ?1 AND principal_type = 'group' AND principal_name = ?2) AS n
                """, [.text(accountID), .text(name)]).first?["n"].int ?? 0
            if used > 0 { throw StoreError(.conflict, "Cannot delete entity, must remove users and policies from the group first.") }
            return try conn.run("DELETE FROM iam_groups WHERE account_id = ? AND name = ?", [.text(accountID), .text(name)]) > 0
        }
    }

    static func policy(from row: Row) -> ManagedPolicyRecord {
        ManagedPolicyRecord(arn: row["arn"].string ?? "", accountID: row["account_id"].string ?? "", name: row["name"].string ?? "",
                            policyID: row["policy_id"].string ?? "", path: row["path"].string ?? "/", description: row["description"].string,
                            document: row["document"].string ?? "{}", createdAt: row["created_at"].int ?? 0, updatedAt: row["updated_at"].int ?? 0)
    }
}
