import AnnealCore

/// An access key as stored: the secret stays sealed (encrypted) until the caller opens it.
public struct AccessKeyRecord: Sendable, Equatable {
    public var accessKeyID: String
    public var accountID: String
    public var userName: String
    public var sealedSecret: [UInt8]
    public var isActive: Bool
    public var createdAt: Int64

    public init(accessKeyID: String, accountID: String, userName: String, sealedSecret: [UInt8], isActive: Bool, createdAt: Int64) {
        self.accessKeyID = accessKeyID
        self.accountID = accountID
        self.userName = userName
        self.sealedSecret = sealedSecret
        self.isActive = isActive
        self.createdAt = createdAt
    }
}

public struct UserRecord: Sendable, Equatable {
    public var accountID: String
    public var name: String
    public var userID: String
    public var isAdministrator: Bool
    public var createdAt: Int64

    public init(accountID: String, name: String, userID: String, isAdministrator: Bool, createdAt: Int64) {
        self.accountID = accountID
        self.name = name
        self.userID = userID
        self.isAdministrator = isAdministrator
        self.createdAt = createdAt
    }

    public var principal: Principal {
        Principal(accountID: accountID, name: name, userID: userID, isAdministrator: isAdministrator)
    }
}

/// Accounts, users and access keys.
public struct IdentityStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// The account this installation serves, if it was created.
    public func accountID() throws(StoreError) -> String? {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT id FROM accounts ORDER BY created_at LIMIT 1").first?["id"].string
        }
    }

    /// Creates the account, its administrator and the administrator's first key in one transaction,
    /// so a crash never leaves an account without a way in.
    public func bootstrap(accountID: String, admin: UserRecord, key: AccessKeyRecord) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("INSERT INTO accounts (id, created_at) VALUES (?, ?)", [.text(accountID), .integer(admin.createdAt)])
            try insert(admin, conn)
            try insert(key, conn)
        }
    }

    public func user(accountID: String, name: String) throws(StoreError) -> UserRecord? {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT account_id, name, user_id, is_admin, created_at FROM users WHERE account_id = ? AND name = ?",
                           [.text(accountID), .text(name)]).first.map(IdentityStore.user(from:))
        }
    }

    public func accessKey(_ id: String) throws(StoreError) -> AccessKeyRecord? {
        try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT access_key_id, account_id, user_name, secret_sealed, status, created_at
                FROM access_keys WHERE access_key_id = ?
                """, [.text(id)]).first.map(IdentityStore.key(from:))
        }
    }

    public func accessKeys(accountID: String, userName: String) throws(StoreError) -> [AccessKeyRecord] {
        try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT access_key_id, account_id, user_name, secret_sealed, status, created_at
                FROM access_keys WHERE account_id = ? AND user_name = ? ORDER BY created_at
                """, [.text(accountID), .text(userName)]).map(IdentityStore.key(from:))
        }
    }

    /// Records when a key was last used (at most once a minute per key, by the caller's choice).
    public func touchAccessKey(_ id: String, at time: Int64) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("UPDATE access_keys SET last_used_at = ? WHERE access_key_id = ?", [.integer(time), .text(id)])
        }
    }

    private func insert(_ user: UserRecord, _ conn: SQLiteConnection) throws(StoreError) {
        try conn.run("INSERT INTO users (account_id, name, user_id, is_admin, created_at) VALUES (?, ?, ?, ?, ?)",
                     [.text(user.accountID), .text(user.name), .text(user.userID),
                      .integer(user.isAdministrator ? 1 : 0), .integer(user.createdAt)])
    }

    private func insert(_ key: AccessKeyRecord, _ conn: SQLiteConnection) throws(StoreError) {
        try conn.run("""
            INSERT INTO access_keys (access_key_id, account_id, user_name, secret_sealed, status, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, [.text(key.accessKeyID), .text(key.accountID), .text(key.userName), .blob(key.sealedSecret),
                  .text(key.isActive ? "Active" : "Inactive"), .integer(key.createdAt)])
    }

    private static func user(from row: Row) -> UserRecord {
        UserRecord(accountID: row["account_id"].string ?? "", name: row["name"].string ?? "",
                   userID: row["user_id"].string ?? "", isAdministrator: row["is_admin"].int == 1,
                   createdAt: row["created_at"].int ?? 0)
    }

    private static func key(from row: Row) -> AccessKeyRecord {
        AccessKeyRecord(accessKeyID: row["access_key_id"].string ?? "", accountID: row["account_id"].string ?? "",
                        userName: row["user_name"].string ?? "", sealedSecret: row["secret_sealed"].bytes ?? [],
                        isActive: row["status"].string == "Active", createdAt: row["created_at"].int ?? 0)
    }
}
