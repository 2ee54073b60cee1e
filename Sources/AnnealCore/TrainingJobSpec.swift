/// A validated CreateTrainingJob request. `request` keeps every field exactly as sent (Describe
/// echoes it); the typed fields are what the platform acts on.
public struct TrainingJobSpec: Codable, Sendable, Equatable {
    public var name: String
    public var request: JSONValue
    public var roleARN: String
    /// `AlgorithmSpecification.TrainingImage`; nil when the job names an `AlgorithmName` instead.
    public var trainingImage: String?
    public var algorithmName: String?
    /// `File`, `Pipe` or `FastFile`.
    public var inputMode: String
    public var containerEntrypoint: [String]?
    public var containerArguments: [String]?
    public var metricDefinitions: [MetricDefinition]
    public var hyperParameters: [String: String]
    public var environment: [String: String]
    public var channels: [Channel]
    public var outputS3Path: String
    /// `GZIP` (default) or `NONE`.
    public var outputCompression: String
    public var instanceType: String
    public var instanceCount: Int
    /// `VolumeSizeInGB`; 30 when the request leaves it out.
    public var volumeSizeGB: Int
    public var keepAliveSeconds: Int?
    /// `StoppingCondition.MaxRuntimeInSeconds`; 86400 (one day) when left out, as SageMaker.
    public var maxRuntimeSeconds: Int
    public var maxWaitSeconds: Int?
    public var maxPendingSeconds: Int?
    public var managedSpot: Bool
    public var checkpointS3URI: String?
    /// `CheckpointConfig.LocalPath`; `/opt/ml/checkpoints` when left out.
    public var checkpointLocalPath: String
    /// `RetryStrategy.MaximumRetryAttempts`.
    public var retryAttempts: Int?
    public var tags: [String: String]
    /// Set when a tuning job launched this training job.
    public var tuningJobARN: String?

    public static let defaultMaxRuntimeSeconds = 86_400
    public static let defaultVolumeSizeGB = 30
    public static let defaultCheckpointLocalPath = "/opt/ml/checkpoints"

    public init(name: String, request: JSONValue, roleARN: String, trainingImage: String?, algorithmName: String? = nil,
                inputMode: String, containerEntrypoint: [String]? = nil, containerArguments: [String]? = nil,
                metricDefinitions: [MetricDefinition] = [], hyperParameters: [String: String] = [:],
                environment: [String: String] = [:], channels: [Channel] = [], outputS3Path: String,
                outputCompression: String = "GZIP", instanceType: String, instanceCount: Int = 1,
                volumeSizeGB: Int = TrainingJobSpec.defaultVolumeSizeGB, keepAliveSeconds: Int? = nil,
                maxRuntimeSeconds: Int = TrainingJobSpec.defaultMaxRuntimeSeconds, maxWaitSeconds: Int? = nil,
                maxPendingSeconds: Int? = nil, managedSpot: Bool = false, checkpointS3URI: String? = nil,
                checkpointLocalPath: String = TrainingJobSpec.defaultCheckpointLocalPath, retryAttempts: Int? = nil,
                tags: [String: String] = [:], tuningJobARN: String? = nil) {
        self.name = name
        self.request = request
        self.roleARN = roleARN
        self.trainingImage = trainingImage
        self.algorithmName = algorithmName
        self.inputMode = inputMode
        self.containerEntrypoint = containerEntrypoint
        self.containerArguments = containerArguments
        self.metricDefinitions = metricDefinitions
        self.hyperParameters = hyperParameters
        self.environment = environment
        self.channels = channels
        self.outputS3Path = outputS3Path
        self.outputCompression = outputCompression
        self.instanceType = instanceType
        self.instanceCount = instanceCount
        self.volumeSizeGB = volumeSizeGB
        self.keepAliveSeconds = keepAliveSeconds
        self.maxRuntimeSeconds = maxRuntimeSeconds
        self.maxWaitSeconds = maxWaitSeconds
        self.maxPendingSeconds = maxPendingSeconds
        self.managedSpot = managedSpot
        self.checkpointS3URI = checkpointS3URI
        self.checkpointLocalPath = checkpointLocalPath
        self.retryAttempts = retryAttempts
        self.tags = tags
        self.tuningJobARN = tuningJobARN
    }
}

extension TrainingJobSpec {
    /// What a warm pool and the job that would reuse it must share, as SageMaker matches them: the
    /// role, InstanceType, InstanceCount, VolumeSizeInGB and VolumeKmsKeyId, VpcConfig, network
    /// isolation and inter-container encryption. Nil for a job that keeps no warm pool and takes
    /// none (no KeepAlivePeriodInSeconds, or spot).
    public var warmPoolKey: String? {
        guard let keepAlive = keepAliveSeconds, keepAlive > 0, !managedSpot else { return nil }
        let resources = request["ResourceConfig"]
        return JSONValue.members([
            ("RoleArn", .string(roleARN)), ("InstanceType", .string(instanceType)), ("InstanceCount", .number(Double(instanceCount))),
            ("VolumeSizeInGB", .number(Double(volumeSizeGB))), ("VolumeKmsKeyId", resources?["VolumeKmsKeyId"]),
            ("VpcConfig", request["VpcConfig"]), ("EnableNetworkIsolation", .bool(request["EnableNetworkIsolation"]?.bool ?? false)),
            ("EnableInterContainerTrafficEncryption", .bool(request["EnableInterContainerTrafficEncryption"]?.bool ?? false)),
        ]).serialized
    }
}

/// One `AlgorithmSpecification.MetricDefinitions` entry: the first capture group of `regex` in a log
/// line is the metric's value.
public struct MetricDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var regex: String

    public init(name: String, regex: String) {
        self.name = name
        self.regex = regex
    }
}

/// One input channel, read from S3 into `/opt/ml/input/data/<name>`.
public struct Channel: Codable, Sendable, Equatable {
    public var name: String
    /// `S3Prefix`, `ManifestFile`, `AugmentedManifestFile` (or `Converse`).
    public var s3DataType: String
    public var s3URI: String
    /// `FullyReplicated` (default) or `ShardedByS3Key`.
    public var distribution: String
    /// `None` (default) or `Gzip`.
    public var compression: String
    public var contentType: String?
    /// The channel's own input mode, overriding the job's.
    public var inputMode: String?

    public init(name: String, s3DataType: String = "S3Prefix", s3URI: String, distribution: String = "FullyReplicated",
                compression: String = "None", contentType: String? = nil, inputMode: String? = nil) {
        self.name = name
        self.s3DataType = s3DataType
        self.s3URI = s3URI
        self.distribution = distribution
        self.compression = compression
        self.contentType = contentType
        self.inputMode = inputMode
    }
}
