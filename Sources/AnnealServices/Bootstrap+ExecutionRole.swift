import AnnealCore
import AnnealCrypto
import AnnealStore
import Glibc

extension Bootstrap {
    public static let defaultExecutionRoleName = "SageMakerRole"

    /// The trust policy of a SageMaker execution role.
    public static let sageMakerTrust = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},\
        "Action":"sts:AssumeRole"}]}
        """

    /// What the default execution role may do: what a job needs (data, logs, metrics), as the
    /// execution role SageMaker's console creates with a new domain.
    static let defaultExecutionPolicy = """
        {"Version":"2012-10-17","Statement":[{"Sid":"JobData","Effect":"Allow","Action":"s3:*","Resource":"*"},\
        {"Sid":"JobLogsAndMetrics","Effect":"Allow","Action":["logs:*","cloudwatch:PutMetricData"],"Resource":"*"}]}
        """

    /// On the account's first start: the role `SageMakerRole` (trusting SageMaker, with data, logs and
    /// metrics access), which `anneal train` passes unless told otherwise. Deleting or narrowing it
    /// afterwards is the administrator's choice: it is not re-created.
    public static func defaultExecutionRole(iam: IAMStore, accountID: String, logger: Logger?) {
        let role = RoleRecord(accountID: accountID, name: defaultExecutionRoleName,
                              roleID: "AROA" + IdentifierFormat.accessKeyID(prefix: "", random: SecureRandom.bytes(16)), path: "/",
                              trustPolicy: sageMakerTrust, description: "Default execution role of training jobs (created on first start)",
                              maxSessionDuration: 3600, createdAt: Int64(time(nil)))
        do {
            try iam.createRole(role)
            try iam.putInlinePolicy(accountID: accountID, .role, principal: role.name, name: "AnnealDefaultExecution",
                                    document: defaultExecutionPolicy)
            logger?.info("execution_role_created", [("role", role.arn)])
        } catch {
            logger?.warning("execution_role_not_created", [("role", role.arn), ("error", error.message)])
        }
    }
}
