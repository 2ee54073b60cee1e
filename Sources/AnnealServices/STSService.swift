import AnnealAWS
import AnnealCore
import AnnealStore

/// AWS Security Token Service, Query protocol.
public struct STSService: QueryService {
    public let name = "sts"
    public let signingName = "sts"
    public let xmlNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

    /// For AssumeRole: the roles and the credential issuer (absent, only GetCallerIdentity is served).
    let roles: IAMStore?
    let credentials: CredentialResolver?

    public init(roles: IAMStore? = nil, credentials: CredentialResolver? = nil) {
        self.roles = roles
        self.credentials = credentials
    }

    public func handle(action: String, parameters: [String: String], context: CallContext) throws(AWSError) -> String {
        switch action {
        case "GetCallerIdentity":
            try context.authorize("sts:GetCallerIdentity")
            let principal = context.principal
            return queryReply(action: action, namespace: xmlNamespace, requestID: context.requestID) { xml in
                xml.element("Arn", principal.arn)
                xml.element("UserId", principal.userID)
                xml.element("Account", principal.accountID)
            }
        case "AssumeRole":
            return try assumeRole(parameters, context)
        case "GetSessionToken":
            return try sessionToken(parameters, context)
        default:
            throw AWSError.invalidAction(action, service: "sts")
        }
    }
}

extension STSService {
    /// AssumeRole: the caller must be allowed `sts:AssumeRole` on the role, and the role's trust
    /// policy must trust the caller (by ARN, or its account). The session gets the role's policies.
    func assumeRole(_ parameters: [String: String], _ context: CallContext) throws(AWSError) -> String {
        guard let roles, let credentials else { throw AWSError.invalidAction("AssumeRole", service: "sts") }
        guard let arn = parameters["RoleArn"], let name = parameters["RoleSessionName"], !name.isEmpty else {
            throw AWSError("ValidationError", "RoleArn and RoleSessionName are required.")
        }
        guard name.count <= 64, name.unicodeScalars.allSatisfy({ CharacterSetASCII.alphanumeric($0) || "+=,.@_-".unicodeScalars.contains($0) }) else {
            throw AWSError("ValidationError", "RoleSessionName must be 2 to 64 characters of [\\w+=,.@-].")
        }
        let duration = Int64(parameters["DurationSeconds"].flatMap(Int.init) ?? 3600)
        try context.authorize("sts:AssumeRole", resource: arn)
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let roleName = parts.count == 6 ? parts[5].split(separator: "/").last.map(String.init) ?? "" : ""
        guard parts.count == 6, parts[4] == Substring(context.principal.accountID), parts[5].hasPrefix("role/"),
              let role = try? roles.role(accountID: context.principal.accountID, name: roleName) else {
            throw AWSError("AccessDenied", "User: \(context.principal.arn) is not authorized to perform: sts:AssumeRole on resource: \(arn) "
                + "(no such role in this account)", status: 403)
        }
        guard (900...Int64(role.maxSessionDuration)).contains(duration) else {
            throw AWSError("ValidationError", "DurationSeconds must be between 900 and the role's MaxSessionDuration (\(role.maxSessionDuration)).")
        }
        let trusted = (try? JSONValue.parse(Array(role.trustPolicy.utf8))).flatMap { try? PolicyDocument.parse($0, trust: true) }.map {
            PolicyEvaluator.trusts($0, principalARN: context.principal.arn, accountID: context.principal.accountID)
        } ?? false
        guard trusted || context.principal.isAdministrator && trustsAccount(role) else {
            throw AWSError("AccessDenied", "User: \(context.principal.arn) is not authorized to perform: sts:AssumeRole on resource: \(arn): "
                + "the role's trust policy does not name this principal", status: 403)
        }
        let session: SessionCredentials
        do {
            session = try credentials.issueSession(accountID: context.principal.accountID, roleARN: role.arn, sessionName: name,
                                                   trainingJob: nil, lifetime: duration)
        } catch {
            throw AWSError.internalFailure("cannot issue session credentials: \(error)")
        }
        return queryReply(action: "AssumeRole", namespace: xmlNamespace, requestID: context.requestID) { xml in
            Self.write(session, into: &xml)
            xml.element("AssumedRoleUser") { user in
                user.element("AssumedRoleId", "\(role.roleID):\(name)")
                user.element("Arn", "arn:aws:sts::\(context.principal.accountID):assumed-role/\(role.name)/\(name)")
            }
        }
    }

    /// GetSessionToken: temporary credentials for the calling user, with the user's permissions
    /// (not callable with session credentials, as in AWS).
    func sessionToken(_ parameters: [String: String], _ context: CallContext) throws(AWSError) -> String {
        guard let credentials else { throw AWSError.invalidAction("GetSessionToken", service: "sts") }
        try context.authorize("sts:GetSessionToken")
        guard context.principal.kind == .user, !context.accessKeyID.hasPrefix("ASIA") else {
            throw AWSError("AccessDenied", "Cannot call GetSessionToken with session credentials", status: 403)
        }
        let duration = Int64(parameters["DurationSeconds"].flatMap(Int.init) ?? 43_200)
        guard (900...129_600).contains(duration) else {
            throw AWSError("ValidationError", "DurationSeconds must be between 900 and 129600.")
        }
        let session: SessionCredentials
        do {
            session = try credentials.issueSession(accountID: context.principal.accountID, roleARN: context.principal.arn,
                                                   sessionName: context.principal.name, trainingJob: nil, lifetime: duration)
        } catch {
            throw AWSError.internalFailure("cannot issue session credentials: \(error)")
        }
        return queryReply(action: "GetSessionToken", namespace: xmlNamespace, requestID: context.requestID) { xml in
            Self.write(session, into: &xml)
        }
    }

    /// The `Credentials` element of AssumeRole and GetSessionToken.
    static func write(_ session: SessionCredentials, into xml: inout XMLWriter) {
        xml.element("Credentials") { credentials in
            credentials.element("AccessKeyId", session.accessKeyID)
            credentials.element("SecretAccessKey", session.secret)
            credentials.element("SessionToken", session.sessionToken)
            credentials.element("Expiration", ISO8601Time.format(milliseconds: session.expiration * 1000))
        }
    }

    /// The administrator is the account: a trust policy naming the account (or its root) trusts it.
    func trustsAccount(_ role: RoleRecord) -> Bool {
        guard let json = try? JSONValue.parse(Array(role.trustPolicy.utf8)), let policy = try? PolicyDocument.parse(json, trust: true) else {
            return false
        }
        return PolicyEvaluator.trusts(policy, principalARN: "arn:aws:iam::\(role.accountID):root", accountID: role.accountID)
    }
}
