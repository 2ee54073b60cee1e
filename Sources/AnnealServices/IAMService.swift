import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealStore
import Glibc

/// AWS Identity and Access Management, Query protocol (`Version=2010-05-08`): users and their
/// access keys (two at most), roles with trust policies, managed and inline policies, attachments.
/// Every action is authorised as `iam:<Action>` on the entity's ARN; policy documents are checked
/// as IAM checks them (`MalformedPolicyDocument`).
public struct IAMService: QueryService {
    public let name = "iam"
    public let signingName = "iam"
    public let xmlNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"

    let store: IAMStore
    let identity: IdentityStore
    let box: SecretBox
    let accountID: String
    /// Called after any change that can change what a principal may do (cached decisions are dropped).
    let changed: @Sendable () -> Void
    let clock: @Sendable () -> Int64

    public static let maximumKeysPerUser = 2

    public init(store: IAMStore, identity: IdentityStore, box: SecretBox, accountID: String, changed: @escaping @Sendable () -> Void = {},
                clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }) {
        self.store = store
        self.identity = identity
        self.box = box
        self.accountID = accountID
        self.changed = changed
        self.clock = clock
    }

    public func handle(action: String, parameters: [String: String], context: CallContext) throws(AWSError) -> String {
        let request = IAMRequest(parameters: parameters)
        var reply = XMLWriter(declaration: false)
        switch action {
        case "CreateUser", "GetUser", "ListUsers", "DeleteUser":
            try users(action, request, context, &reply)
        case "CreateAccessKey", "ListAccessKeys", "UpdateAccessKey", "DeleteAccessKey", "GetAccessKeyLastUsed":
            try accessKeys(action, request, context, &reply)
        case "CreateRole", "GetRole", "ListRoles", "DeleteRole", "UpdateAssumeRolePolicy":
            try roles(action, request, context, &reply)
        case "CreateGroup", "GetGroup", "ListGroups", "DeleteGroup", "AddUserToGroup", "RemoveUserFromGroup", "ListGroupsForUser":
            try groups(action, request, context, &reply)
        case "PutUserPolicy", "GetUserPolicy", "ListUserPolicies", "DeleteUserPolicy",
             "PutRolePolicy", "GetRolePolicy", "ListRolePolicies", "DeleteRolePolicy",
             "PutGroupPolicy", "GetGroupPolicy", "ListGroupPolicies", "DeleteGroupPolicy":
            try inlinePolicies(action, request, context, &reply)
        case "CreatePolicy", "GetPolicy", "GetPolicyVersion", "ListPolicies", "DeletePolicy", "AttachUserPolicy", "DetachUserPolicy",
             "AttachRolePolicy", "DetachRolePolicy", "AttachGroupPolicy", "DetachGroupPolicy",
             "ListAttachedUserPolicies", "ListAttachedRolePolicies", "ListAttachedGroupPolicies":
            try managedPolicies(action, request, context, &reply)
        case "CreateLoginProfile", "UpdateLoginProfile", "GetLoginProfile", "DeleteLoginProfile":
            try loginProfiles(action, request, context, &reply)
        default:
            throw AWSError.invalidAction(action, service: "iam")
        }
        let body = reply.text
        return queryReply(action: action, namespace: xmlNamespace, requestID: context.requestID) { $0.raw(body) }
    }

    // MARK: - Shared

    func userARN(_ name: String, path: String = "/") -> String { "arn:aws:iam::\(accountID):user\(path)\(name)" }
    func roleARN(_ name: String) -> String { "arn:aws:iam::\(accountID):role/\(name)" }

    static func noSuchEntity(_ message: String) -> AWSError { AWSError("NoSuchEntity", message, status: 404) }

    func store<T>(_ body: () throws(StoreError) -> T) throws(AWSError) -> T {
        do { return try body() } catch {
            switch error.code {
            case .conflict where error.message.hasPrefix("Cannot delete"): throw AWSError("DeleteConflict", error.message, status: 409)
            case .conflict: throw AWSError("EntityAlreadyExists", error.message, status: 409)
            case .invalid where error.message.hasPrefix("Cannot exceed quota"): throw AWSError("LimitExceeded", error.message, status: 409)
            case .invalid: throw AWSError("ValidationError", error.message)
            case .busy: throw AWSError("Throttling", "The database is busy; retry the request.", status: 400)
            default: throw AWSError.internalFailure("The request could not be completed: \(error.message)")
            }
        }
    }

    /// A policy document from the request, checked (`trust` for a role's trust policy).
    static func document(_ text: String?, field: String, trust: Bool = false) throws(AWSError) -> String {
        guard let text, !text.isEmpty else { throw AWSError("ValidationError", "\(field) is required.") }
        guard text.utf8.count <= (trust ? 2048 : 6144) else {
            throw AWSError("LimitExceeded", "Cannot exceed quota for \(trust ? "ACLSizePerRole" : "PolicySize"): \(trust ? 2048 : 6144)",
                           status: 409)
        }
        let json: JSONValue
        do { json = try JSONValue.parse(Array(text.utf8)) } catch {
            throw AWSError("MalformedPolicyDocument", "\(field) is not valid JSON: \(error)")
        }
        do { _ = try PolicyDocument.parse(json, trust: trust) } catch {
            throw AWSError("MalformedPolicyDocument", error.message)
        }
        return text
    }

    static func checkName(_ name: String?, field: String, maximum: Int = 64) throws(AWSError) -> String {
        guard let name, !name.isEmpty else { throw AWSError("ValidationError", "\(field) is required.") }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            (scalar.isASCII && (CharacterSetASCII.alphanumeric(scalar) || "+=,.@_-".unicodeScalars.contains(scalar)))
        }
        guard allowed, name.count <= maximum else {
            throw AWSError("ValidationError", "1 validation error detected: Value '\(name)' at '\(field.prefix(1).lowercased() + field.dropFirst())' "
                + "failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ (1 to \(maximum) characters)")
        }
        return name
    }

    static func date(_ seconds: Int64) -> String { ISO8601Time.format(milliseconds: seconds * 1000) }

    // MARK: - Users

    func users(_ action: String, _ request: IAMRequest, _ context: CallContext, _ xml: inout XMLWriter) throws(AWSError) {
        switch action {
        case "CreateUser":
            let name = try Self.checkName(request["UserName"], field: "UserName")
            let path = request["Path"] ?? "/"
            try context.authorize("iam:CreateUser", resource: userARN(name, path: path))
            let created = UserRecord(accountID: accountID, name: name, userID: IdentifierFormat.userID(random: SecureRandom.bytes(17)),
                                     isAdministrator: false, createdAt: clock())
            try store { () throws(StoreError) in try store.createUser(created, path: path) }
            xml.element("User") { user(&$0, created, path: path) }
        case "GetUser":
            let name = request["UserName"] ?? (context.principal.kind == .user ? context.principal.name : "")
            try context.authorize("iam:GetUser", resource: userARN(name))
            guard let found = try store({ () throws(StoreError) in try identity.user(accountID: accountID, name: name) }) else {
                throw Self.noSuchEntity("The user with name \(name) cannot be found.")
            }
            let path = (try? store.userPath(accountID: accountID, name: name)) ?? "/"
            xml.element("User") { user(&$0, found, path: path ?? "/") }
        case "ListUsers":
            try context.authorize("iam:ListUsers", resource: "arn:aws:iam::\(accountID):user/")
            let all = try store { () throws(StoreError) in try store.users(accountID: accountID) }
            xml.element("Users") { list in
                for (found, path) in all { list.element("member") { user(&$0, found, path: path) } }
            }
            xml.element("IsTruncated", "false")
        default:
            let name = try Self.checkName(request["UserName"], field: "UserName")
            try context.authorize("iam:DeleteUser", resource: userARN(name))
            guard let found = try store({ () throws(StoreError) in try identity.user(accountID: accountID, name: name) }) else {
                throw Self.noSuchEntity("The user with name \(name) cannot be found.")
            }
            guard !found.isAdministrator else { throw AWSError("DeleteConflict", "The account's administrator cannot be deleted.", status: 409) }
            _ = try store { () throws(StoreError) in try store.deleteUser(accountID: accountID, name: name) }
            changed()
        }
    }

    func user(_ xml: inout XMLWriter, _ user: UserRecord, path: String) {
        xml.element("Path", path)
        xml.element("UserName", user.name)
        xml.element("UserId", user.userID)
        xml.element("Arn", userARN(user.name, path: path))
        xml.element("CreateDate", Self.date(user.createdAt))
    }

    // MARK: - Access keys

    func accessKeys(_ action: String, _ request: IAMRequest, _ context: CallContext, _ xml: inout XMLWriter) throws(AWSError) {
        let name = request["UserName"] ?? (context.principal.kind == .user ? context.principal.name : "")
        func requireUser() throws(AWSError) {
            guard try store({ () throws(StoreError) in try identity.user(accountID: accountID, name: name) }) != nil else {
                throw Self.noSuchEntity("The user with name \(name) cannot be found.")
            }
        }
        switch action {
        case "CreateAccessKey":
            try context.authorize("iam:CreateAccessKey", resource: userARN(name))
            try requireUser()
            let keyID = IdentifierFormat.accessKeyID(random: SecureRandom.bytes(16))
            let secret = IdentifierFormat.secretAccessKey(random: SecureRandom.bytes(40))
            let sealed: [UInt8]
            do { sealed = try box.seal(Array(secret.utf8)) } catch { throw AWSError.internalFailure("cannot seal the secret: \(error)") }
            let record = AccessKeyRecord(accessKeyID: keyID, accountID: accountID, userName: name, sealedSecret: sealed, isActive: true,
                                         createdAt: clock())
            try store { () throws(StoreError) in try store.insertAccessKey(record, limit: Self.maximumKeysPerUser) }
            xml.element("AccessKey") { key in
                key.element("UserName", name)
                key.element("AccessKeyId", keyID)
                key.element("Status", "Active")
                key.element("SecretAccessKey", secret)
                key.element("CreateDate", Self.date(record.createdAt))
            }
        case "ListAccessKeys":
            try context.authorize("iam:ListAccessKeys", resource: userARN(name))
            try requireUser()
            let keys = try store { () throws(StoreError) in try identity.accessKeys(accountID: accountID, userName: name) }
            xml.element("AccessKeyMetadata") { list in
                for key in keys {
                    list.element("member") { item in
                        item.element("UserName", name)
                        item.element("AccessKeyId", key.accessKeyID)
                        item.element("Status", key.isActive ? "Active" : "Inactive")
                        item.element("CreateDate", Self.date(key.createdAt))
                    }
                }
            }
            xml.element("IsTruncated", "false")
        case "UpdateAccessKey":
            try context.authorize("iam:UpdateAccessKey", resource: userARN(name))
            guard let status = request["Status"], status == "Active" || status == "Inactive" else {
                throw AWSError("ValidationError", "Status must be Active or Inactive.")
            }
            let keyID = request["AccessKeyId"] ?? ""
            guard try store({ () throws(StoreError) in
                try store.setAccessKeyStatus(accountID: accountID, userName: name, keyID: keyID, active: status == "Active")
            }) else { throw Self.noSuchEntity("The Access Key with id \(keyID) cannot be found.") }
            changed()
        case "DeleteAccessKey":
            try context.authorize("iam:DeleteAccessKey", resource: userARN(name))
            let keyID = request["AccessKeyId"] ?? ""
            guard try store({ () throws(StoreError) in try store.deleteAccessKey(accountID: accountID, userName: name, keyID: keyID) }) else {
                throw Self.noSuchEntity("The Access Key with id \(keyID) cannot be found.")
            }
            changed()
        default:
            let keyID = request["AccessKeyId"] ?? ""
            guard let key = try store({ () throws(StoreError) in try identity.accessKey(keyID) }), key.accountID == accountID else {
                throw Self.noSuchEntity("The Access Key with id \(keyID) cannot be found.")
            }
            try context.authorize("iam:GetAccessKeyLastUsed", resource: userARN(key.userName))
            let used = try store { () throws(StoreError) in try store.lastUsed(keyID) }
            xml.element("UserName", key.userName)
            xml.element("AccessKeyLastUsed") { last in
                if let used { last.element("LastUsedDate", Self.date(used)) }
                last.element("ServiceName", used == nil ? "N/A" : "anneal")
                last.element("Region", used == nil ? "N/A" : context.region)
            }
        }
    }

    // MARK: - Roles

    func roles(_ action: String, _ request: IAMRequest, _ context: CallContext, _ xml: inout XMLWriter) throws(AWSError) {
        switch action {
        case "CreateRole":
            let name = try Self.checkName(request["RoleName"], field: "RoleName")
            try context.authorize("iam:CreateRole", resource: roleARN(name))
            let trust = try Self.document(request["AssumeRolePolicyDocument"], field: "AssumeRolePolicyDocument", trust: true)
            let duration = request["MaxSessionDuration"].flatMap(Int.init) ?? 3600
            guard (3600...43_200).contains(duration) else {
                throw AWSError("ValidationError", "MaxSessionDuration must be between 3600 and 43200 seconds.")
            }
            let role = RoleRecord(accountID: accountID, name: name, roleID: "AROA" + IdentifierFormat.accessKeyID(prefix: "", random: SecureRandom.bytes(16)),
                                  path: request["Path"] ?? "/", trustPolicy: trust, description: request["Description"],
                                  maxSessionDuration: duration, createdAt: clock())
            try store { () throws(StoreError) in try store.createRole(role) }
            xml.element("Role") { self.role(&$0, role) }
        case "GetRole":
            let role = try existingRole(request["RoleName"], context, "iam:GetRole")
            xml.element("Role") { self.role(&$0, role) }
        case "ListRoles":
            try context.authorize("iam:ListRoles", resource: "arn:aws:iam::\(accountID):role/")
            let all = try store { () throws(StoreError) in try store.roles(accountID: accountID) }
            xml.element("Roles") { list in
                for role in all { list.element("member") { self.role(&$0, role) } }
            }
            xml.element("IsTruncated", "false")
        case "UpdateAssumeRolePolicy":
            let role = try existingRole(request["RoleName"], context, "iam:UpdateAssumeRolePolicy")
            let trust = try Self.document(request["PolicyDocument"], field: "PolicyDocument", trust: true)
            _ = try store { () throws(StoreError) in try store.updateTrustPolicy(accountID: accountID, role: role.name, document: trust) }
            changed()
        default:
            let role = try existingRole(request["RoleName"], context, "iam:DeleteRole")
            _ = try store { () throws(StoreError) in try store.deleteRole(accountID: accountID, name: role.name) }
            changed()
        }
    }

    func existingRole(_ name: String?, _ context: CallContext, _ action: String) throws(AWSError) -> RoleRecord {
        let name = try Self.checkName(name, field: "RoleName")
        try context.authorize(action, resource: roleARN(name))
        guard let role = try store({ () throws(StoreError) in try store.role(accountID: accountID, name: name) }) else {
            throw Self.noSuchEntity("The role with name \(name) cannot be found.")
        }
        return role
    }

    func role(_ xml: inout XMLWriter, _ role: RoleRecord) {
        xml.element("Path", role.path)
        xml.element("RoleName", role.name)
        xml.element("RoleId", role.roleID)
        xml.element("Arn", role.arn)
        xml.element("CreateDate", Self.date(role.createdAt))
        xml.element("AssumeRolePolicyDocument", S3Service.urlEncode(role.trustPolicy))
        xml.optional("Description", role.description)
        xml.element("MaxSessionDuration", String(role.maxSessionDuration))
    }

    // MARK: - Inline policies

    func inlinePolicies(_ action: String, _ request: IAMRequest, _ context: CallContext, _ xml: inout XMLWriter) throws(AWSError) {
        let (type, field, principal, arn) = try principal(of: action, request)
        try context.authorize("iam:\(action)", resource: arn)
        try requireExists(type, principal)
        switch action {
        case "PutUserPolicy", "PutRolePolicy", "PutGroupPolicy":
            let name = try Self.checkName(request["PolicyName"], field: "PolicyName", maximum: 128)
            let document = try Self.document(request["PolicyDocument"], field: "PolicyDocument")
            try store { () throws(StoreError) in
                try store.putInlinePolicy(accountID: accountID, type, principal: principal, name: name, document: document)
            }
            changed()
        case "GetUserPolicy", "GetRolePolicy", "GetGroupPolicy":
            let name = request["PolicyName"] ?? ""
            let all = try store { () throws(StoreError) in try store.inlinePolicies(accountID: accountID, type, principal: principal) }
            guard let found = all.first(where: { $0.name == name }) else {
                throw Self.noSuchEntity("The \(type.rawValue) policy with name \(name) cannot be found.")
            }
            xml.element(field, principal)
            xml.element("PolicyName", name)
            xml.element("PolicyDocument", S3Service.urlEncode(found.document))
        case "ListUserPolicies", "ListRolePolicies", "ListGroupPolicies":
            let all = try store { () throws(StoreError) in try store.inlinePolicies(accountID: accountID, type, principal: principal) }
            xml.element("PolicyNames") { list in for policy in all { list.element("member", policy.name) } }
            xml.element("IsTruncated", "false")
        default:
            let name = request["PolicyName"] ?? ""
            guard try store({ () throws(StoreError) in
                try store.deleteInlinePolicy(accountID: accountID, type, principal: principal, name: name)
            }) else { throw Self.noSuchEntity("The \(type.rawValue) policy with name \(name) cannot be found.") }
            changed()
        }
    }
}

/// The Query parameters of one IAM request.
struct IAMRequest {
    let parameters: [String: String]
    subscript(_ name: String) -> String? { parameters[name] }
}

enum CharacterSetASCII {
    static func alphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

