/// `TrainingJobStatus`, as SageMaker reports it.
public enum TrainingJobStatus: String, Codable, Sendable, CaseIterable {
    case inProgress = "InProgress"
    case completed = "Completed"
    case failed = "Failed"
    case stopping = "Stopping"
    case stopped = "Stopped"
    case deleting = "Deleting"

    /// Completed, Failed or Stopped: nothing more will happen to the job.
    public var isTerminal: Bool { self == .completed || self == .failed || self == .stopped }
}

/// `SecondaryStatus` (the deprecated values SageMaker no longer reports are left out).
public enum SecondaryStatus: String, Codable, Sendable, CaseIterable {
    case starting = "Starting"
    case pending = "Pending"
    case downloading = "Downloading"
    case training = "Training"
    case uploading = "Uploading"
    case completed = "Completed"
    case failed = "Failed"
    case stopping = "Stopping"
    case stopped = "Stopped"
    case maxRuntimeExceeded = "MaxRuntimeExceeded"
    case interrupted = "Interrupted"
    case maxWaitTimeExceeded = "MaxWaitTimeExceeded"
    case updating = "Updating"
    case restarting = "Restarting"
}

/// One entry of `SecondaryStatusTransitions`.
public struct StatusTransition: Codable, Sendable, Equatable {
    public var status: SecondaryStatus
    public var startTime: Double
    public var endTime: Double?
    /// Always present: the SDK indexes it directly.
    public var statusMessage: String

    public init(status: SecondaryStatus, startTime: Double, endTime: Double? = nil, statusMessage: String) {
        self.status = status
        self.startTime = startTime
        self.endTime = endTime
        self.statusMessage = statusMessage
    }
}

/// One entry of `FinalMetricDataList`: the last value seen of a metric.
public struct MetricValue: Codable, Sendable, Equatable {
    public var metricName: String
    public var value: Double
    public var timestamp: Double

    public init(metricName: String, value: Double, timestamp: Double) {
        self.metricName = metricName
        self.value = value
        self.timestamp = timestamp
    }
}

/// A training job: its validated request and everything that happened to it since.
/// Changes go through `apply(_:at:)` (TrainingJob+Lifecycle.swift), which enforces the state machine.
public struct TrainingJob: Codable, Sendable, Equatable {
    public var spec: TrainingJobSpec
    /// `arn:aws:sagemaker:<region>:<account>:training-job/<name lower-cased>`.
    public var arn: String
    public var status: TrainingJobStatus
    public var secondaryStatus: SecondaryStatus
    public var transitions: [StatusTransition]
    /// At most 1024 characters, as SageMaker.
    public var failureReason: String?
    public var creationTime: Double
    public var lastModifiedTime: Double
    public var trainingStartTime: Double?
    public var trainingEndTime: Double?
    /// `ModelArtifacts.S3ModelArtifacts`: where the model is (or will be) uploaded. Known at creation,
    /// as SageMaker (and moto) report it, because the SDK reads it as soon as a job exists.
    public var modelArtifacts: String
    public var finalMetrics: [MetricValue]
    public var trainingTimeSeconds: Int?
    public var billableTimeSeconds: Int?
    /// `WarmPoolStatus` as the runtime reports it (`{"Status": "Available", ...}`).
    public var warmPoolStatus: JSONValue?

    public var name: String { spec.name }

    /// A job just accepted: InProgress/Starting, "Starting the training job".
    public static func new(spec: TrainingJobSpec, accountID: String, region: String, at time: Double) -> TrainingJob {
        TrainingJob(spec: spec, arn: arn(name: spec.name, accountID: accountID, region: region), status: .inProgress,
                    secondaryStatus: .starting,
                    transitions: [StatusTransition(status: .starting, startTime: time, statusMessage: "Starting the training job")],
                    failureReason: nil, creationTime: time, lastModifiedTime: time, trainingStartTime: nil, trainingEndTime: nil,
                    modelArtifacts: modelArtifacts(outputPath: spec.outputS3Path, name: spec.name, compression: spec.outputCompression),
                    finalMetrics: [], trainingTimeSeconds: nil, billableTimeSeconds: nil, warmPoolStatus: nil)
    }

    /// SageMaker lower-cases the name inside ARNs (names are unique regardless of case).
    public static func arn(name: String, accountID: String, region: String) -> String {
        "arn:aws:sagemaker:\(region):\(accountID):training-job/\(name.lowercased())"
    }

    /// `<S3OutputPath>/<name>/output/model.tar.gz`, or the prefix `.../output/model/` when the output is
    /// not compressed (how the SDK reads it for `CompressionType: NONE`).
    public static func modelArtifacts(outputPath: String, name: String, compression: String) -> String {
        var base = outputPath
        while base.hasSuffix("/") { base.removeLast() }
        return compression == "NONE" ? "\(base)/\(name)/output/model/" : "\(base)/\(name)/output/model.tar.gz"
    }
}
