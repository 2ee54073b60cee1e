/// One question asked of the access-control model: may `principal` do `action` on `resource`?
public struct AuthorizationRequest: Sendable, Equatable {
    public var principal: Principal
    /// IAM action name, e.g. `sts:GetCallerIdentity`, `s3:GetObject`.
    public var action: String
    /// Resource ARN, or `*` where the action takes none.
    public var resource: String

    /// Condition keys of the request (`aws:SourceIp`, `aws:SecureTransport`, ...).
    public var context: [String: [String]]

    public init(principal: Principal, action: String, resource: String, context: [String: [String]] = [:]) {
        self.principal = principal
        self.action = action
        self.resource = resource
        self.context = context
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

/// What the platform enforces: the administrator may do everything; the session credentials of a
/// training job's instances may do what the job needs (`JobSessionPolicy`); IAM users what their
/// identity policies allow (explicit Deny first, then Allow, else denied).
public struct PlatformPolicy: AccessPolicy {
    public init() {}

    public func decide(_ request: AuthorizationRequest) -> AuthorizationDecision {
        if request.principal.isAdministrator { return .allow }
        if let job = request.principal.trainingJob {
            // The job's own reporting is the job session's; data, logs and metrics follow the
            // execution role's policies when the role is one of this account's.
            if request.principal.roleScoped && !JobSessionPolicy.ownJobActions.contains(request.action) {
                return identityPolicies(request)
            }
            return JobSessionPolicy(trainingJob: job).decide(request)
        }
        return identityPolicies(request)
    }

    func identityPolicies(_ request: AuthorizationRequest) -> AuthorizationDecision {
        // Built only for a denial: this runs on every request of every IAM user.
        var who: String { "User: \(request.principal.arn) is not authorized to perform: \(request.action) on resource: \(request.resource)" }
        switch PolicyEvaluator.evaluate(request.principal.policies,
                                        PolicyRequest(action: request.action, resource: request.resource, context: request.context)) {
        case .allow: return .allow
        case .explicitDeny: return .deny(who + " with an explicit deny in an identity-based policy")
        case .implicitDeny: return .deny(who + " because no identity-based policy allows the \(request.action) action")
        }
    }
}

/// The session of a training job's instances (the worker and the training script share it):
/// report on and read its own job, write logs and metrics, read and write data in S3, and nothing
/// else: no other job, no new jobs, no identities. (With IAM roles, S3 access narrows to what the
/// job's execution role allows.)
public struct JobSessionPolicy: AccessPolicy {
    public let trainingJob: String

    public init(trainingJob: String) { self.trainingJob = trainingJob }

    static let ownJobActions: Set<String> = ["anneal:GetWorkerAssignment", "anneal:ReportWorkerProgress", "sagemaker:DescribeTrainingJob"]
    static let anyResourceActions: Set<String> = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                                  "logs:DescribeLogStreams", "logs:GetLogEvents", "cloudwatch:PutMetricData",
                                                  "sts:GetCallerIdentity"]

    public func decide(_ request: AuthorizationRequest) -> AuthorizationDecision {
        if request.action.hasPrefix("s3:") || Self.anyResourceActions.contains(request.action) { return .allow }
        if Self.ownJobActions.contains(request.action), request.resource.lowercased().hasSuffix(":training-job/" + trainingJob.lowercased()) {
            return .allow
        }
        return .deny("User: \(request.principal.arn) is not authorized to perform: \(request.action) on resource: \(request.resource) "
            + "because the session of training job \(trainingJob) allows only what that job needs")
    }
}
