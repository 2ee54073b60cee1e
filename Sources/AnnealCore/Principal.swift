/// Who made a request, once its signature checked out.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case user
        case assumedRole
    }

    public var accountID: String
    public var kind: Kind
    /// User name, or `<role name>/<session name>` for an assumed role.
    public var name: String
    /// The unique id AWS reports as `UserId` (`AIDA...` for users).
    public var userID: String
    public var isAdministrator: Bool
    /// For the session credentials of a training job's instances: the job they are bound to.
    public var trainingJob: String?
    /// The identity policies that apply (inline and attached), for principals who are not the
    /// administrator; resolved with the credential.
    public var policies: [PolicyDocument] = [] {
        didSet { contextKeys = policies.reduce(into: Set<String>()) { $0.formUnion($1.contextKeys) } }
    }
    /// The request keys (lower case) its policies read, once they are set: the only ones worth
    /// building for its requests (nil: not known, build them all).
    public private(set) var contextKeys: Set<String>?
    /// For a training job's session whose execution role exists in this account: the role's
    /// policies (`policies`) decide its data access.
    public var roleScoped = false

    public init(accountID: String, kind: Kind = .user, name: String, userID: String, isAdministrator: Bool, trainingJob: String? = nil) {
        self.accountID = accountID
        self.kind = kind
        self.name = name
        self.userID = userID
        self.isAdministrator = isAdministrator
        self.trainingJob = trainingJob
    }

    public var arn: String {
        switch kind {
        case .user: "arn:aws:iam::\(accountID):user/\(name)"
        case .assumedRole: "arn:aws:sts::\(accountID):assumed-role/\(name)"
        }
    }
}
