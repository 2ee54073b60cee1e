/// Whether a training or tuning job may run as the execution role it names (`RoleArn`), as SageMaker
/// decides when it assumes the role: the role must exist and trust `sagemaker.amazonaws.com`.
///
/// Anneal holds one account. A role ARN of another account (scripts written for AWS carry their AWS
/// account's id, e.g. `arn:aws:iam::123456789012:role/SageMakerRole`) cannot be assumed here: it is
/// refused, except for the account's administrator, who may do everything anyway, for whom the
/// job runs with the platform's job session (its data, logs and metrics, no other job's, no identities).
public enum ExecutionRole {
    public static let service = "sagemaker.amazonaws.com"

    public enum Verdict: Sendable, Equatable {
        /// The role of this account: the job's session gets its policies.
        case accepted(roleName: String)
        /// Another account's role, passed by the administrator.
        case foreignAccepted
        case rejected(String)
    }

    /// The account and role name of a role ARN (`arn:aws:iam::<account>:role/<path/>name`), if it is one.
    public static func parse(_ roleARN: String) -> (account: String, name: String)? {
        let parts = roleARN.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam", parts[4].count == 12,
              parts[4].allSatisfy(\.isNumber), parts[5].hasPrefix("role/"),
              let name = parts[5].split(separator: "/").last, !name.isEmpty else { return nil }
        return (String(parts[4]), String(name))
    }

    /// `trustPolicy`: the trust policy of this account's role named by the ARN (nil when no such role).
    public static func decide(_ roleARN: String, accountID: String, callerIsAdministrator: Bool,
                              trustPolicy: (String) -> String?) -> Verdict {
        let cannot = "Could not assume role \(roleARN). Please ensure that the role exists and allows principal '\(service)' to assume the role."
        guard let (account, name) = parse(roleARN) else { return .rejected(cannot) }
        guard account == accountID else {
            if callerIsAdministrator { return .foreignAccepted }
            return .rejected(cannot + " The role belongs to account \(account); this platform holds account \(accountID) only: "
                + "create the role in it (aws iam create-role) and pass arn:aws:iam::\(accountID):role/\(name).")
        }
        guard let text = trustPolicy(name) else { return .rejected(cannot + " (no role named \(name) in account \(accountID))") }
        guard let json = try? JSONValue.parse(text), let document = try? PolicyDocument.parse(json, trust: true),
              PolicyEvaluator.trusts(document, service: service) else {
            return .rejected(cannot + " (the trust policy of \(name) does not allow \(service) to assume it)")
        }
        return .accepted(roleName: name)
    }

    /// The instance types a CreateTrainingJob or training-job definition asks for (`sagemaker:InstanceTypes`).
    public static func instanceTypes(_ request: JSONValue) -> [String] {
        var types: [String] = []
        if let type = request["ResourceConfig"]?["InstanceType"]?.string { types.append(type) }
        for group in request["ResourceConfig"]?["InstanceGroups"]?.array ?? [] {
            if let type = group["InstanceType"]?.string { types.append(type) }
        }
        if let tuning = request["HyperParameterTuningResourceConfig"] {
            if let type = tuning["InstanceType"]?.string { types.append(type) }
            for config in tuning["InstanceConfigs"]?.array ?? [] {
                if let type = config["InstanceType"]?.string { types.append(type) }
            }
        }
        var seen = Set<String>()
        return types.filter { seen.insert($0).inserted }
    }
}
