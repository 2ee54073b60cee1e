import AnnealCore
import AnnealCrypto
import AnnealStore
import Glibc

/// First start: the account, its administrator and an access key; every start: the AWS CLI profile
/// that points at this server, so boto3, the AWS CLI and the SDK work at once.
public enum Bootstrap {
    public struct Administrator: Sendable {
        public var accountID: String
        public var userName: String
        public var accessKeyID: String
        public var secret: String
        public var created: Bool
    }

    /// Loads the key that seals secrets at rest, creating it (0600, owner only) on first start.
    public static func secretKey(home: String) throws(ServiceError) -> [UInt8] {
        let path = "\(home)/secret.key"
        if let existing = SafeFile.read(path) {
            guard existing.count == 32 else {
                throw ServiceError("\(path) is damaged (expected 32 bytes, found \(existing.count)); restore it from a backup: "
                    + "without it the stored secret keys cannot be read")
            }
            return existing
        }
        let key = SecureRandom.bytes(32)
        try SafeFile.write(key, to: path, mode: 0o600)
        return key
    }

    /// Ensures the account and administrator exist and returns the administrator's key.
    public static func administrator(identity: IdentityStore, box: SecretBox, now: Int64) throws(ServiceError) -> Administrator {
        do {
            if let account = try identity.accountID() {
                guard let admin = try identity.user(accountID: account, name: "admin"),
                      let key = try identity.accessKeys(accountID: account, userName: admin.name).first(where: \.isActive) else {
                    throw ServiceError("the administrator of account \(account) has no active access key")
                }
                let secret: [UInt8]
                do { secret = try box.open(key.sealedSecret) } catch {
                    throw ServiceError("cannot open the administrator's secret: secret.key does not match this database (\(error))")
                }
                return Administrator(accountID: account, userName: admin.name, accessKeyID: key.accessKeyID,
                                     secret: String(decoding: secret, as: UTF8.self), created: false)
            }
            let account = IdentifierFormat.accountID(random: SecureRandom.bytes(12))
            let admin = UserRecord(accountID: account, name: "admin", userID: IdentifierFormat.userID(random: SecureRandom.bytes(17)),
                                   isAdministrator: true, createdAt: now)
            let keyID = IdentifierFormat.accessKeyID(random: SecureRandom.bytes(16))
            let secret = IdentifierFormat.secretAccessKey(random: SecureRandom.bytes(40))
            let sealed: [UInt8]
            do { sealed = try box.seal(Array(secret.utf8)) } catch { throw ServiceError("cannot seal the secret: \(error)") }
            try identity.bootstrap(accountID: account, admin: admin, key: AccessKeyRecord(
                accessKeyID: keyID, accountID: account, userName: admin.name, sealedSecret: sealed, isActive: true, createdAt: now))
            return Administrator(accountID: account, userName: admin.name, accessKeyID: keyID, secret: secret, created: true)
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError("cannot set up the account: \(error)")
        }
    }

    /// Paths of the generated AWS configuration.
    public struct ProfileFiles: Sendable {
        public var config: String
        public var credentials: String
        public var profile = "anneal"
    }

    /// Writes `aws/config` and `aws/credentials` (0600) with a profile `anneal`.
    public static func writeProfile(home: String, endpoint: String, region: String, caBundle: String?,
                                    admin: Administrator) throws(ServiceError) -> ProfileFiles {
        let directory = "\(home)/aws"
        try SafeFile.makeDirectory(directory, mode: 0o700)
        let files = ProfileFiles(config: "\(directory)/config", credentials: "\(directory)/credentials")
        var config = "# Written by anneal serve at each start: the endpoint of this server.\n"
        config += "[profile \(files.profile)]\nregion = \(region)\nendpoint_url = \(endpoint)\n"
        if let caBundle { config += "ca_bundle = \(caBundle)\n" }
        // SigV4 for presigned S3 URLs too (older clients default to SigV2 there), path-style addressing.
        config += "s3 =\n    signature_version = s3v4\n    addressing_style = path\n"
        try SafeFile.write(config, to: files.config, mode: 0o600)
        let credentials = "[\(files.profile)]\naws_access_key_id = \(admin.accessKeyID)\naws_secret_access_key = \(admin.secret)\n"
        try SafeFile.write(credentials, to: files.credentials, mode: 0o600)
        return files
    }
}
