import AnnealAWS
import AnnealCore
import AnnealStore

extension SageMakerService {
    func createTrainingJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        let spec: TrainingJobSpec
        switch TrainingJobValidation.validate(request, accountID: accountID, region: region,
                                              regexCompiles: SageMakerService.regexCompiles) {
        case .success(let valid): spec = valid
        case .failure(let error):
            throw error.kind == .serialization ? AWSError.serialization(error.message) : AWSError.validation(error.message)
        }
        let arn = arn(ofJobNamed: spec.name)
        try context.authorize("sagemaker:CreateTrainingJob", resource: arn, conditions: Self.jobConditions(request))
        try passRole(spec.roleARN, context)
        if let limit = scheduler.neverFits(spec) { throw AWSError("ResourceLimitExceeded", limit) }
        let job = TrainingJob.new(spec: spec, accountID: accountID, region: region, at: clock())
        do {
            try jobs.create(job)
        } catch where error.code == .conflict {
            throw AWSError("ResourceInUse", "Training job names must be unique within an AWS account and region, "
                + "and a training job with this name already exists (\(arn))")
        } catch {
            throw SageMakerService.storeFailure(error)
        }
        scheduler.jobCreated(job.name)
        return ["TrainingJobArn": .string(job.arn)]
    }

    func describeTrainingJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.describeTrainingJobRequest)
        let name = request["TrainingJobName"]?.string ?? ""
        try context.authorize("sagemaker:DescribeTrainingJob", resource: arn(ofJobNamed: name))
        guard let job = try store({ () throws(StoreError) in try jobs.job(named: name) }) else { throw SageMakerService.notFound }
        return SageMakerReplies.describe(job)
    }

    func listTrainingJobs(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.listTrainingJobsRequest)
        try context.authorize("sagemaker:ListTrainingJobs")
        // Anneal has no training plans, so no job runs on one.
        if request["TrainingPlanArnEquals"]?.string != nil { return ["TrainingJobSummaries": []] }
        let seconds = { (key: String) in request[key].flatMap(ModelTimestamp.seconds) }
        let query = TrainingJobQuery(
            nameContains: request["NameContains"]?.string,
            statusEquals: request["StatusEquals"]?.string.flatMap(TrainingJobStatus.init(rawValue:)),
            creationTimeAfter: seconds("CreationTimeAfter"), creationTimeBefore: seconds("CreationTimeBefore"),
            lastModifiedTimeAfter: seconds("LastModifiedTimeAfter"), lastModifiedTimeBefore: seconds("LastModifiedTimeBefore"),
            warmPoolStatusEquals: request["WarmPoolStatusEquals"]?.string,
            sortBy: request["SortBy"]?.string.flatMap(TrainingJobQuery.SortKey.init(rawValue:)) ?? .creationTime,
            ascending: request["SortOrder"]?.string != "Descending",
            maxResults: request["MaxResults"]?.int ?? 10,
            nextToken: request["NextToken"]?.string.flatMap { $0.isEmpty ? nil : $0 })
        let page = try store { () throws(StoreError) in try jobs.list(query) }
        return .members([
            ("TrainingJobSummaries", .array(page.jobs.map(SageMakerReplies.summary))),
            ("NextToken", page.nextToken.map { .string($0) }),
        ])
    }

    func stopTrainingJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.stopTrainingJobRequest)
        let name = request["TrainingJobName"]?.string ?? ""
        try context.authorize("sagemaker:StopTrainingJob", resource: arn(ofJobNamed: name))
        let now = clock()
        var applied = false
        let updated: TrainingJob?
        do {
            updated = try jobs.update(named: name) { job in applied = job.apply(.stopRequested, at: now) }
        } catch {
            throw SageMakerService.storeFailure(error)
        }
        guard let job = updated else { throw SageMakerService.notFound }
        guard applied else { throw SageMakerService.wrongStatus(job.status) }
        scheduler.stopRequested(job.name)
        return [:]
    }

    /// Only a finished job can be deleted (a running one must be stopped first); its tags go with it.
    func deleteTrainingJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.deleteTrainingJobRequest)
        let name = request["TrainingJobName"]?.string ?? ""
        try context.authorize("sagemaker:DeleteTrainingJob", resource: arn(ofJobNamed: name))
        guard let job = try store({ () throws(StoreError) in try jobs.job(named: name) }) else { throw SageMakerService.notFound }
        // A finished job never changes status again, so the check cannot go stale before the delete.
        guard job.status.isTerminal else { throw SageMakerService.wrongStatus(job.status) }
        guard try store({ () throws(StoreError) in try jobs.delete(named: name) }) else { throw SageMakerService.notFound }
        return [:]
    }
}
