import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealStore
import Foundation

/// Hyperparameter tuning jobs: Create, Describe, List, ListTrainingJobsFor..., Stop, Delete.
extension SageMakerService {
    var tuning: TuningJobStore {
        get throws(AWSError) {
            guard let tuningJobs else { throw AWSError.unknownOperation("SageMaker.CreateHyperParameterTuningJob") }
            return tuningJobs
        }
    }

    func tuningARN(_ name: String) -> String { TuningJob.arn(name: name, accountID: accountID, region: region) }

    static func tuningJobNotFound(_ name: String) -> AWSError {
        AWSError("ResourceNotFound", "Amazon SageMaker can't find a tuning job with name \(name)", status: 400)
    }

    func createTuningJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        let tuningStore = try tuning
        let spec: TuningJobSpec
        switch TuningJobValidation.validate(request, seed: UInt64.random(in: 0...UInt64(UInt32.max))) {
        case .success(let valid): spec = valid
        case .failure(let error):
            throw error.kind == .serialization ? AWSError.serialization(error.message) : AWSError.validation(error.message)
        }
        let arn = tuningARN(spec.name)
        try context.authorize("sagemaker:CreateHyperParameterTuningJob", resource: arn,
                              conditions: Self.jobConditions(spec.definitions.map(\.request)))
        for role in Set(spec.definitions.compactMap { $0.request["RoleArn"]?.string }).sorted() { try passRole(role, context) }
        let job = TuningJob.new(spec: spec, accountID: accountID, region: region, at: clock())
        // Each definition must make valid training jobs: checked now with a sample configuration,
        // so a bad definition is the caller's ValidationException rather than a failed tuning job.
        for (index, definition) in spec.definitions.enumerated() {
            let sample = Dictionary(uniqueKeysWithValues: definition.ranges.map { ($0.name, Self.sampleValue($0)) })
            let child = TuningJobValidation.childRequest(job, definition: definition, name: job.childName(1), configuration: sample)
            if case .failure(let error) = TrainingJobValidation.validate(child, accountID: accountID, region: region,
                                                                         regexCompiles: SageMakerService.regexCompiles) {
                let field = spec.definitions.count == 1 ? "TrainingJobDefinition" : "TrainingJobDefinitions.\(index + 1)"
                throw AWSError.validation("\(field) cannot make a valid training job: \(error.message)")
            }
        }
        for parent in spec.warmStartParents {
            guard let found = try store({ () throws(StoreError) in try tuningStore.job(named: parent) }) else {
                throw AWSError.validation("WarmStartConfig.ParentHyperParameterTuningJobs: the tuning job \(parent) does not exist.")
            }
            guard found.status.isFinished else {
                throw AWSError.validation("WarmStartConfig.ParentHyperParameterTuningJobs: the tuning job \(parent) is "
                    + "\(found.status.rawValue); a parent must have finished (Completed, Stopped or Failed).")
            }
        }
        do {
            try tuningStore.create(job)
        } catch where error.code == .conflict {
            throw AWSError("ResourceInUse", "A tuning job with the name \(spec.name) already exists (names are case-insensitive).")
        } catch {
            throw SageMakerService.storeFailure(error)
        }
        tunerChanged()
        return ["HyperParameterTuningJobArn": .string(job.arn)]
    }

    /// A value inside the range, to check a definition before any trial runs.
    static func sampleValue(_ range: HyperParameterRange) -> String {
        switch range {
        case .continuous(_, let low, _, _): String(low)
        case .integer(_, let low, _, _): String(low)
        case .categorical(_, let values): values.first ?? ""
        }
    }

    func describeTuningJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.describeHyperParameterTuningJobRequest)
        let name = request["HyperParameterTuningJobName"]?.string ?? ""
        try context.authorize("sagemaker:DescribeHyperParameterTuningJob", resource: tuningARN(name))
        let (job, trials) = try tuningJobWithTrials(name)
        let spec = job.spec
        let best = TuningJob.best(trials, minimize: spec.minimize)
        var overall: TuningTrial?
        if spec.warmStartType == "IdenticalDataAndAlgorithm" {
            var all = trials
            for parent in spec.warmStartParents {
                if let (_, parentTrials) = try? tuningJobWithTrials(parent) { all += parentTrials }
            }
            overall = TuningJob.best(all, minimize: spec.minimize)
        }
        let end = job.endTime ?? clock()
        let members: [(String, JSONValue?)] = [
            ("HyperParameterTuningJobName", .string(job.name)),
            ("HyperParameterTuningJobArn", .string(job.arn)),
            ("HyperParameterTuningJobConfig", spec.request["HyperParameterTuningJobConfig"]),
            ("TrainingJobDefinition", spec.request["TrainingJobDefinition"]),
            ("TrainingJobDefinitions", spec.request["TrainingJobDefinitions"]),
            ("HyperParameterTuningJobStatus", .string(job.status.rawValue)),
            ("CreationTime", SageMakerService.time(job.creationTime)),
            ("HyperParameterTuningEndTime", job.endTime.map(SageMakerService.time)),
            ("LastModifiedTime", SageMakerService.time(job.lastModifiedTime)),
            ("TrainingJobStatusCounters", Self.trainingCounters(trials)),
            ("ObjectiveStatusCounters", Self.objectiveCounters(trials)),
            ("BestTrainingJob", best.map { Self.trialSummary($0, job) }),
            ("OverallBestTrainingJob", overall.map { Self.trialSummary($0, job) }),
            ("WarmStartConfig", spec.request["WarmStartConfig"]),
            ("FailureReason", job.failureReason.map { .string($0) }),
            ("TuningJobCompletionDetails", .members([
                ("NumberOfTrainingJobsObjectiveNotImproving", .number(Double(TuningJob.notImproving(trials, minimize: spec.minimize)))),
                ("ConvergenceDetectedTime", job.convergenceTime.map(SageMakerService.time)),
            ])),
            ("ConsumedResources", ["RuntimeInSeconds": .number(Double(max(0, Int(end - job.creationTime))))]),
        ]
        return .members(members)
    }

    func tuningJobWithTrials(_ name: String) throws(AWSError) -> (TuningJob, [TuningTrial]) {
        let store = try tuning
        guard let job = try self.store({ () throws(StoreError) in try store.job(named: name) }) else {
            throw Self.tuningJobNotFound(name)
        }
        let children = try self.store { () throws(StoreError) in try jobs.children(ofTuningJob: job.arn) }
        return (job, TuningJob.trials(of: job, children: children))
    }

    static func trainingCounters(_ trials: [TuningTrial]) -> JSONValue {
        let count = { (test: (TuningTrial) -> Bool) in JSONValue.number(Double(trials.filter(test).count)) }
        return .members([
            ("Completed", count { $0.job.status == .completed }),
            ("InProgress", count { $0.job.status == .inProgress || $0.job.status == .stopping }),
            ("RetryableError", count { $0.failedRetryably }),
            ("NonRetryableError", count { $0.job.status == .failed && !$0.failedRetryably }),
            ("Stopped", count { $0.job.status == .stopped }),
        ])
    }

    static func objectiveCounters(_ trials: [TuningTrial]) -> JSONValue {
        let count = { (status: String) in JSONValue.number(Double(trials.filter { $0.objectiveStatus == status }.count)) }
        return .members([("Succeeded", count("Succeeded")), ("Pending", count("Pending")), ("Failed", count("Failed"))])
    }

    /// `HyperParameterTrainingJobSummary`.
    static func trialSummary(_ trial: TuningTrial, _ tuning: TuningJob) -> JSONValue {
        let definition = tuning.spec.definitions.first { $0.name == trial.definitionName } ?? tuning.spec.definitions.first
        let objective: JSONValue? = trial.objective.map { value in
            .members([("Type", .string(definition?.minimize == false ? "Maximize" : "Minimize")),
                      ("MetricName", .string(definition?.objectiveMetric ?? "")), ("Value", .number(value))])
        }
        return .members([
            ("TrainingJobDefinitionName", trial.definitionName.map { .string($0) }),
            ("TrainingJobName", .string(trial.job.name)),
            ("TrainingJobArn", .string(trial.job.arn)),
            ("TuningJobName", trial.job.spec.tuningJobARN.flatMap { $0.split(separator: "/").last }.map { .string(String($0)) }),
            ("CreationTime", SageMakerService.time(trial.job.creationTime)),
            ("TrainingStartTime", trial.job.trainingStartTime.map(SageMakerService.time)),
            ("TrainingEndTime", trial.job.trainingEndTime.map(SageMakerService.time)),
            ("TrainingJobStatus", .string(trial.job.status.rawValue)),
            ("TunedHyperParameters", .object(trial.configuration.mapValues { .string($0) })),
            ("FailureReason", trial.job.failureReason.map { .string($0) }),
            ("FinalHyperParameterTuningJobObjectiveMetric", objective),
            ("ObjectiveStatus", .string(trial.objectiveStatus)),
        ])
    }

    func listTuningJobs(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.listHyperParameterTuningJobsRequest)
        try context.authorize("sagemaker:ListHyperParameterTuningJobs")
        let store = try tuning
        var all = try self.store { () throws(StoreError) in try store.all() }
        let seconds = { (key: String) in request[key].flatMap(ModelTimestamp.seconds) }
        if let text = request["NameContains"]?.string, !text.isEmpty { all = all.filter { $0.name.lowercased().contains(text.lowercased()) } }
        if let status = request["StatusEquals"]?.string { all = all.filter { $0.status.rawValue == status } }
        if let time = seconds("CreationTimeAfter") { all = all.filter { $0.creationTime > time } }
        if let time = seconds("CreationTimeBefore") { all = all.filter { $0.creationTime < time } }
        if let time = seconds("LastModifiedTimeAfter") { all = all.filter { $0.lastModifiedTime > time } }
        if let time = seconds("LastModifiedTimeBefore") { all = all.filter { $0.lastModifiedTime < time } }
        let ascending = request["SortOrder"]?.string != "Descending"
        let key = request["SortBy"]?.string ?? "Name"
        all.sort { a, b in
            let ordered: Bool = switch key {
            case "Status": a.status.rawValue == b.status.rawValue ? a.name < b.name : a.status.rawValue < b.status.rawValue
            case "CreationTime": a.creationTime == b.creationTime ? a.name < b.name : a.creationTime < b.creationTime
            default: a.name.lowercased() < b.name.lowercased()
            }
            return ascending ? ordered : !ordered
        }
        let (page, next) = try Self.page(all, request, defaultSize: 100)
        var summaries: [JSONValue] = []
        for job in page {
            let children = (try? jobs.children(ofTuningJob: job.arn)) ?? []
            let trials = TuningJob.trials(of: job, children: children)
            summaries.append(.members([
                ("HyperParameterTuningJobName", .string(job.name)),
                ("HyperParameterTuningJobArn", .string(job.arn)),
                ("HyperParameterTuningJobStatus", .string(job.status.rawValue)),
                ("Strategy", .string(job.spec.strategy.rawValue)),
                ("CreationTime", SageMakerService.time(job.creationTime)),
                ("HyperParameterTuningEndTime", job.endTime.map(SageMakerService.time)),
                ("LastModifiedTime", SageMakerService.time(job.lastModifiedTime)),
                ("TrainingJobStatusCounters", Self.trainingCounters(trials)),
                ("ObjectiveStatusCounters", Self.objectiveCounters(trials)),
                ("ResourceLimits", job.spec.request["HyperParameterTuningJobConfig"]?["ResourceLimits"]),
            ]))
        }
        return .members([("HyperParameterTuningJobSummaries", .array(summaries)), ("NextToken", next.map { .string($0) })])
    }

    func listTrainingJobsForTuningJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.listTrainingJobsForHyperParameterTuningJobRequest)
        let name = request["HyperParameterTuningJobName"]?.string ?? ""
        try context.authorize("sagemaker:ListTrainingJobsForHyperParameterTuningJob", resource: tuningARN(name))
        let (job, all) = try tuningJobWithTrials(name)
        var trials = all
        if let status = request["StatusEquals"]?.string { trials = trials.filter { $0.job.status.rawValue == status } }
        let key = request["SortBy"]?.string ?? "Name"
        let ascending = request["SortOrder"]?.string != "Descending"
        if key == "FinalObjectiveMetricValue" { trials = trials.filter { $0.objective != nil } }
        trials.sort { a, b in
            let ordered: Bool = switch key {
            case "CreationTime": a.job.creationTime == b.job.creationTime ? a.job.name < b.job.name : a.job.creationTime < b.job.creationTime
            case "Status": a.job.status.rawValue == b.job.status.rawValue ? a.job.name < b.job.name : a.job.status.rawValue < b.job.status.rawValue
            case "FinalObjectiveMetricValue": (a.objective ?? 0) == (b.objective ?? 0) ? a.job.name < b.job.name : (a.objective ?? 0) < (b.objective ?? 0)
            default: a.job.name < b.job.name
            }
            return ascending ? ordered : !ordered
        }
        let (page, next) = try Self.page(trials, request, defaultSize: 10)
        return .members([("TrainingJobSummaries", .array(page.map { Self.trialSummary($0, job) })), ("NextToken", next.map { .string($0) })])
    }

    /// One page of an ordered list; the token is the offset, sealed in an opaque form.
    static func page<T>(_ items: [T], _ request: JSONValue, defaultSize: Int) throws(AWSError) -> ([T], String?) {
        let size = request["MaxResults"]?.int ?? defaultSize
        var start = 0
        if let token = request["NextToken"]?.string, !token.isEmpty {
            guard token.hasPrefix("p1."), let offset = Int(token.dropFirst(3)), offset >= 0 else {
                throw AWSError.validation("Invalid pagination token: pass the NextToken of the previous reply unchanged.")
            }
            start = offset
        }
        let page = Array(items.dropFirst(start).prefix(size))
        let next = start + page.count < items.count ? "p1.\(start + page.count)" : nil
        return (page, next)
    }

    func stopTuningJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.stopHyperParameterTuningJobRequest)
        let name = request["HyperParameterTuningJobName"]?.string ?? ""
        try context.authorize("sagemaker:StopHyperParameterTuningJob", resource: tuningARN(name))
        let store = try tuning
        let now = clock()
        var previous: TuningJobStatus?
        let updated = try self.store { () throws(StoreError) in
            try store.update(named: name) { job in
                previous = job.status
                guard job.status == .inProgress else { return }
                job.status = .stopping
                job.lastModifiedTime = now
            }
        }
        guard updated != nil else { throw Self.tuningJobNotFound(name) }
        guard previous == .inProgress else {
            throw AWSError.validation("The request was rejected because the tuning job is in status \(previous?.rawValue ?? "unknown").")
        }
        tunerChanged()
        return [:]
    }

    func deleteTuningJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.deleteHyperParameterTuningJobRequest)
        let name = request["HyperParameterTuningJobName"]?.string ?? ""
        try context.authorize("sagemaker:DeleteHyperParameterTuningJob", resource: tuningARN(name))
        let store = try tuning
        guard let job = try self.store({ () throws(StoreError) in try store.job(named: name) }) else { throw Self.tuningJobNotFound(name) }
        guard job.status.isFinished else {
            throw AWSError.validation("The request was rejected because the tuning job is in status \(job.status.rawValue): stop it first.")
        }
        _ = try self.store { () throws(StoreError) in try store.delete(named: name) }
        return [:]
    }
}
