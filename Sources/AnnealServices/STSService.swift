import AnnealAWS

/// AWS Security Token Service, Query protocol.
public struct STSService: QueryService {
    public let name = "sts"
    public let signingName = "sts"
    public let xmlNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"

    public init() {}

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
        default:
            throw AWSError.invalidAction(action, service: "sts")
        }
    }
}
