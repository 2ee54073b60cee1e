import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealStore

extension IAMService {
    // MARK: - Managed policies

    func managedPolicies(_ action: String, _ request: IAMRequest, _ context: CallContext, _ xml: inout XMLWriter) throws(AWSError) {
        switch action {
        case "CreatePolicy":
            let name = try Self.checkName(request["PolicyName"], field: "PolicyName", maximum: 128)
            let path = request["Path"] ?? "/"
            let arn = "arn:aws:iam::\(accountID):policy\(path)\(name)"
            try context.authorize("iam:CreatePolicy", resource: arn)
            let document = try Self.document(request["PolicyDocument"], field: "PolicyDocument")
            let now = clock()
            let policy = ManagedPolicyRecord(arn: arn, accountID: accountID, name: name,
                                             policyID: "ANPA" + IdentifierFormat.accessKeyID(prefix: "", random: SecureRandom.bytes(16)),
                                             path: path, description: request["Description"], document: document, createdAt: now, updatedAt: now)
            try store { () throws(StoreError) in try store.createPolicy(policy) }
            xml.element("Policy") { self.policy(&$0, policy, attachments: 0) }
        case "GetPolicy":
            let policy = try existingPolicy(request["PolicyArn"], context, "iam:GetPolicy")
            let count = try store { () throws(StoreError) in try store.attachmentCount(arn: policy.arn) }
            xml.element("Policy") { self.policy(&$0, policy, attachments: count) }
        case "GetPolicyVersion":
            let policy = try existingPolicy(request["PolicyArn"], context, "iam:GetPolicyVersion")
            guard request["VersionId"] == "v1" else {
                throw Self.noSuchEntity("Policy \(policy.arn) version \(request["VersionId"] ?? "") does not exist (Anneal keeps one version, v1).")
            }
            xml.element("PolicyVersion") { version in
                version.element("Document", S3Service.urlEncode(policy.document))
                version.element("VersionId", "v1")
                version.element("IsDefaultVersion", "true")
                version.element("CreateDate", Self.date(policy.createdAt))
            }
        case "ListPolicies":
            try context.authorize("iam:ListPolicies", resource: "arn:aws:iam::\(accountID):policy/")
            let scope = request["Scope"] ?? "All"
            var all: [ManagedPolicyRecord] = []
            if scope != "Local" { all += ManagedPolicies.builtIn }
            if scope != "AWS" { all += try store { () throws(StoreError) in try store.policies(accountID: accountID) } }
            if request["OnlyAttached"] == "true" {
                all = all.filter { ((try? store.attachmentCount(arn: $0.arn)) ?? 0) > 0 }
            }
            xml.element("Policies") { list in
                for policy in all {
                    let count = (try? store.attachmentCount(arn: policy.arn)) ?? 0
                    list.element("member") { self.policy(&$0, policy, attachments: count) }
                }
            }
            xml.element("IsTruncated", "false")
        case "DeletePolicy":
            let policy = try existingPolicy(request["PolicyArn"], context, "iam:DeletePolicy")
            guard ManagedPolicies.document(policy.arn) == nil else {
                throw AWSError("AccessDenied", "AWS managed policies cannot be deleted.", status: 403)
            }
            _ = try store { () throws(StoreError) in try store.deletePolicy(arn: policy.arn) }
        case "AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy", "DetachUserPolicy", "DetachRolePolicy", "DetachGroupPolicy":
            let (type, _, principal, arn) = try principal(of: action, request)
            try context.authorize("iam:\(action)", resource: arn)
            try requireExists(type, principal)
            let policyARN = request["PolicyArn"] ?? ""
            if action.hasPrefix("Attach") {
                _ = try existingPolicy(policyARN, context, nil)
                try store { () throws(StoreError) in try store.attach(accountID: accountID, type, principal: principal, policyARN: policyARN) }
            } else {
                guard try store({ () throws(StoreError) in
                    try store.detach(accountID: accountID, type, principal: principal, policyARN: policyARN)
                }) else { throw Self.noSuchEntity("Policy \(policyARN) was not found or is not attached to \(principal).") }
            }
            changed()
        default:
            let (type, _, principal, arn) = try principal(of: action, request)
            try context.authorize("iam:\(action)", resource: arn)
            let arns = try store { () throws(StoreError) in try store.attachedPolicies(accountID: accountID, type, principal: principal) }
            xml.element("AttachedPolicies") { list in
                for policyARN in arns {
                    list.element("member") { item in
                        item.element("PolicyName", String(policyARN.split(separator: "/").last ?? ""))
                        item.element("PolicyArn", policyARN)
                    }
                }
            }
            xml.element("IsTruncated", "false")
        }
    }

    func existingPolicy(_ arn: String?, _ context: CallContext, _ action: String?) throws(AWSError) -> ManagedPolicyRecord {
        guard let arn, arn.hasPrefix("arn:aws:iam::") else { throw AWSError("InvalidInput", "PolicyArn must be an IAM policy ARN.") }
        if let action { try context.authorize(action, resource: arn) }
        if let builtIn = ManagedPolicies.builtIn.first(where: { $0.arn == arn }) { return builtIn }
        guard let policy = try store({ () throws(StoreError) in try store.policy(arn: arn) }), policy.accountID == accountID else {
            throw Self.noSuchEntity("Policy \(arn) does not exist or is not attachable.")
        }
        return policy
    }

    func policy(_ xml: inout XMLWriter, _ policy: ManagedPolicyRecord, attachments: Int) {
        xml.element("PolicyName", policy.name)
        xml.element("PolicyId", policy.policyID)
        xml.element("Arn", policy.arn)
        xml.element("Path", policy.path)
        xml.element("DefaultVersionId", "v1")
        xml.element("AttachmentCount", String(attachments))
        xml.element("IsAttachable", "true")
        xml.optional("Description", policy.description)
        xml.element("CreateDate", Self.date(policy.createdAt))
        xml.element("UpdateDate", Self.date(policy.updatedAt))
    }
}

/// AWS-managed-like policies, ready to attach: full access, read-only, data scientist.
public enum ManagedPolicies {
    static let fullAccess = """
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sagemaker:*", "s3:*", "logs:*", "cloudwatch:*", \
        "iam:PassRole", "iam:GetRole", "sts:GetCallerIdentity"], "Resource": "*"}]}
        """
    static let readOnly = """
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sagemaker:Describe*", "sagemaker:List*", \
        "s3:Get*", "s3:List*", "s3:HeadBucket", "logs:Describe*", "logs:Get*", "logs:FilterLogEvents", "cloudwatch:Get*", \
        "cloudwatch:List*", "sts:GetCallerIdentity"], "Resource": "*"}]}
        """
    static let dataScientist = """
        {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sagemaker:*TrainingJob*", "sagemaker:*HyperParameterTuningJob*", "sagemaker:List*", \
        "sagemaker:Describe*", "sagemaker:AddTags", "sagemaker:ListTags", "logs:Describe*", "logs:Get*", "logs:FilterLogEvents", \
        "cloudwatch:Get*", "cloudwatch:List*", "sts:GetCallerIdentity", "iam:PassRole", "iam:GetRole"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:CreateBucket", \
        "s3:ListAllMyBuckets", "s3:*MultipartUpload*", "s3:ListMultipartUploadParts", "s3:GetBucketLocation"], "Resource": "*"}]}
        """

    static let builtIn: [ManagedPolicyRecord] = [
        ("AmazonSageMakerFullAccess", "Full access to training, tuning, data, logs and metrics", fullAccess),
        ("AmazonSageMakerReadOnly", "Read-only access to training, tuning, data, logs and metrics", readOnly),
        ("AnnealDataScientist", "Train and tune models and use data; no identity administration", dataScientist),
    ].map { name, description, document in
        ManagedPolicyRecord(arn: "arn:aws:iam::aws:policy/\(name)", accountID: "aws", name: name, policyID: "ANPA" + name.uppercased(),
                            path: "/", description: description, document: document, createdAt: 0, updatedAt: 0)
    }

    /// The document of an AWS-managed policy ARN, or nil.
    public static func document(_ arn: String) -> String? {
        builtIn.first { $0.arn == arn }?.document
    }
}
