import AnnealAWS
import AnnealCore

extension SageMakerService {
    /// The `sagemaker:` condition keys of a job request (or of a tuning job's training-job definitions).
    static func jobConditions(_ requests: [JSONValue]) -> [String: [String]] {
        var keys: [String: [String]] = [:]
        let types = requests.flatMap(ExecutionRole.instanceTypes)
        if !types.isEmpty { keys["sagemaker:InstanceTypes"] = Array(Set(types)).sorted() }
        let runtimes = requests.compactMap { $0["StoppingCondition"]?["MaxRuntimeInSeconds"]?.int }
        if let longest = runtimes.max() { keys["sagemaker:MaxRuntimeInSeconds"] = [String(longest)] }
        return keys
    }

    static func jobConditions(_ request: JSONValue) -> [String: [String]] { jobConditions([request]) }

    /// The caller may pass the execution role to SageMaker (`iam:PassRole`, with `iam:PassedToService`),
    /// and SageMaker can assume it: it exists and trusts `sagemaker.amazonaws.com` (`ExecutionRole`).
    func passRole(_ roleARN: String, _ context: CallContext) throws(AWSError) {
        try context.authorize("iam:PassRole", resource: roleARN, conditions: ["iam:PassedToService": [ExecutionRole.service]])
        guard let roleTrust else { return }
        if case .rejected(let message) = ExecutionRole.decide(roleARN, accountID: accountID,
                                                              callerIsAdministrator: context.principal.isAdministrator,
                                                              trustPolicy: roleTrust) {
            throw AWSError.validation(message)
        }
    }
}
