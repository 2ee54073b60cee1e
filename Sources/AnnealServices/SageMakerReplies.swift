import AnnealCore

/// Training jobs in SageMaker's reply shapes.
enum SageMakerReplies {
    /// The request members DescribeTrainingJob echoes (those CreateTrainingJobRequest and
    /// DescribeTrainingJobResponse share, except the name, which comes from the job).
    static let echoedMembers = [
        "HyperParameters", "AlgorithmSpecification", "RoleArn", "InputDataConfig", "OutputDataConfig", "ResourceConfig",
        "VpcConfig", "StoppingCondition", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption",
        "EnableManagedSpotTraining", "CheckpointConfig", "DebugHookConfig", "DebugRuleConfigurations", "TensorBoardOutputConfig",
        "ExperimentConfig", "ProfilerConfig", "ProfilerRuleConfigurations", "Environment", "RetryStrategy",
        "RemoteDebugConfig", "InfraCheckConfig", "ServerlessJobConfig", "MlflowConfig", "ModelPackageConfig",
    ]

    /// Every request field as sent, plus the job's state. Defaults SageMaker fills in are filled in
    /// too, because the SDK indexes them directly (`StoppingCondition.MaxRuntimeInSeconds`,
    /// `ResourceConfig.VolumeSizeInGB` in `Estimator.attach`).
    static func describe(_ job: TrainingJob) -> JSONValue {
        var reply: [String: JSONValue] = [:]
        for member in echoedMembers {
            if let value = job.spec.request[member], value != .null { reply[member] = value }
        }
        let spec = job.spec
        let runtime = JSONValue.number(Double(spec.maxRuntimeSeconds))
        reply["StoppingCondition"] = filling(reply["StoppingCondition"], "MaxRuntimeInSeconds", runtime)
        reply["ResourceConfig"] = filling(reply["ResourceConfig"], "VolumeSizeInGB", .number(Double(spec.volumeSizeGB)))
        for flag in ["EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining"] where reply[flag] == nil {
            reply[flag] = .bool(false)
        }
        let state: [(String, JSONValue?)] = [
            ("TrainingJobName", .string(job.name)),
            ("TrainingJobArn", .string(job.arn)),
            ("TuningJobArn", job.spec.tuningJobARN.map { .string($0) }),
            ("ModelArtifacts", ["S3ModelArtifacts": .string(job.modelArtifacts)]),
            ("TrainingJobStatus", .string(job.status.rawValue)),
            ("SecondaryStatus", .string(job.secondaryStatus.rawValue)),
            ("FailureReason", job.failureReason.map { .string($0) }),
            ("CreationTime", SageMakerService.time(job.creationTime)),
            ("TrainingStartTime", job.trainingStartTime.map(SageMakerService.time)),
            ("TrainingEndTime", job.trainingEndTime.map(SageMakerService.time)),
            ("LastModifiedTime", SageMakerService.time(job.lastModifiedTime)),
            ("SecondaryStatusTransitions", .array(job.transitions.map(transition))),
            ("FinalMetricDataList", .array(job.finalMetrics.map(metric))),
            ("TrainingTimeInSeconds", job.trainingTimeSeconds.map { .number(Double($0)) }),
            ("BillableTimeInSeconds", job.billableTimeSeconds.map { .number(Double($0)) }),
            ("WarmPoolStatus", job.warmPoolStatus),
        ]
        for (key, value) in state {
            if let value { reply[key] = value }
        }
        return .object(reply)
    }

    static func summary(_ job: TrainingJob) -> JSONValue {
        .members([
            ("TrainingJobName", .string(job.name)),
            ("TrainingJobArn", .string(job.arn)),
            ("CreationTime", SageMakerService.time(job.creationTime)),
            ("TrainingEndTime", job.trainingEndTime.map(SageMakerService.time)),
            ("LastModifiedTime", SageMakerService.time(job.lastModifiedTime)),
            ("TrainingJobStatus", .string(job.status.rawValue)),
            ("SecondaryStatus", .string(job.secondaryStatus.rawValue)),
            ("WarmPoolStatus", job.warmPoolStatus),
        ])
    }

    static func transition(_ transition: StatusTransition) -> JSONValue {
        .members([
            ("Status", .string(transition.status.rawValue)),
            ("StartTime", SageMakerService.time(transition.startTime)),
            ("EndTime", transition.endTime.map(SageMakerService.time)),
            ("StatusMessage", .string(transition.statusMessage)),
        ])
    }

    static func metric(_ value: MetricValue) -> JSONValue {
        ["MetricName": .string(value.metricName), "Value": .number(value.value), "Timestamp": SageMakerService.time(value.timestamp)]
    }

    /// `object` with `key` set to `value` unless it has one.
    private static func filling(_ object: JSONValue?, _ key: String, _ value: JSONValue) -> JSONValue {
        var members = object?.object ?? [:]
        if members[key] == nil || members[key] == .null { members[key] = value }
        return .object(members)
    }
}
