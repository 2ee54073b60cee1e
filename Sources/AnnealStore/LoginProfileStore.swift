/// A user's console password, as stored.
public struct LoginProfileRecord: Sendable, Equatable {
    public var accountID: String
    public var userName: String
    public var userID: String
    public var passwordHash: String
    public var salt: String
    public var iterations: Int
    public var createdAt: Int64

    public init(accountID: String, userName: String, userID: String, passwordHash: String, salt: String, iterations: Int, createdAt: Int64) {
        self.accountID = accountID
        self.userName = userName
        self.userID = userID
        self.passwordHash = passwordHash
        self.salt = salt
        self.iterations = iterations
        self.createdAt = createdAt
    }
}

/// Console passwords (`login_profiles`).
public struct LoginProfileStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    public func profile(accountID: String, userName: String) throws(StoreError) -> LoginProfileRecord? {
        try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT user_id, password_hash, salt, iterations, created_at FROM login_profiles WHERE account_id = ? AND user_name = ?
                """, [.text(accountID), .text(userName)]).first.map { row in
                LoginProfileRecord(accountID: accountID, userName: userName, userID: row["user_id"].string ?? "",
                                   passwordHash: row["password_hash"].string ?? "", salt: row["salt"].string ?? "",
                                   iterations: Int(row["iterations"].int ?? 0), createdAt: row["created_at"].int ?? 0)
            }
        }
    }

    /// Creates the profile (`replace` false: fails with `.conflict` if there is one) or replaces it.
    public func put(_ record: LoginProfileRecord, replace: Bool) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            let exists = !(try conn.query("SELECT 1 AS one FROM login_profiles WHERE account_id = ? AND user_name = ?",
                                          [.text(record.accountID), .text(record.userName)]).isEmpty)
            if exists && !replace { throw StoreError(.conflict, "Login Profile for user \(record.userName) already exists.") }
            if !exists && replace { throw StoreError(.notFound, "Login Profile for user \(record.userName) cannot be found.") }
            try conn.run("""
                INSERT INTO login_profiles (account_id, user_name, user_id, password_hash, salt, iterations, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (account_id, user_name) DO UPDATE SET user_id = excluded.user_id, password_hash = excluded.password_hash,
                    salt = excluded.salt, iterations = excluded.iterations
                """, [.text(record.accountID), .text(record.userName), .text(record.userID), .text(record.passwordHash),
                      .text(record.salt), .integer(Int64(record.iterations)), .integer(record.createdAt)])
        }
    }

    /// Returns whether there was a profile to delete.
    @discardableResult
    public func delete(accountID: String, userName: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            try conn.run("DELETE FROM login_profiles WHERE account_id = ? AND user_name = ?", [.text(accountID), .text(userName)]) > 0
        }
    }
}
