import AnnealCore

/// Session credentials as stored: the secret sealed, the token only as its SHA-256.
public struct SessionCredentialRecord: Sendable, Equatable {
    public var accessKeyID: String
    public var accountID: String
    public var sealedSecret: [UInt8]
    public var tokenSHA256: String
    public var roleARN: String
    public var sessionName: String
    /// The training job the session is bound to, if any.
    public var trainingJob: String?
    public var expiresAt: Int64
    public var createdAt: Int64

    public init(accessKeyID: String, accountID: String, sealedSecret: [UInt8], tokenSHA256: String, roleARN: String,
                sessionName: String, trainingJob: String?, expiresAt: Int64, createdAt: Int64) {
        self.accessKeyID = accessKeyID
        self.accountID = accountID
        self.sealedSecret = sealedSecret
        self.tokenSHA256 = tokenSHA256
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.trainingJob = trainingJob
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

extension IdentityStore {
    public func insertSession(_ session: SessionCredentialRecord) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("""
                INSERT INTO session_credentials (access_key_id, account_id, secret_sealed, token_sha256, role_arn, session_name,
                                                 training_job, expires_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(session.accessKeyID), .text(session.accountID), .blob(session.sealedSecret), .text(session.tokenSHA256),
                      .text(session.roleARN), .text(session.sessionName), session.trainingJob.map { .text($0) } ?? .null,
                      .integer(session.expiresAt), .integer(session.createdAt)])
        }
    }

    public func session(_ accessKeyID: String) throws(StoreError) -> SessionCredentialRecord? {
        try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT access_key_id, account_id, secret_sealed, token_sha256, role_arn, session_name, training_job, expires_at, created_at
                FROM session_credentials WHERE access_key_id = ?
                """, [.text(accessKeyID)]).first.map { row in
                SessionCredentialRecord(accessKeyID: row["access_key_id"].string ?? "", accountID: row["account_id"].string ?? "",
                                        sealedSecret: row["secret_sealed"].bytes ?? [], tokenSHA256: row["token_sha256"].string ?? "",
                                        roleARN: row["role_arn"].string ?? "", sessionName: row["session_name"].string ?? "",
                                        trainingJob: row["training_job"].string, expiresAt: row["expires_at"].int ?? 0,
                                        createdAt: row["created_at"].int ?? 0)
            }
        }
    }

    /// Forgets sessions that expired before `time`; returns how many.
    @discardableResult
    public func deleteSessions(expiredBefore time: Int64) throws(StoreError) -> Int {
        try database.write { conn throws(StoreError) in
            try conn.run("DELETE FROM session_credentials WHERE expires_at < ?", [.integer(time)])
        }
    }
}
