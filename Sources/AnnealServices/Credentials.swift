import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealStore
import Synchronization

/// What a valid access key resolves to.
public struct ResolvedCredential: Sendable {
    public var accessKeyID: String
    public var secret: String
    public var principal: Principal
}

/// Looks up access keys, opening sealed secrets once and caching them: signature checks sit on the
/// hot path of every request.
public final class CredentialResolver: Sendable {
    public enum Lookup: Sendable {
        case found(ResolvedCredential)
        case unknown
        case inactive
    }

    private let identity: IdentityStore
    private let box: SecretBox
    private let cache = Mutex<[String: ResolvedCredential]>([:])
    /// Signing keys by access key and credential scope: the same for a whole day of requests.
    private let signingKeys = Mutex<[String: [UInt8]]>([:])

    public init(identity: IdentityStore, box: SecretBox) {
        self.identity = identity
        self.box = box
    }

    public func resolve(_ accessKeyID: String) -> Lookup {
        if let hit = cache.withLock({ $0[accessKeyID] }) { return .found(hit) }
        guard let record = try? identity.accessKey(accessKeyID) else { return .unknown }
        guard record.isActive else { return .inactive }
        guard let user = try? identity.user(accountID: record.accountID, name: record.userName),
              let secretBytes = try? box.open(record.sealedSecret) else { return .unknown }
        let resolved = ResolvedCredential(accessKeyID: accessKeyID, secret: String(decoding: secretBytes, as: UTF8.self),
                                          principal: user.principal)
        cache.withLock { $0[accessKeyID] = resolved }
        return .found(resolved)
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
