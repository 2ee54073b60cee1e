import AnnealAWS
import AnnealCore
import AnnealStore

extension SageMakerService {
    /// UpdateTrainingJob: what Anneal can update is a warm pool's KeepAlivePeriodInSeconds (0 ends
    /// the pool now), while the pool is Available; profiler and remote-debug settings are refused.
    func updateTrainingJob(_ request: JSONValue, _ context: CallContext) throws(AWSError) -> JSONValue {
        try check(request, SageMakerModel.updateTrainingJobRequest)
        let name = request["TrainingJobName"]?.string ?? ""
        try context.authorize("sagemaker:UpdateTrainingJob", resource: arn(ofJobNamed: name))
        guard let job = try store({ () throws(StoreError) in try jobs.job(named: name) }) else { throw SageMakerService.notFound }
        for unsupported in ["ProfilerConfig", "ProfilerRuleConfigurations", "RemoteDebugConfig"] where request[unsupported] != nil {
            throw AWSError.validation("\(unsupported) cannot be updated: Anneal has no SageMaker Debugger or remote debugging. "
                + "UpdateTrainingJob changes ResourceConfig.KeepAlivePeriodInSeconds of an available warm pool.")
        }
        guard let seconds = request["ResourceConfig"]?["KeepAlivePeriodInSeconds"]?.int else {
            throw AWSError.validation("Nothing to update: set ResourceConfig.KeepAlivePeriodInSeconds.")
        }
        let status = job.warmPoolStatus?["Status"]?.string
        guard status == "Available" else {
            throw AWSError.validation("The warm pool of training job \(name) is " + (status.map { "\($0)" } ?? "absent")
                + ": KeepAlivePeriodInSeconds can be updated only while the warm pool is Available.")
        }
        if let problem = scheduler.keepWarm(name, seconds: seconds) { throw AWSError.validation(problem) }
        _ = try store { () throws(StoreError) in
            try jobs.update(named: name) { job in
                job.spec.keepAliveSeconds = seconds
                guard case .object(var members) = job.spec.request, case .object(var resources) = members["ResourceConfig"] ?? .object([:]) else {
                    return
                }
                resources["KeepAlivePeriodInSeconds"] = .number(Double(seconds))
                members["ResourceConfig"] = .object(resources)
                job.spec.request = .object(members)
            }
        }
        return ["TrainingJobArn": .string(job.arn)]
    }
}
