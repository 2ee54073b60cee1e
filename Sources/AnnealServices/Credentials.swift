import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealStore
import Glibc
import Synchronization

/// What a valid access key resolves to.
public struct ResolvedCredential: Sendable {
    public var accessKeyID: String
    public var secret: String
    public var principal: Principal
    /// Session credentials only: the SHA-256 of the session token every request must carry, and
    /// the end of the session (epoch seconds).
    public var tokenSHA256: [UInt8]? = nil
    public var expiresAt: Int64? = nil
}

/// Temporary credentials as STS hands them out.
public struct SessionCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secret: String
    public var sessionToken: String
    public var expiration: Int64
}

/// Looks up access keys, opening sealed secrets once and caching them: signature checks sit on the
/// hot path of every request.
public final class CredentialResolver: Sendable {
    public enum Lookup: Sendable {
        case found(ResolvedCredential)
        case unknown
        case inactive
        /// A session key whose session ended.
        case expired
        /// A known key with a missing or wrong session token (or a long-term key with one).
        case invalidToken
    }

    private let identity: IdentityStore
    private let box: SecretBox
    /// Where the identity policies of IAM users are (none: users other than the administrator may do nothing).
    private let iam: IAMStore?
    private let cache = Mutex<[String: ResolvedCredential]>([:])
    /// Signing keys by access key and credential scope: the same for a whole day of requests.
    private let signingKeys = Mutex<[String: [UInt8]]>([:])

    /// Whether a training job has ended (or no longer exists): its session credentials then stop working.
    private let jobEnded: (@Sendable (String) -> Bool)?
    /// Jobs seen ended: an ended job never runs again, so the answer is kept.
    private let endedJobs = Mutex<Set<String>>([])

    public init(identity: IdentityStore, box: SecretBox, iam: IAMStore? = nil, jobEnded: (@Sendable (String) -> Bool)? = nil) {
        self.identity = identity
        self.box = box
        self.iam = iam
        self.jobEnded = jobEnded
    }

    private let lastUse = Mutex<[String: Int64]>([:])

    /// Records that a long-term key was used (GetAccessKeyLastUsed), at most once a minute per key
    /// so the hot path writes to the database rarely.
    public func noteUse(_ credential: ResolvedCredential, at now: Int64) {
        guard credential.tokenSHA256 == nil else { return }
        let due = lastUse.withLock { uses -> Bool in
            if let last = uses[credential.accessKeyID], now - last < 60 { return false }
            uses[credential.accessKeyID] = now
            return true
        }
        if due { try? identity.touchAccessKey(credential.accessKeyID, at: now) }
    }

    /// Forgets every cached credential (after an IAM change: policies, keys, users).
    public func invalidateAll() {
        cache.withLock { $0.removeAll() }
    }

    /// The credential behind `accessKeyID`. Session keys (`ASIA...`) also need their session token
    /// (`X-Amz-Security-Token`) and must not have expired at `now`.
    public func resolve(_ accessKeyID: String, sessionToken: String? = nil, now: Int64 = Int64(time(nil))) -> Lookup {
        guard let resolved = lookUp(accessKeyID) else { return .unknown }
        if let expected = resolved.tokenSHA256 {
            guard let token = sessionToken, ConstantTime.equals(SHA256.hash(Array(token.utf8)), expected) else { return .invalidToken }
            if let end = resolved.expiresAt, now >= end { return .expired }
            if let job = resolved.principal.trainingJob, hasEnded(job) { return .expired }
        } else if sessionToken != nil {
            // A long-term key with a session token: AWS rejects the pair as an invalid token.
            return .invalidToken
        }
        return .found(resolved)
    }

    private func lookUp(_ accessKeyID: String) -> ResolvedCredential? {
        if let hit = cache.withLock({ $0[accessKeyID] }) { return hit }
        if accessKeyID.hasPrefix(Self.sessionKeyPrefix) {
            guard let record = try? identity.session(accessKeyID), let secretBytes = try? box.open(record.sealedSecret),
                  let tokenHash = Hex.decode(record.tokenSHA256) else { return nil }
            let roleName = record.roleARN.split(separator: "/").last.map(String.init) ?? "role"
            if record.roleARN.contains(":user/") {
                // GetSessionToken: the user's own session, with the user's permissions.
                guard let user = try? identity.user(accountID: record.accountID, name: roleName) else { return nil }
                var principal = user.principal
                if !user.isAdministrator, let iam {
                    principal.policies = Self.parsed((try? iam.effectiveDocuments(accountID: record.accountID, .user, principal: user.name,
                                                                                 builtIn: ManagedPolicies.document)) ?? [])
                }
                let resolved = ResolvedCredential(accessKeyID: accessKeyID, secret: String(decoding: secretBytes, as: UTF8.self),
                                                  principal: principal, tokenSHA256: tokenHash, expiresAt: record.expiresAt)
                cache.withLock { $0[accessKeyID] = resolved }
                return resolved
            }
            var principal = Principal(accountID: record.accountID, kind: .assumedRole, name: roleName + "/" + record.sessionName,
                                      userID: "AROA" + String(accessKeyID.dropFirst(4)) + ":" + record.sessionName,
                                      isAdministrator: false, trainingJob: record.trainingJob)
            if let iam, record.roleARN.hasPrefix("arn:aws:iam::\(record.accountID):role/") {
                // A role of this account: its policies decide, and a role deleted since grants nothing
                // (never the wider job session).
                if (try? iam.role(accountID: record.accountID, name: roleName)) != nil {
                    principal.policies = Self.parsed((try? iam.effectiveDocuments(accountID: record.accountID, .role, principal: roleName,
                                                                                 builtIn: ManagedPolicies.document)) ?? [])
                }
                principal.roleScoped = record.trainingJob != nil
            }
            let resolved = ResolvedCredential(accessKeyID: accessKeyID, secret: String(decoding: secretBytes, as: UTF8.self),
                                              principal: principal, tokenSHA256: tokenHash, expiresAt: record.expiresAt)
            cache.withLock { $0[accessKeyID] = resolved }
            return resolved
        }
        guard let record = try? identity.accessKey(accessKeyID), record.isActive,
              let user = try? identity.user(accountID: record.accountID, name: record.userName),
              let secretBytes = try? box.open(record.sealedSecret) else { return nil }
        var principal = user.principal
        if !user.isAdministrator, let iam {
            let documents = (try? iam.effectiveDocuments(accountID: record.accountID, .user, principal: user.name,
                                                         builtIn: ManagedPolicies.document)) ?? []
            principal.policies = Self.parsed(documents)
        }
        let resolved = ResolvedCredential(accessKeyID: accessKeyID, secret: String(decoding: secretBytes, as: UTF8.self),
                                          principal: principal)
        cache.withLock { $0[accessKeyID] = resolved }
        return resolved
    }

    static let sessionKeyPrefix = "ASIA"

    /// Whether a job's session is over: the job is Completed, Failed or Stopped (or gone). Asked
    /// afresh while the job runs, so credentials stop with the job's terminal transition.
    private func hasEnded(_ job: String) -> Bool {
        guard let jobEnded else { return false }
        if endedJobs.withLock({ $0.contains(job) }) { return true }
        guard jobEnded(job) else { return false }
        endedJobs.withLock { ended in
            if ended.count > 100_000 { ended.removeAll() }  // bounded; rebuilt from the store on demand
            ended.insert(job)
        }
        return true
    }

    /// Stored documents were checked when they were put; one that no longer parses grants nothing.
    static func parsed(_ documents: [String]) -> [PolicyDocument] {
        documents.compactMap { text in (try? JSONValue.parse(Array(text.utf8))).flatMap { try? PolicyDocument.parse($0) } }
    }

    /// New session credentials for `roleARN`, bound to `trainingJob`, valid for `lifetime` seconds:
    /// stored (secret sealed, token as its hash) before they are handed out.
    public func issueSession(accountID: String, roleARN: String, sessionName: String, trainingJob: String?, lifetime: Int64,
                             now: Int64 = Int64(time(nil))) throws(ServiceError) -> SessionCredentials {
        let keyID = IdentifierFormat.accessKeyID(prefix: Self.sessionKeyPrefix, random: SecureRandom.bytes(16))
        let secret = IdentifierFormat.secretAccessKey(random: SecureRandom.bytes(40))
        let token = Base64.encode(SecureRandom.bytes(96))
        do {
            try identity.insertSession(SessionCredentialRecord(
                accessKeyID: keyID, accountID: accountID, sealedSecret: try box.seal(Array(secret.utf8)),
                tokenSHA256: SHA256.hex(Array(token.utf8)), roleARN: roleARN, sessionName: sessionName, trainingJob: trainingJob,
                expiresAt: now + lifetime, createdAt: now))
        } catch {
            throw ServiceError("cannot store session credentials: \(error)")
        }
        return SessionCredentials(accessKeyID: keyID, secret: secret, sessionToken: token, expiration: now + lifetime)
    }

    /// The SigV4 signing key for `credential`'s secret and a request's scope, derived once a day.
    public func signingKey(for credential: ResolvedCredential, _ scope: SigV4Credential) -> [UInt8] {
        let id = credential.accessKeyID + "/" + scope.scope
        if let key = signingKeys.withLock({ $0[id] }) { return key }
        let key = SigV4.signingKey(secret: credential.secret, credential: scope)
        signingKeys.withLock { keys in
            if keys.count > 10_000 { keys.removeAll() }  // old days and retired keys: bounded, rebuilt on demand
            keys[id] = key
        }
        return key
    }

    /// Forgets a key (after it is deactivated, deleted or its user changes).
    public func invalidate(_ accessKeyID: String) {
        _ = cache.withLock { $0.removeValue(forKey: accessKeyID) }
        signingKeys.withLock { keys in keys = keys.filter { !$0.key.hasPrefix(accessKeyID + "/") } }
    }
}
