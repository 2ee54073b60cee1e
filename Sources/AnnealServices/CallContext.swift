import AnnealAWS
import AnnealCore
import Foundation
import Synchronization

/// What an operation knows of its caller, and the one way it asks whether the caller may act.
public struct CallContext: Sendable {
    public var requestID: String
    public var principal: Principal
    public var accessKeyID: String
    /// The region of the request's credential scope.
    public var region: String
    public var remoteAddress: String
    public var isSecure: Bool
    public var wire: AWSProtocol
    let policy: any AccessPolicy
    /// Where the gateway learns which action on which resource was decided, for the audit log
    /// (none on the administrator's hot path: nothing of theirs is denied or audited there).
    let note: AuthorizationNote?

    public init(requestID: String, principal: Principal, accessKeyID: String, region: String, remoteAddress: String,
                isSecure: Bool, wire: AWSProtocol, policy: any AccessPolicy, note: AuthorizationNote? = nil) {
        self.requestID = requestID
        self.principal = principal
        self.accessKeyID = accessKeyID
        self.region = region
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
        self.wire = wire
        self.policy = policy
        self.note = note
    }

    /// Throws the protocol's access-denied error unless the policy allows `action` on `resource`.
    public func authorize(_ action: String, resource: String = "*", conditions: [String: [String]] = [:]) throws(AWSError) {
        var keys = conditions
        // The administrator's decision reads no condition key: skip building them on the hot path.
        if !principal.isAdministrator { addGlobalKeys(&keys) }
        let request = AuthorizationRequest(principal: principal, action: action, resource: resource, context: keys)
        if case .deny(let reason) = policy.decide(request) {
            note?.denied(action, resource)
            throw AccessErrors.denied(reason, wire: wire)
        }
        note?.allowed(action, resource)
    }

    /// The `aws:` condition keys every request has, named in lower case (as the evaluator looks them up).
    /// Only the keys the principal's policies read are built, when those are known.
    func addGlobalKeys(_ keys: inout [String: [String]]) {
        let wanted = principal.contextKeys
        func wants(_ key: String) -> Bool { wanted?.contains(key) ?? true }
        if let wanted, wanted.isEmpty { return }
        if wants("aws:sourceip") { keys["aws:sourceip"] = [remoteAddress] }
        if wants("aws:securetransport") { keys["aws:securetransport"] = [isSecure ? "true" : "false"] }
        if wants("aws:principalarn") { keys["aws:principalarn"] = [principal.arn] }
        if wants("aws:userid") { keys["aws:userid"] = [principal.userID] }
        if wants("aws:principalaccount") { keys["aws:principalaccount"] = [principal.accountID] }
        if principal.kind == .user, wants("aws:username") { keys["aws:username"] = [principal.name] }
        if wants("aws:epochtime") || wants("aws:currenttime") {
            let now = CurrentTimeKeys.now()
            keys["aws:epochtime"] = [now.epoch]
            keys["aws:currenttime"] = [now.iso]
        }
    }
}

/// `aws:EpochTime` and `aws:CurrentTime`, formatted once a second rather than on every request.
enum CurrentTimeKeys {
    private static let cache = Mutex<(second: Int64, epoch: String, iso: String)>((-1, "", ""))

    static func now() -> (epoch: String, iso: String) {
        let second = Int64(time(nil))
        if let hit = cache.withLock({ $0.second == second ? ($0.epoch, $0.iso) : nil }) { return hit }
        let fresh = (second: second, epoch: String(second), iso: ISO8601Time.format(milliseconds: second * 1000))
        cache.withLock { $0 = fresh }
        return (fresh.epoch, fresh.iso)
    }
}

/// Authentication and authorisation failures, in each protocol's terms (what AWS itself returns).
public enum AccessErrors {
    public static func denied(_ reason: String, wire: AWSProtocol) -> AWSError {
        switch wire {
        case .json11, .json10: AWSError("AccessDeniedException", reason, status: 400, queryCode: "AccessDenied")
        case .query, .restXML: AWSError("AccessDenied", reason, status: 403)
        }
    }

    public static func unknownKey(wire: AWSProtocol) -> AWSError {
        switch wire {
        case .json11, .json10:
            AWSError("UnrecognizedClientException", "The security token included in the request is invalid.", status: 400,
                     queryCode: "InvalidClientTokenId")
        case .query: AWSError("InvalidClientTokenId", "The security token included in the request is invalid.", status: 403)
        case .restXML: AWSError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", status: 403)
        }
    }

    public static func invalidToken(wire: AWSProtocol) -> AWSError {
        switch wire {
        case .json11, .json10:
            AWSError("UnrecognizedClientException", "The security token included in the request is invalid.", status: 400,
                     queryCode: "InvalidClientTokenId")
        case .query: AWSError("InvalidClientTokenId", "The security token included in the request is invalid.", status: 403)
        case .restXML: AWSError("InvalidToken", "The provided token is malformed or otherwise invalid.", status: 400)
        }
    }

    public static func expiredToken(wire: AWSProtocol) -> AWSError {
        switch wire {
        case .json11, .json10:
            AWSError("ExpiredTokenException", "The security token included in the request is expired", status: 400, queryCode: "ExpiredToken")
        case .query: AWSError("ExpiredToken", "The security token included in the request is expired", status: 400)
        case .restXML: AWSError("ExpiredToken", "The provided token has expired.", status: 400)
        }
    }

    public static func signature(_ error: SigV4Error, wire: AWSProtocol) -> AWSError {
        let message = error.message
        switch error.code {
        case .missingAuthentication:
            return wire == .restXML
                ? AWSError("AccessDenied", "Anonymous access is forbidden for this operation; sign the request with an access key.", status: 403)
                : AWSError("MissingAuthenticationToken", "Request is missing Authentication Token", status: 403)
        case .signatureMismatch:
            switch wire {
            case .json11, .json10: return AWSError("InvalidSignatureException", message, status: 403, queryCode: "SignatureDoesNotMatch")
            case .query, .restXML: return AWSError("SignatureDoesNotMatch", message, status: 403)
            }
        case .requestTimeTooSkewed:
            let expired = "Signature expired: \(message) Requests must be signed within 15 minutes of the server's clock; "
                + "check the client's clock."
            switch wire {
            case .json11, .json10: return AWSError("InvalidSignatureException", expired, status: 403, queryCode: "SignatureDoesNotMatch")
            case .query: return AWSError("SignatureDoesNotMatch", expired, status: 403)
            case .restXML: return AWSError("RequestTimeTooSkewed", message, status: 403)
            }
        case .requestExpired:
            return wire == .restXML ? AWSError("AccessDenied", message, status: 403) : AWSError("SignatureDoesNotMatch", message, status: 403)
        default:
            return wire == .restXML
                ? AWSError("AuthorizationHeaderMalformed", message, status: 400)
                : AWSError("IncompleteSignature", message, status: 400)
        }
    }
}

extension AccessErrors {
    public static func missingAuthentication(wire: AWSProtocol) -> AWSError {
        wire == .restXML
            ? AWSError("AccessDenied", "Anonymous access is forbidden for this operation; sign the request with an access key.", status: 403)
            : AWSError("MissingAuthenticationToken", "Request is missing Authentication Token", status: 403)
    }
}
