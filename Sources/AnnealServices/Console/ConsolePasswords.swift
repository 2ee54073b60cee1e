import AnnealAWS
import AnnealCrypto
import AnnealStore

/// Console passwords of IAM users (set with IAM's CreateLoginProfile / UpdateLoginProfile, e.g.
/// `aws iam create-login-profile`): salted PBKDF2-HMAC-SHA256, checked in constant time.
public struct ConsolePasswords: Sendable {
    static let iterations = 100_000
    static let lengths = 8...128

    let profiles: LoginProfileStore
    let identity: IdentityStore
    let accountID: String

    public init(profiles: LoginProfileStore, identity: IdentityStore, accountID: String) {
        self.profiles = profiles
        self.identity = identity
        self.accountID = accountID
    }

    /// IAM's `PasswordPolicyViolation` for a password outside the default policy's bounds.
    static func check(_ password: String) throws(AWSError) {
        guard lengths.contains(password.count) else {
            throw AWSError("PasswordPolicyViolation",
                           "Password should have a minimum length of \(lengths.lowerBound) and a maximum length of \(lengths.upperBound).",
                           status: 400)
        }
    }

    static func record(password: String, accountID: String, userName: String, userID: String, now: Int64) -> LoginProfileRecord {
        let salt = SecureRandom.bytes(16)
        let hash = PBKDF2.sha256(password: Array(password.utf8), salt: salt, iterations: iterations)
        return LoginProfileRecord(accountID: accountID, userName: userName, userID: userID, passwordHash: hash.hexString,
                                  salt: salt.hexString, iterations: iterations, createdAt: now)
    }

    /// The user a name and password sign in as, with the stored hash (so a session can end when it
    /// changes); nil for an unknown user, no password set, or a wrong password. Unknown users cost
    /// the same hashing as known ones, so timing does not tell which names exist.
    func verify(userName: String, password: String) -> (user: UserRecord, hash: String)? {
        let profile = try? profiles.profile(accountID: accountID, userName: userName)
        let salt = profile.flatMap { Hex.decode($0.salt) } ?? Array(repeating: 0, count: 16)
        let iterations = max(1, profile?.iterations ?? Self.iterations)
        let computed = PBKDF2.sha256(password: Array(password.utf8), salt: salt, iterations: iterations)
        guard let profile, let stored = Hex.decode(profile.passwordHash), !computed.isEmpty, ConstantTime.equals(computed, stored),
              let user = try? identity.user(accountID: accountID, name: userName), user.userID == profile.userID else { return nil }
        return (user, profile.passwordHash)
    }

    /// Whether a password session may go on: the user is the same and the password unchanged.
    func stillValid(userName: String, userID: String, hash: String) -> Bool {
        guard let profile = try? profiles.profile(accountID: accountID, userName: userName) else { return false }
        return profile.userID == userID && profile.passwordHash == hash
    }
}
