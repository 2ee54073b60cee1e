import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealStore

extension IAMService {
    // MARK: - Groups

    func groupARN(_ name: String) -> String { "arn:aws:iam::\(accountID):group/\(name)" }

    func groups(_ action: String, _ request: IAMRequest, _ context: CallContext, _ xml: inout XMLWriter) throws(AWSError) {
        switch action {
        case "CreateGroup":
            let name = try Self.checkName(request["GroupName"], field: "GroupName", maximum: 128)
            try context.authorize("iam:CreateGroup", resource: groupARN(name))
            let id = "AGPA" + IdentifierFormat.accessKeyID(prefix: "", random: SecureRandom.bytes(16))
            let path = request["Path"] ?? "/"
            try store { () throws(StoreError) in try store.createGroup(accountID: accountID, name: name, groupID: id, path: path, at: clock()) }
            xml.element("Group") { group(&$0, GroupRecord(accountID: accountID, name: name, groupID: id, path: path, createdAt: clock())) }
        case "ListGroups":
            try context.authorize("iam:ListGroups", resource: "arn:aws:iam::\(accountID):group/")
            let all = try store { () throws(StoreError) in try store.groups(accountID: accountID) }
            xml.element("Groups") { list in for found in all { list.element("member") { group(&$0, found) } } }
            xml.element("IsTruncated", "false")
        case "ListGroupsForUser":
            let user = try Self.checkName(request["UserName"], field: "UserName")
            try context.authorize("iam:ListGroupsForUser", resource: userARN(user))
            let all = try store { () throws(StoreError) in try store.groups(accountID: accountID, forUser: user) }
            xml.element("Groups") { list in for found in all { list.element("member") { group(&$0, found) } } }
            xml.element("IsTruncated", "false")
        default:
            let name = try Self.checkName(request["GroupName"], field: "GroupName", maximum: 128)
            try context.authorize("iam:\(action)", resource: groupARN(name))
            let all = try store { () throws(StoreError) in try store.groups(accountID: accountID) }
            guard let found = all.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw Self.noSuchEntity("The group with name \(name) cannot be found.")
            }
            switch action {
            case "GetGroup":
                xml.element("Group") { group(&$0, found) }
                let members = try store { () throws(StoreError) in try store.members(accountID: accountID, group: found.name) }
                xml.element("Users") { list in
                    for member in members {
                        if let user = try? identity.user(accountID: accountID, name: member) {
                            let path = ((try? store.userPath(accountID: accountID, name: member)) ?? nil) ?? "/"
                            list.element("member") { self.user(&$0, user, path: path) }
                        }
                    }
                }
                xml.element("IsTruncated", "false")
            case "DeleteGroup":
                _ = try store { () throws(StoreError) in try store.deleteGroup(accountID: accountID, name: found.name) }
                changed()
            default:
                let user = try Self.checkName(request["UserName"], field: "UserName")
                guard try store({ () throws(StoreError) in try identity.user(accountID: accountID, name: user) }) != nil else {
                    throw Self.noSuchEntity("The user with name \(user) cannot be found.")
                }
                if action == "AddUserToGroup" {
                    try store { () throws(StoreError) in try store.addMember(accountID: accountID, group: found.name, user: user) }
                } else {
                    guard try store({ () throws(StoreError) in try store.removeMember(accountID: accountID, group: found.name, user: user) }) else {
                        throw Self.noSuchEntity("The user \(user) is not in the group \(found.name).")
                    }
                }
                changed()
            }
        }
    }

    func group(_ xml: inout XMLWriter, _ group: GroupRecord) {
        xml.element("Path", group.path)
        xml.element("GroupName", group.name)
        xml.element("GroupId", group.groupID)
        xml.element("Arn", group.arn)
        xml.element("CreateDate", Self.date(group.createdAt))
    }

    /// Which kind of principal an action names (`...UserPolicy`, `...RolePolicy`, `...GroupPolicy`),
    /// its name from the request, its ARN, and whether it exists.
    func principal(of action: String, _ request: IAMRequest) throws(AWSError) -> (type: IAMStore.PrincipalType, field: String, name: String, arn: String) {
        let type: IAMStore.PrincipalType = action.contains("Role") ? .role : action.contains("Group") ? .group : .user
        let field = type == .role ? "RoleName" : type == .group ? "GroupName" : "UserName"
        let name = try Self.checkName(request[field], field: field, maximum: type == .group ? 128 : 64)
        let arn = type == .role ? roleARN(name) : type == .group ? groupARN(name) : userARN(name)
        return (type, field, name, arn)
    }

    func requireExists(_ type: IAMStore.PrincipalType, _ name: String) throws(AWSError) {
        let exists: Bool = switch type {
        case .role: try store({ () throws(StoreError) in try store.role(accountID: accountID, name: name) }) != nil
        case .group: try store({ () throws(StoreError) in try store.groups(accountID: accountID) }).contains { $0.name.lowercased() == name.lowercased() }
        case .user: try store({ () throws(StoreError) in try identity.user(accountID: accountID, name: name) }) != nil
        }
        guard exists else { throw Self.noSuchEntity("The \(type.rawValue) with name \(name) cannot be found.") }
    }
}
