/// One question asked of the access-control model: may `principal` do `action` on `resource`?
public struct AuthorizationRequest: Sendable, Equatable {
    public var principal: Principal
    /// IAM action name, e.g. `sts:GetCallerIdentity`, `s3:GetObject`.
    public var action: String
    /// Resource ARN, or `*` where the action takes none.
    public var resource: String

    public init(principal: Principal, action: String, resource: String) {
        self.principal = principal
        self.action = action
        self.resource = resource
    }
}

public enum AuthorizationDecision: Sendable, Equatable {
    case allow
    /// Denied, with the reason to put in the error message (never a secret).
    case deny(String)
}

/// The single point every request passes through. Pure: it decides from values alone.
public protocol AccessPolicy: Sendable {
    func decide(_ request: AuthorizationRequest) -> AuthorizationDecision
}

/// Until IAM policies exist: the administrator may do everything and nobody else anything.
public struct AdministratorOnlyPolicy: AccessPolicy {
    public init() {}

    public func decide(_ request: AuthorizationRequest) -> AuthorizationDecision {
        if request.principal.isAdministrator { return .allow }
        return .deny("User: \(request.principal.arn) is not authorized to perform: \(request.action) on resource: "
            + "\(request.resource) because no identity-based policy allows the \(request.action) action")
    }
}
