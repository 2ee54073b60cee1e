import AnnealAWS
import AnnealCore
import AnnealStore

/// AddTags, ListTags and DeleteTags on the resources this service holds (training jobs).
extension SageMakerService {
    func addTags(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.addTagsInput)
        let arn = try taggableResource(request["ResourceArn"]?.string ?? "")
        try context.authorize("sagemaker:AddTags", resource: arn)
        let tags = SageMakerService.tagPairs(request["Tags"])
        try store { () throws(StoreError) in try jobs.addTags(arn: arn, tags) }
        return ["Tags": request["Tags"] ?? []]
    }

    func listTags(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.listTagsInput)
        let arn = try taggableResource(request["ResourceArn"]?.string ?? "")
        try context.authorize("sagemaker:ListTags", resource: arn)
        let tags = try store { () throws(StoreError) in try jobs.tags(arn: arn) }
        let limit = request["MaxResults"]?.int ?? 50
        var start = 0
        if let token = request["NextToken"]?.string, !token.isEmpty {
            guard let offset = Int(token), (0...tags.count).contains(offset) else {
                throw AWSError.validation("The NextToken is not valid for this request.")
            }
            start = offset
        }
        let end = min(tags.count, start + limit)
        return .members([
            ("Tags", .array(tags[start..<end].map { ["Key": .string($0.key), "Value": .string($0.value)] })),
            ("NextToken", end < tags.count ? .string(String(end)) : nil),
        ])
    }

    func deleteTags(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.deleteTagsInput)
        let arn = try taggableResource(request["ResourceArn"]?.string ?? "")
        try context.authorize("sagemaker:DeleteTags", resource: arn)
        let keys = (request["TagKeys"]?.array ?? []).compactMap(\.string)
        try store { () throws(StoreError) in try jobs.deleteTags(arn: arn, keys: keys) }
        return [:]
    }

    /// The canonical ARN of an existing resource named by `arn` (in this account and region), else
    /// the error SageMaker gives for a resource that does not exist.
    func taggableResource(_ arn: String) throws(AWSError) -> String {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[2] == "sagemaker", parts[3] == Substring(region), parts[4] == Substring(accountID) else {
            throw SageMakerService.notFound
        }
        let resource = parts[5]
        let prefix = "training-job/"
        guard resource.hasPrefix(prefix) else { throw SageMakerService.notFound }
        let name = String(resource.dropFirst(prefix.count))
        guard let job = try store({ () throws(StoreError) in try jobs.job(named: name) }) else { throw SageMakerService.notFound }
        return job.arn
    }

    static func tagPairs(_ list: JSONValue?) -> [(key: String, value: String)] {
        (list?.array ?? []).compactMap { tag in
            guard let key = tag["Key"]?.string else { return nil }
            return (key: key, value: tag["Value"]?.string ?? "")
        }
    }
}
