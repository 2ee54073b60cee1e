/// One entry of the audit log: who did (or tried) what, to what, when, from where, and how it ended.
/// Never holds a secret: no secret key, no session token, no signature.
public struct AuditEvent: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        case allowed = "Allowed"
        case denied = "Denied"
    }

    /// Milliseconds since the epoch.
    public var timeMilliseconds: Int64
    /// The caller's ARN, or `anonymous` when the request was never authenticated.
    public var principal: String
    public var accessKeyID: String
    /// IAM action name, e.g. `iam:CreateUser`, `s3:GetObject`.
    public var action: String
    /// Resource ARN, or `*`.
    public var resource: String
    public var outcome: Outcome
    /// The error the caller got, if any (an allowed IAM change can still fail, e.g. `EntityAlreadyExists`).
    public var errorCode: String?
    public var sourceIP: String
    public var requestID: String

    public init(timeMilliseconds: Int64, principal: String, accessKeyID: String, action: String, resource: String,
                outcome: Outcome, errorCode: String?, sourceIP: String, requestID: String) {
        self.timeMilliseconds = timeMilliseconds
        self.principal = principal
        self.accessKeyID = accessKeyID
        self.action = action
        self.resource = resource
        self.outcome = outcome
        self.errorCode = errorCode
        self.sourceIP = sourceIP
        self.requestID = requestID
    }

    public static let anonymous = "anonymous"
}

/// Which requests the audit log keeps. Pure: decided from the action and the error code alone, so
/// the gateway asks it without touching the database for the requests it does not keep.
public enum AuditRule {
    /// Error codes that mean the caller was refused: not authorised, or not authenticated.
    static let denialCodes: Set<String> = [
        "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId",
        "SignatureDoesNotMatch", "InvalidSignatureException", "ExpiredToken", "ExpiredTokenException", "InvalidToken",
        "MissingAuthenticationToken", "IncompleteSignature", "AuthorizationHeaderMalformed", "RequestTimeTooSkewed",
    ]

    /// Whether an error code is a refusal (recorded whatever the action).
    public static func isDenial(_ errorCode: String?) -> Bool {
        errorCode.map { denialCodes.contains($0) } ?? false
    }

    /// STS actions that hand out credentials: audited like IAM changes.
    static let credentialActions: Set<String> = ["sts:assumerole", "sts:getsessiontoken"]

    /// Whether `action` (`iam:CreateUser`) changes identities or hands out credentials: such requests
    /// are recorded whatever their outcome. Reads (`Get*`, `List*`) are not.
    public static func isChange(_ action: String) -> Bool {
        let lowered = action.lowercased()
        if credentialActions.contains(lowered) { return true }
        guard lowered.hasPrefix("iam:") else { return false }
        let name = lowered.dropFirst(4)
        return !(name.hasPrefix("get") || name.hasPrefix("list") || name.isEmpty)
    }

    /// Whether a finished request goes into the audit log.
    public static func records(action: String, errorCode: String?) -> Bool {
        isDenial(errorCode) || isChange(action)
    }
}
