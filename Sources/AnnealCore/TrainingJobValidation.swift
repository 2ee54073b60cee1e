/// Why a CreateTrainingJob request was refused, worded as SageMaker words it.
public struct TrainingJobValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A constraint or rule failed (`ValidationException`).
        case validation
        /// A member has the wrong JSON type (`SerializationException`).
        case serialization
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Validates CreateTrainingJob requests as SageMaker does: first the model's constraints (types,
/// required members, lengths, patterns, enums, ranges; every violation reported in one message),
/// then the rules between fields (one message each).
public enum TrainingJobValidation {
    /// The model's request shape, with what the platform needs on top: an AlgorithmSpecification and
    /// a ResourceConfig naming an instance type and at least one instance (the model leaves them
    /// optional for serverless and heterogeneous-cluster jobs, which Anneal does not run).
    public static let requestShape: ModelShape = {
        let resources = SageMakerModel.resourceConfig
            .requiring(["InstanceType", "InstanceCount"])
            .replacing("InstanceCount", with: .integer(ModelRange(min: 1)))
            .replacing("VolumeSizeInGB", with: .integer(ModelRange(min: 1)))
        return SageMakerModel.createTrainingJobRequest
            .requiring(["AlgorithmSpecification", "ResourceConfig"])
            .replacing("ResourceConfig", with: resources)
    }()

    /// `regexCompiles` says whether a MetricDefinitions regex compiles with the engine that will run
    /// it (the runtime's); the core has no regex engine of that dialect of its own.
    /// `accountID` and `region` are where the job will run (rules that depend on them go here).
    public static func validate(_ request: JSONValue, accountID: String, region: String,
                                regexCompiles: (String) -> Bool = { _ in true }) -> Result<TrainingJobSpec, TrainingJobValidationError> {
        switch ModelCheck.check(request, against: requestShape) {
        case .malformed(let message): return .failure(TrainingJobValidationError(.serialization, message))
        case .invalid(let violations): return .failure(TrainingJobValidationError(.validation, ModelCheckResult.message(violations)))
        case .valid: break
        }
        if let problem = ruleViolation(request, regexCompiles: regexCompiles) {
            return .failure(TrainingJobValidationError(.validation, problem))
        }
        return .success(spec(from: request))
    }

    /// The rules between fields, after the model's constraints hold.
    static func ruleViolation(_ request: JSONValue, regexCompiles: (String) -> Bool) -> String? {
        let algorithm = request["AlgorithmSpecification"]
        switch (algorithm?["TrainingImage"]?.string, algorithm?["AlgorithmName"]?.string) {
        case (nil, nil):
            return "Either AlgorithmSpecification.TrainingImage or AlgorithmSpecification.AlgorithmName must be specified."
        case (.some, .some):
            return "Specify either AlgorithmSpecification.TrainingImage or AlgorithmSpecification.AlgorithmName, not both."
        default: break
        }
        if let groups = request["ResourceConfig"]?["InstanceGroups"]?.array, !groups.isEmpty {
            return "ResourceConfig.InstanceGroups (heterogeneous clusters) is not supported: use InstanceType and InstanceCount."
        }
        var channelNames: Set<String> = []
        for channel in request["InputDataConfig"]?.array ?? [] {
            let name = channel["ChannelName"]?.string ?? ""
            guard channelNames.insert(name).inserted else {
                return "Channel names must be unique within InputDataConfig: '\(name)' appears more than once."
            }
            if channel["DataSource"]?["S3DataSource"] == nil {
                return "Channel '\(name)' must have DataSource.S3DataSource: FileSystemDataSource and DatasetSource are not supported."
            }
        }
        let stopping = request["StoppingCondition"]
        if request["EnableManagedSpotTraining"]?.bool == true {
            let runtime = stopping?["MaxRuntimeInSeconds"]?.int ?? TrainingJobSpec.defaultMaxRuntimeSeconds
            guard let wait = stopping?["MaxWaitTimeInSeconds"]?.int, wait >= runtime else {
                return "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds"
            }
        }
        if let keepAlive = request["ResourceConfig"]?["KeepAlivePeriodInSeconds"]?.int, keepAlive > 0,
           request["EnableManagedSpotTraining"]?.bool == true {
            return "Warm pools are not supported with managed spot training: remove ResourceConfig.KeepAlivePeriodInSeconds "
                + "or set EnableManagedSpotTraining to false."
        }
        for definition in algorithm?["MetricDefinitions"]?.array ?? [] {
            let regex = definition["Regex"]?.string ?? ""
            if !regexCompiles(regex) {
                return "Invalid regular expression '\(regex)' for metric '\(definition["Name"]?.string ?? "")' in MetricDefinitions."
            }
        }
        return nil
    }

    /// The typed view of a request that passed validation.
    static func spec(from request: JSONValue) -> TrainingJobSpec {
        let algorithm = request["AlgorithmSpecification"]
        let resources = request["ResourceConfig"]
        let stopping = request["StoppingCondition"]
        let output = request["OutputDataConfig"]
        let checkpoint = request["CheckpointConfig"]
        let channels: [Channel] = (request["InputDataConfig"]?.array ?? []).map { channel in
            let source = channel["DataSource"]?["S3DataSource"]
            return Channel(name: channel["ChannelName"]?.string ?? "", s3DataType: source?["S3DataType"]?.string ?? "S3Prefix",
                           s3URI: source?["S3Uri"]?.string ?? "",
                           distribution: source?["S3DataDistributionType"]?.string ?? "FullyReplicated",
                           compression: channel["CompressionType"]?.string ?? "None",
                           contentType: channel["ContentType"]?.string, inputMode: channel["InputMode"]?.string)
        }
        var tags: [String: String] = [:]
        for tag in request["Tags"]?.array ?? [] {
            if let key = tag["Key"]?.string { tags[key] = tag["Value"]?.string ?? "" }
        }
        return TrainingJobSpec(
            name: request["TrainingJobName"]?.string ?? "", request: request, roleARN: request["RoleArn"]?.string ?? "",
            trainingImage: algorithm?["TrainingImage"]?.string, algorithmName: algorithm?["AlgorithmName"]?.string,
            inputMode: algorithm?["TrainingInputMode"]?.string ?? "File",
            containerEntrypoint: algorithm?["ContainerEntrypoint"]?.array?.compactMap(\.string),
            containerArguments: algorithm?["ContainerArguments"]?.array?.compactMap(\.string),
            metricDefinitions: (algorithm?["MetricDefinitions"]?.array ?? []).map {
                MetricDefinition(name: $0["Name"]?.string ?? "", regex: $0["Regex"]?.string ?? "")
            },
            hyperParameters: stringMap(request["HyperParameters"]), environment: stringMap(request["Environment"]),
            channels: channels, outputS3Path: output?["S3OutputPath"]?.string ?? "",
            outputCompression: output?["CompressionType"]?.string ?? "GZIP",
            instanceType: resources?["InstanceType"]?.string ?? "", instanceCount: resources?["InstanceCount"]?.int ?? 1,
            volumeSizeGB: resources?["VolumeSizeInGB"]?.int ?? TrainingJobSpec.defaultVolumeSizeGB,
            keepAliveSeconds: resources?["KeepAlivePeriodInSeconds"]?.int,
            maxRuntimeSeconds: stopping?["MaxRuntimeInSeconds"]?.int ?? TrainingJobSpec.defaultMaxRuntimeSeconds,
            maxWaitSeconds: stopping?["MaxWaitTimeInSeconds"]?.int, maxPendingSeconds: stopping?["MaxPendingTimeInSeconds"]?.int,
            managedSpot: request["EnableManagedSpotTraining"]?.bool ?? false, checkpointS3URI: checkpoint?["S3Uri"]?.string,
            checkpointLocalPath: checkpoint?["LocalPath"]?.string ?? TrainingJobSpec.defaultCheckpointLocalPath,
            retryAttempts: request["RetryStrategy"]?["MaximumRetryAttempts"]?.int, tags: tags)
    }

    private static func stringMap(_ value: JSONValue?) -> [String: String] {
        (value?.object ?? [:]).compactMapValues(\.string)
    }
}

extension ModelShape {
    /// The same structure with more members required.
    public func requiring(_ names: Set<String>) -> ModelShape {
        guard case .structure(let members, let required) = self else { return self }
        return .structure(members, required: required.union(names))
    }

    /// The same structure with one member's shape replaced.
    public func replacing(_ name: String, with shape: ModelShape) -> ModelShape {
        guard case .structure(let members, let required) = self else { return self }
        return .structure(members.map { $0.name == name ? ModelMember(name, shape) : $0 }, required: required)
    }
}
