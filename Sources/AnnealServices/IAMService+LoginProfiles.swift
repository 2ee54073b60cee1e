import AnnealAWS
import AnnealStore

/// Console passwords: CreateLoginProfile, UpdateLoginProfile, GetLoginProfile, DeleteLoginProfile,
/// authorised as `iam:<Action>` on the user's ARN, as in IAM.
extension IAMService {
    func loginProfiles(_ action: String, _ request: IAMRequest, _ context: CallContext, _ xml: inout XMLWriter) throws(AWSError) {
        let name = request["UserName"] ?? (context.principal.kind == .user ? context.principal.name : "")
        guard !name.isEmpty else { throw AWSError.missingParameter("UserName") }
        try context.authorize("iam:\(action)", resource: userARN(name))
        guard let user = try store({ () throws(StoreError) in try identity.user(accountID: accountID, name: name) }) else {
            throw Self.noSuchEntity("The user with name \(name) cannot be found.")
        }
        let profiles = LoginProfileStore(database: store.database)
        let missing = Self.noSuchEntity("Login Profile for User \(name) cannot be found.")
        switch action {
        case "CreateLoginProfile", "UpdateLoginProfile":
            guard let password = request["Password"] else { throw AWSError.missingParameter("Password") }
            try ConsolePasswords.check(password)
            let record = ConsolePasswords.record(password: password, accountID: accountID, userName: name, userID: user.userID, now: clock())
            do { try profiles.put(record, replace: action == "UpdateLoginProfile") } catch {
                if error.code == .notFound { throw missing }
                if error.code == .conflict { throw AWSError("EntityAlreadyExists", error.message, status: 409) }
                throw AWSError.internalFailure("The request could not be completed: \(error.message)")
            }
            changed()
            if action == "CreateLoginProfile" { Self.write(record, into: &xml) }
        case "GetLoginProfile":
            guard let record = try store({ () throws(StoreError) in try profiles.profile(accountID: accountID, userName: name) }) else {
                throw missing
            }
            Self.write(record, into: &xml)
        default:  // DeleteLoginProfile
            guard try store({ () throws(StoreError) in try profiles.delete(accountID: accountID, userName: name) }) else { throw missing }
            changed()
        }
    }

    static func write(_ record: LoginProfileRecord, into xml: inout XMLWriter) {
        xml.element("LoginProfile") { profile in
            profile.element("UserName", record.userName)
            profile.element("CreateDate", date(record.createdAt))
            profile.element("PasswordResetRequired", "false")
        }
    }
}
