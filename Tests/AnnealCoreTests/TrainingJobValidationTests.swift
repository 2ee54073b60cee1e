import Testing
@testable import AnnealCore

/// The CreateTrainingJob body the sagemaker SDK v2 sends for `SKLearn(...).fit(...)`
/// (aws-wire-contract.md §3).
private let sdkCreateBody = #"""
{"AlgorithmSpecification":{"TrainingInputMode":"File","TrainingImage":"246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3","MetricDefinitions":[{"Name":"validation:loss","Regex":"val_loss=([0-9\\.]+)"}]},
 "OutputDataConfig":{"S3OutputPath":"s3://my-bucket/"},"TrainingJobName":"sk-job-1",
 "StoppingCondition":{"MaxRuntimeInSeconds":86400},
 "ResourceConfig":{"VolumeSizeInGB":30,"InstanceCount":1,"InstanceType":"ml.m5.large"},
 "RoleArn":"arn:aws:iam::123456789012:role/SageMakerRole",
 "InputDataConfig":[{"DataSource":{"S3DataSource":{"S3DataType":"S3Prefix","S3Uri":"s3://my-bucket/data/train","S3DataDistributionType":"FullyReplicated"}},"ChannelName":"train"}],
 "HyperParameters":{"epochs":"10","lr":"0.1","name":"\"abc\"","flag":"true",
   "sagemaker_submit_directory":"\"s3://my-bucket/sk-job-1/source/sourcedir.tar.gz\"",
   "sagemaker_program":"\"train.py\"","sagemaker_container_log_level":"20",
   "sagemaker_job_name":"\"sk-job-1\"","sagemaker_region":"\"us-west-2\""},
 "DebugHookConfig":{"S3OutputPath":"s3://my-bucket/","CollectionConfigurations":[]},
 "ProfilerConfig":{"S3OutputPath":"s3://my-bucket/","DisableProfiler":false}}
"""#

private func sdkRequest() throws -> JSONValue { try JSONValue.parse(sdkCreateBody) }

/// Sets the member at `path` (object keys, or list indexes as decimal strings) to `value`;
/// `nil` removes it.
private func setting(_ root: JSONValue, _ path: [String], _ value: JSONValue?) -> JSONValue {
    guard let head = path.first else { return value ?? .null }
    let rest = Array(path.dropFirst())
    switch root {
    case .array(var items):
        let index = Int(head) ?? 0
        if let value = rest.isEmpty ? value : setting(items.indices.contains(index) ? items[index] : .object([:]), rest, value) {
            if items.indices.contains(index) { items[index] = value } else { items.append(value) }
        } else if items.indices.contains(index) {
            items.remove(at: index)
        }
        return .array(items)
    default:
        var members = root.object ?? [:]
        members[head] = rest.isEmpty ? value : setting(members[head] ?? .object([:]), rest, value)
        return .object(members)
    }
}

private func validate(_ request: JSONValue, regexCompiles: (String) -> Bool = { !$0.contains("(((") })
    -> Result<TrainingJobSpec, TrainingJobValidationError> {
    TrainingJobValidation.validate(request, accountID: "123456789012", region: "us-west-2", regexCompiles: regexCompiles)
}

private func failure(_ result: Result<TrainingJobSpec, TrainingJobValidationError>) -> TrainingJobValidationError? {
    if case .failure(let error) = result { error } else { nil }
}

private let namePattern = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
private let rolePattern = #"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"#
private let s3Pattern = "^(https|s3)://([^/]+)/?(.*)$"

struct TrainingJobConstraintCase: CustomTestStringConvertible, Sendable {
    var path: [String]
    var value: JSONValue?
    var message: String
    var testDescription: String { path.joined(separator: ".") }
}

private func one(_ text: String) -> String { "1 validation error detected: " + text }

private let longName = String(repeating: "a", count: 64)
private let constraintCases: [TrainingJobConstraintCase] = [
    TrainingJobConstraintCase(path: ["TrainingJobName"], value: "bad name!", message: one(
        "Value 'bad name!' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: \(namePattern)")),
    TrainingJobConstraintCase(path: ["TrainingJobName"], value: "-leading", message: one(
        "Value '-leading' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: \(namePattern)")),
    TrainingJobConstraintCase(path: ["TrainingJobName"], value: "trailing-", message: one(
        "Value 'trailing-' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: \(namePattern)")),
    TrainingJobConstraintCase(path: ["TrainingJobName"], value: .string(longName), message:
        "2 validation errors detected: Value '\(longName)' at 'trainingJobName' failed to satisfy constraint: "
        + "Member must have length less than or equal to 63; Value '\(longName)' at 'trainingJobName' failed to satisfy "
        + "constraint: Member must satisfy regular expression pattern: \(namePattern)"),
    TrainingJobConstraintCase(path: ["TrainingJobName"], value: nil, message: one(
        "Value null at 'trainingJobName' failed to satisfy constraint: Member must not be null")),
    TrainingJobConstraintCase(path: ["RoleArn"], value: "arn:aws:iam::123:role/x", message: one(
        "Value 'arn:aws:iam::123:role/x' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: \(rolePattern)")),
    TrainingJobConstraintCase(path: ["RoleArn"], value: nil, message: one("Value null at 'roleArn' failed to satisfy constraint: Member must not be null")),
    TrainingJobConstraintCase(path: ["OutputDataConfig", "S3OutputPath"], value: "/tmp/out", message: one(
        "Value '/tmp/out' at 'outputDataConfig.s3OutputPath' failed to satisfy constraint: Member must satisfy regular expression pattern: \(s3Pattern)")),
    TrainingJobConstraintCase(path: ["OutputDataConfig"], value: nil, message: one(
        "Value null at 'outputDataConfig' failed to satisfy constraint: Member must not be null")),
    TrainingJobConstraintCase(path: ["OutputDataConfig", "CompressionType"], value: "zip", message: one(
        "Value 'zip' at 'outputDataConfig.compressionType' failed to satisfy constraint: Member must satisfy enum value set: [GZIP, NONE]")),
    TrainingJobConstraintCase(path: ["AlgorithmSpecification", "TrainingInputMode"], value: "Bogus", message: one(
        "Value 'Bogus' at 'algorithmSpecification.trainingInputMode' failed to satisfy constraint: Member must satisfy enum value set: [Pipe, File, FastFile]")),
    TrainingJobConstraintCase(path: ["AlgorithmSpecification"], value: nil, message: one(
        "Value null at 'algorithmSpecification' failed to satisfy constraint: Member must not be null")),
    TrainingJobConstraintCase(path: ["ResourceConfig"], value: nil, message: one(
        "Value null at 'resourceConfig' failed to satisfy constraint: Member must not be null")),
    TrainingJobConstraintCase(path: ["ResourceConfig", "InstanceCount"], value: 0, message: one(
        "Value '0' at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1")),
    TrainingJobConstraintCase(path: ["ResourceConfig", "InstanceCount"], value: nil, message: one(
        "Value null at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must not be null")),
    TrainingJobConstraintCase(path: ["ResourceConfig", "VolumeSizeInGB"], value: 0, message: one(
        "Value '0' at 'resourceConfig.volumeSizeInGB' failed to satisfy constraint: Member must have value greater than or equal to 1")),
    TrainingJobConstraintCase(path: ["ResourceConfig", "KeepAlivePeriodInSeconds"], value: 21601, message: one(
        "Value '21601' at 'resourceConfig.keepAlivePeriodInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600")),
    TrainingJobConstraintCase(path: ["StoppingCondition", "MaxRuntimeInSeconds"], value: 0, message: one(
        "Value '0' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1")),
    TrainingJobConstraintCase(path: ["StoppingCondition", "MaxWaitTimeInSeconds"], value: 0, message: one(
        "Value '0' at 'stoppingCondition.maxWaitTimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1")),
    TrainingJobConstraintCase(path: ["StoppingCondition", "MaxPendingTimeInSeconds"], value: 60, message: one(
        "Value '60' at 'stoppingCondition.maxPendingTimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 7200")),
    TrainingJobConstraintCase(path: ["RetryStrategy", "MaximumRetryAttempts"], value: 31, message: one(
        "Value '31' at 'retryStrategy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 30")),
    TrainingJobConstraintCase(path: ["RetryStrategy", "MaximumRetryAttempts"], value: 0, message: one(
        "Value '0' at 'retryStrategy.maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 1")),
    TrainingJobConstraintCase(path: ["InputDataConfig", "0", "ChannelName"], value: "bad name", message: one(
        #"Value 'bad name' at 'inputDataConfig.1.member.channelName' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9\.\-_]+"#)),
    TrainingJobConstraintCase(path: ["InputDataConfig", "0", "DataSource", "S3DataSource", "S3DataType"], value: "Bogus", message: one(
        "Value 'Bogus' at 'inputDataConfig.1.member.dataSource.s3DataSource.s3DataType' failed to satisfy constraint: "
        + "Member must satisfy enum value set: [ManifestFile, S3Prefix, AugmentedManifestFile, Converse]")),
    TrainingJobConstraintCase(path: ["InputDataConfig", "0", "DataSource", "S3DataSource", "S3DataDistributionType"], value: "Everywhere", message: one(
        "Value 'Everywhere' at 'inputDataConfig.1.member.dataSource.s3DataSource.s3DataDistributionType' failed to satisfy constraint: "
        + "Member must satisfy enum value set: [FullyReplicated, ShardedByS3Key]")),
    TrainingJobConstraintCase(path: ["InputDataConfig", "0", "DataSource", "S3DataSource", "S3Uri"], value: "ftp://x/y", message: one(
        "Value 'ftp://x/y' at 'inputDataConfig.1.member.dataSource.s3DataSource.s3Uri' failed to satisfy constraint: "
        + "Member must satisfy regular expression pattern: \(s3Pattern)")),
    TrainingJobConstraintCase(path: ["InputDataConfig", "0", "CompressionType"], value: "Zip", message: one(
        "Value 'Zip' at 'inputDataConfig.1.member.compressionType' failed to satisfy constraint: Member must satisfy enum value set: [None, Gzip]")),
    TrainingJobConstraintCase(path: ["InputDataConfig"], value: [], message: one(
        "Value '[]' at 'inputDataConfig' failed to satisfy constraint: Member must have length greater than or equal to 1")),
    TrainingJobConstraintCase(path: ["Tags"], value: [["Key": "bad!key", "Value": "v"]], message: one(
        #"Value 'bad!key' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"#)),
    TrainingJobConstraintCase(path: ["Tags"], value: [["Value": "v"]], message: one(
        "Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null")),
    TrainingJobConstraintCase(path: ["CheckpointConfig"], value: ["LocalPath": "/opt/ml/checkpoints"], message: one(
        "Value null at 'checkpointConfig.s3Uri' failed to satisfy constraint: Member must not be null")),
    TrainingJobConstraintCase(path: ["AlgorithmSpecification", "MetricDefinitions", "0", "Regex"], value: "", message: one(
        "Value '' at 'algorithmSpecification.metricDefinitions.1.member.regex' failed to satisfy constraint: "
        + "Member must have length greater than or equal to 1")),
    TrainingJobConstraintCase(path: ["AlgorithmSpecification", "ContainerEntrypoint"], value: [], message: one(
        "Value '[]' at 'algorithmSpecification.containerEntrypoint' failed to satisfy constraint: Member must have length greater than or equal to 1")),
]

@Suite struct TrainingJobValidationTests {
    @Test func theSDKBodyIsValid() throws {
        let spec = try validate(try sdkRequest()).get()
        #expect(spec.name == "sk-job-1")
        #expect(spec.roleARN == "arn:aws:iam::123456789012:role/SageMakerRole")
        #expect(spec.trainingImage == "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3")
        #expect(spec.inputMode == "File")
        #expect(spec.metricDefinitions == [MetricDefinition(name: "validation:loss", regex: #"val_loss=([0-9\.]+)"#)])
        #expect(spec.hyperParameters["sagemaker_program"] == "\"train.py\"")
        #expect(spec.hyperParameters.count == 9)
        #expect(spec.channels == [Channel(name: "train", s3DataType: "S3Prefix", s3URI: "s3://my-bucket/data/train")])
        #expect(spec.outputS3Path == "s3://my-bucket/" && spec.outputCompression == "GZIP")
        #expect(spec.instanceType == "ml.m5.large" && spec.instanceCount == 1 && spec.volumeSizeGB == 30)
        #expect(spec.maxRuntimeSeconds == 86400 && spec.maxWaitSeconds == nil && !spec.managedSpot)
        #expect(spec.checkpointS3URI == nil && spec.checkpointLocalPath == "/opt/ml/checkpoints")
        #expect(spec.request == (try sdkRequest()))
    }

    @Test func everyTypedFieldIsRead() throws {
        var request = try sdkRequest()
        request = setting(request, ["EnableManagedSpotTraining"], true)
        request = setting(request, ["StoppingCondition"], ["MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200,
                                                            "MaxPendingTimeInSeconds": 7200])
        request = setting(request, ["CheckpointConfig"], ["S3Uri": "s3://my-bucket/ckpt", "LocalPath": "/opt/ml/ck"])
        request = setting(request, ["Environment"], ["FOO": "bar"])
        request = setting(request, ["RetryStrategy"], ["MaximumRetryAttempts": 3])
        request = setting(request, ["Tags"], [["Key": "team", "Value": "sorts"], ["Key": "env", "Value": ""]])
        request = setting(request, ["ResourceConfig", "InstanceCount"], 2)
        request = setting(request, ["ResourceConfig", "VolumeSizeInGB"], nil)
        request = setting(request, ["OutputDataConfig", "CompressionType"], "NONE")
        request = setting(request, ["AlgorithmSpecification", "ContainerEntrypoint"], ["/bin/bash"])
        request = setting(request, ["AlgorithmSpecification", "ContainerArguments"], ["-c", "echo hi"])
        request = setting(request, ["InputDataConfig", "1"], [
            "ChannelName": "code", "CompressionType": "Gzip", "ContentType": "text/csv", "InputMode": "FastFile",
            "DataSource": ["S3DataSource": ["S3DataType": "ManifestFile", "S3Uri": "s3://b/m", "S3DataDistributionType": "ShardedByS3Key"]],
        ])
        let spec = try validate(request).get()
        #expect(spec.managedSpot && spec.maxRuntimeSeconds == 3600 && spec.maxWaitSeconds == 7200 && spec.maxPendingSeconds == 7200)
        #expect(spec.checkpointS3URI == "s3://my-bucket/ckpt" && spec.checkpointLocalPath == "/opt/ml/ck")
        #expect(spec.environment == ["FOO": "bar"] && spec.retryAttempts == 3)
        #expect(spec.tags == ["team": "sorts", "env": ""])
        #expect(spec.instanceCount == 2 && spec.volumeSizeGB == 30)
        #expect(spec.outputCompression == "NONE")
        #expect(spec.containerEntrypoint == ["/bin/bash"] && spec.containerArguments == ["-c", "echo hi"])
        #expect(spec.channels.last == Channel(name: "code", s3DataType: "ManifestFile", s3URI: "s3://b/m", distribution: "ShardedByS3Key",
                                              compression: "Gzip", contentType: "text/csv", inputMode: "FastFile"))
        // Warm pools: read, with their matching key; not with spot.
        let warm = try validate(setting(try sdkRequest(), ["ResourceConfig", "KeepAlivePeriodInSeconds"], 600)).get()
        #expect(warm.keepAliveSeconds == 600 && warm.warmPoolKey != nil)
        #expect(try validate(try sdkRequest()).get().warmPoolKey == nil)
        guard case .failure(let refused) = validate(setting(request, ["ResourceConfig", "KeepAlivePeriodInSeconds"], 600)) else {
            Issue.record("a spot job with a warm pool was accepted")
            return
        }
        #expect("\(refused)".contains("Warm pools are not supported with managed spot training"))
    }

    @Test(arguments: constraintCases)
    func modelConstraints(_ example: TrainingJobConstraintCase) throws {
        let error = try #require(failure(validate(setting(try sdkRequest(), example.path, example.value))))
        #expect(error.kind == .validation)
        #expect(error.message == example.message)
    }

    @Test func enumsOfManyValuesAreListedInFull() throws {
        let error = try #require(failure(validate(setting(try sdkRequest(), ["ResourceConfig", "InstanceType"], "ml.fake"))))
        #expect(error.message.hasPrefix(one(
            "Value 'ml.fake' at 'resourceConfig.instanceType' failed to satisfy constraint: Member must satisfy enum value set: [ml.m4.xlarge, ")))
        #expect(error.message.contains("ml.m5.large, ") && error.message.hasSuffix("]"))
    }

    @Test func mapsReportTheirKeyAndValueConstraints() throws {
        let long = String(repeating: "9", count: 2501)
        let value = try #require(failure(validate(setting(try sdkRequest(), ["HyperParameters"], ["lr": .string(long)]))))
        #expect(value.message == one("Value '{lr=\(long)}' at 'hyperParameters' failed to satisfy constraint: Map value must satisfy "
            + "constraint: [Member must have length less than or equal to 2500, Member must have length greater than or equal to 0]"))
        let key = String(repeating: "k", count: 257)
        let keyError = try #require(failure(validate(setting(try sdkRequest(), ["HyperParameters"], [key: "1"]))))
        #expect(keyError.message == one("Value '{\(key)=1}' at 'hyperParameters' failed to satisfy constraint: Map keys must satisfy "
            + "constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]"))
        let environment = try #require(failure(validate(setting(try sdkRequest(), ["Environment"], ["1BAD": "x"]))))
        #expect(environment.message == one("Value '{1BAD=x}' at 'environment' failed to satisfy constraint: Map keys must satisfy "
            + "constraint: [Member must have length less than or equal to 512, Member must have length greater than or equal to 0, "
            + "Member must satisfy regular expression pattern: [a-zA-Z_][a-zA-Z0-9_]*]"))
    }

    @Test func collectionLimits() throws {
        func many(_ count: Int, _ make: (Int) -> JSONValue) -> JSONValue { .array((0..<count).map(make)) }
        func entries(_ count: Int) -> JSONValue { .object(Dictionary(uniqueKeysWithValues: (0..<count).map { ("K\($0)", "v") })) }
        let limits: [([String], JSONValue, String, Int)] = [
            (["HyperParameters"], entries(101), "hyperParameters", 100),
            (["Environment"], entries(101), "environment", 100),
            (["Tags"], many(51) { ["Key": .string("k\($0)"), "Value": "v"] }, "tags", 50),
            (["AlgorithmSpecification", "MetricDefinitions"], many(41) { ["Name": .string("m\($0)"), "Regex": "x=(.*)"] },
             "algorithmSpecification.metricDefinitions", 40),
            (["InputDataConfig"], many(21) { ["ChannelName": .string("c\($0)"), "DataSource": ["S3DataSource": ["S3DataType": "S3Prefix", "S3Uri": "s3://b/k"]]] },
             "inputDataConfig", 20),
        ]
        for (path, value, name, limit) in limits {
            let error = try #require(failure(validate(setting(try sdkRequest(), path, value))))
            #expect(error.message.hasPrefix("1 validation error detected: Value '"), "\(name)")
            #expect(error.message.hasSuffix("' at '\(name)' failed to satisfy constraint: Member must have length less than or equal to \(limit)"),
                    "\(name): \(error.message.suffix(160))")
            // At the limit it passes.
            let atLimit: JSONValue = switch value {
            case .array(let items): .array(Array(items.prefix(limit)))
            case .object(let members): .object(Dictionary(uniqueKeysWithValues: members.sorted { $0.key < $1.key }.prefix(limit).map { ($0.key, $0.value) }))
            default: value
            }
            #expect((try? validate(setting(try sdkRequest(), path, atLimit)).get()) != nil, "\(name) at its limit")
        }
    }

    @Test func severalViolationsAreCountedAndListedInMemberOrder() throws {
        var request = setting(try sdkRequest(), ["AlgorithmSpecification", "TrainingInputMode"], "Bogus")
        request = setting(request, ["TrainingJobName"], "bad name!")
        request = setting(request, ["ResourceConfig", "InstanceCount"], 0)
        let error = try #require(failure(validate(request)))
        #expect(error.message == "3 validation errors detected: "
            + "Value 'bad name!' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: \(namePattern); "
            + "Value 'Bogus' at 'algorithmSpecification.trainingInputMode' failed to satisfy constraint: Member must satisfy enum value set: [Pipe, File, FastFile]; "
            + "Value '0' at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1")
    }

    @Test(arguments: [
        (["ResourceConfig", "InstanceCount"], JSONValue.string("1"), "Expected an integer at 'resourceConfig.instanceCount' but found a string."),
        (["ResourceConfig", "InstanceCount"], 1.5, "Expected an integer at 'resourceConfig.instanceCount' but found a number."),
        (["HyperParameters", "lr"], 0.1, "Expected a string at 'hyperParameters.lr' but found a number."),
        (["InputDataConfig"], ["ChannelName": "train"], "Expected a list at 'inputDataConfig' but found a structure or map."),
        (["EnableManagedSpotTraining"], "true", "Expected a boolean at 'enableManagedSpotTraining' but found a string."),
        (["TrainingJobName"], 7, "Expected a string at 'trainingJobName' but found a number."),
        (["AlgorithmSpecification"], ["x"], "Expected a structure at 'algorithmSpecification' but found a list."),
    ] as [([String], JSONValue, String)])
    func wrongTypesAreSerializationErrors(path: [String], value: JSONValue, message: String) throws {
        let error = try #require(failure(validate(setting(try sdkRequest(), path, value))))
        #expect(error.kind == .serialization)
        #expect(error.message == message)
    }

    @Test(arguments: [
        ([(["EnableManagedSpotTraining"], JSONValue.bool(true))],
         "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds"),
        ([(["EnableManagedSpotTraining"], true), (["StoppingCondition", "MaxWaitTimeInSeconds"], 3600)],
         "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds"),
        ([(["AlgorithmSpecification", "TrainingImage"], nil)],
         "Either AlgorithmSpecification.TrainingImage or AlgorithmSpecification.AlgorithmName must be specified."),
        ([(["AlgorithmSpecification", "AlgorithmName"], "my-algorithm")],
         "Specify either AlgorithmSpecification.TrainingImage or AlgorithmSpecification.AlgorithmName, not both."),
        ([(["InputDataConfig", "1"], ["ChannelName": "train", "DataSource": ["S3DataSource": ["S3DataType": "S3Prefix", "S3Uri": "s3://b/x"]]])],
         "Channel names must be unique within InputDataConfig: 'train' appears more than once."),
        ([(["InputDataConfig", "0", "DataSource"], ["FileSystemDataSource": ["FileSystemId": "fs-0123456789", "FileSystemAccessMode": "ro",
                                                                              "FileSystemType": "EFS", "DirectoryPath": "/data"]])],
         "Channel 'train' must have DataSource.S3DataSource: FileSystemDataSource and DatasetSource are not supported."),
        ([(["ResourceConfig", "InstanceGroups"], [["InstanceType": "ml.m5.large", "InstanceCount": 1, "InstanceGroupName": "g"]])],
         "ResourceConfig.InstanceGroups (heterogeneous clusters) is not supported: use InstanceType and InstanceCount."),
        ([(["AlgorithmSpecification", "MetricDefinitions", "0", "Regex"], "loss=(((")],
         "Invalid regular expression 'loss=(((' for metric 'validation:loss' in MetricDefinitions."),
    ] as [([([String], JSONValue?)], String)])
    func rulesBetweenFields(changes: [([String], JSONValue?)], message: String) throws {
        var request = try sdkRequest()
        for (path, value) in changes { request = setting(request, path, value) }
        let error = try #require(failure(validate(request)))
        #expect(error.kind == .validation)
        #expect(error.message == message)
    }

    @Test func spotWithEnoughWaitIsValidAndAlgorithmNameAloneIsAccepted() throws {
        var spot = setting(try sdkRequest(), ["EnableManagedSpotTraining"], true)
        spot = setting(spot, ["StoppingCondition", "MaxWaitTimeInSeconds"], 86400)
        #expect((try? validate(spot).get())?.maxWaitSeconds == 86400)
        var algorithm = setting(try sdkRequest(), ["AlgorithmSpecification", "TrainingImage"], nil)
        algorithm = setting(algorithm, ["AlgorithmSpecification", "AlgorithmName"], "my-algorithm")
        let spec = try validate(algorithm).get()
        #expect(spec.trainingImage == nil && spec.algorithmName == "my-algorithm")
    }

    @Test func everyGeneratedPatternCompiles() {
        var patterns: [ModelPattern] = []
        func collect(_ shape: ModelShape, depth: Int) {
            guard depth < 12 else { return }
            switch shape {
            case .structure(let members, _): for member in members { collect(member.shape, depth: depth + 1) }
            case .list(let element, _): collect(element, depth: depth + 1)
            case .map(let key, let value, _): collect(key, depth: depth + 1); collect(value, depth: depth + 1)
            case .string(_, let pattern): if let pattern { patterns.append(pattern) }
            default: break
            }
        }
        for shape in [SageMakerModel.createTrainingJobRequest, SageMakerModel.listTrainingJobsRequest, SageMakerModel.addTagsInput,
                      SageMakerModel.listTagsInput, SageMakerModel.deleteTagsInput] {
            collect(shape, depth: 0)
        }
        #expect(patterns.count > 20)
        for pattern in patterns { #expect(pattern.compiles, "\(pattern.source)") }
        // The one lookbehind in the model, checked by hand.
        let arnOrName = ModelPattern(#"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)"#)
        #expect(arnOrName.matches("my-algo") && !arnOrName.matches("my-algo-"))
        #expect(arnOrName.matches("arn:aws:sagemaker:us-west-2:123456789012:algorithm/x1"))
    }

    @Test func tagPatternsAcceptUnicodeLettersAndSpaces() {
        let tag = ModelPattern(#"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"#)
        #expect(tag.matches("Équipe données 42 a/b=c+d-e@f:g_h."))
        #expect(!tag.matches("semi;colon") && !tag.matches("tab\there"))
    }
}

@Suite struct TrainingJobTimestampTests {
    @Test(arguments: [
        ("2026-01-02T03:04:05Z", 1_767_323_045.0),
        ("2026-01-02T03:04:05.250Z", 1_767_323_045.25),
        ("2026-01-02T05:04:05+02:00", 1_767_323_045.0),
        ("2026-01-02T00:04:05-0300", 1_767_323_045.0),
        ("2026-01-02", 1_767_312_000.0),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-02-29T12:00:00Z", 951_825_600),
    ])
    func iso8601(text: String, seconds: Double) {
        #expect(ModelTimestamp.iso8601(text) == seconds)
    }

    @Test(arguments: ["", "2026-13-01T00:00:00Z", "2026-01-02T25:00:00Z", "yesterday", "2026-01-02T03:04:05Zjunk", "2026-01-02T03:04:05."])
    func invalidISO8601(text: String) {
        #expect(ModelTimestamp.iso8601(text) == nil)
    }

    @Test func numbersAndNumericStrings() {
        #expect(ModelTimestamp.seconds(.number(1_700_000_000)) == 1_700_000_000)
        #expect(ModelTimestamp.seconds(.number(1_700_000_000.5)) == 1_700_000_000.5)
        #expect(ModelTimestamp.seconds("1700000000.5") == 1_700_000_000.5)
        #expect(ModelTimestamp.seconds(true) == nil)
    }
}
