// Generated from botocore's SageMaker model (2017-07-24, service-2.json) by the generator in
// tests/compat/test_training_api.py (`python tests/compat/test_training_api.py --generate`); the test
// `test_model_shapes_match_botocore` fails when this file and the installed model disagree. Do not edit.

/// The shapes of the training-job operations' inputs, as the SageMaker API model defines them.
public enum SageMakerModel {
    public static let acceptEula: ModelShape = .boolean
    public static let addTagsInput: ModelShape = .structure([
        ModelMember("ResourceArn", resourceArn),
        ModelMember("Tags", tagList),
    ], required: ["ResourceArn", "Tags"])
    public static let algorithmImage: ModelShape = .string(length: ModelRange(min: 0, max: 255), pattern: nil)
    public static let algorithmSpecification: ModelShape = .structure([
        ModelMember("TrainingImage", algorithmImage),
        ModelMember("AlgorithmName", arnOrName),
        ModelMember("TrainingInputMode", trainingInputMode),
        ModelMember("MetricDefinitions", metricDefinitionList),
        ModelMember("EnableSageMakerMetricsTimeSeries", boolean),
        ModelMember("ContainerEntrypoint", trainingContainerEntrypoint),
        ModelMember("ContainerArguments", trainingContainerArguments),
        ModelMember("TrainingImageConfig", trainingImageConfig),
    ], required: ["TrainingInputMode"])
    public static let arnOrName: ModelShape = .string(
        length: ModelRange(min: 1, max: 170),
        pattern: ModelPattern(#"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)"#))
    public static let attributeName: ModelShape = .string(length: ModelRange(min: 1, max: 256), pattern: nil)
    public static let attributeNames: ModelShape = .list(attributeName, length: ModelRange(min: 0, max: 16))
    public static let autoParameter: ModelShape = .structure([
        ModelMember("Name", parameterKey),
        ModelMember("ValueHint", parameterValue),
    ], required: ["Name", "ValueHint"])
    public static let autoParameters: ModelShape = .list(autoParameter, length: ModelRange(min: 0, max: 100))
    public static let autotune: ModelShape = .structure([
        ModelMember("Mode", autotuneMode),
    ], required: ["Mode"])
    public static let autotuneMode: ModelShape = .enumeration(["Enabled"])
    public static let bestObjectiveNotImproving: ModelShape = .structure([
        ModelMember("MaxNumberOfTrainingJobsNotImproving", maxNumberOfTrainingJobsNotImproving),
    ], required: [])
    public static let boolean: ModelShape = .boolean
    public static let categoricalParameterRange: ModelShape = .structure([
        ModelMember("Name", parameterKey),
        ModelMember("Values", parameterValues),
    ], required: ["Name", "Values"])
    public static let categoricalParameterRanges: ModelShape = .list(
        categoricalParameterRange,
        length: ModelRange(min: 0, max: 30))
    public static let channel: ModelShape = .structure([
        ModelMember("ChannelName", channelName),
        ModelMember("DataSource", dataSource),
        ModelMember("ContentType", contentType),
        ModelMember("CompressionType", compressionType),
        ModelMember("RecordWrapperType", recordWrapper),
        ModelMember("InputMode", trainingInputMode),
        ModelMember("ShuffleConfig", shuffleConfig),
    ], required: ["ChannelName", "DataSource"])
    public static let channelName: ModelShape = .string(
        length: ModelRange(min: 1, max: 64),
        pattern: ModelPattern(#"[A-Za-z0-9\.\-_]+"#))
    public static let checkpointConfig: ModelShape = .structure([
        ModelMember("S3Uri", s3Uri),
        ModelMember("LocalPath", directoryPath),
    ], required: ["S3Uri"])
    public static let collectionConfiguration: ModelShape = .structure([
        ModelMember("CollectionName", collectionName),
        ModelMember("CollectionParameters", collectionParameters),
    ], required: [])
    public static let collectionConfigurations: ModelShape = .list(
        collectionConfiguration,
        length: ModelRange(min: 0, max: 20))
    public static let collectionName: ModelShape = .string(length: ModelRange(min: 1, max: 256), pattern: nil)
    public static let collectionParameters: ModelShape = .map(
        key: configKey,
        value: configValue,
        length: ModelRange(min: 0, max: 20))
    public static let completeOnConvergence: ModelShape = .enumeration(["Disabled", "Enabled"])
    public static let compressionType: ModelShape = .enumeration(["None", "Gzip"])
    public static let configKey: ModelShape = .string(length: ModelRange(min: 1, max: 256), pattern: nil)
    public static let configValue: ModelShape = .string(length: ModelRange(min: 0, max: 256), pattern: nil)
    public static let contentType: ModelShape = .string(length: ModelRange(min: 0, max: 256), pattern: nil)
    public static let continuousParameterRange: ModelShape = .structure([
        ModelMember("Name", parameterKey),
        ModelMember("MinValue", parameterValue),
        ModelMember("MaxValue", parameterValue),
        ModelMember("ScalingType", hyperParameterScalingType),
    ], required: ["Name", "MinValue", "MaxValue"])
    public static let continuousParameterRanges: ModelShape = .list(
        continuousParameterRange,
        length: ModelRange(min: 0, max: 30))
    public static let convergenceDetected: ModelShape = .structure([
        ModelMember("CompleteOnConvergence", completeOnConvergence),
    ], required: [])
    public static let createHyperParameterTuningJobRequest: ModelShape = .structure([
        ModelMember("HyperParameterTuningJobName", hyperParameterTuningJobName),
        ModelMember("HyperParameterTuningJobConfig", hyperParameterTuningJobConfig),
        ModelMember("TrainingJobDefinition", hyperParameterTrainingJobDefinition),
        ModelMember("TrainingJobDefinitions", hyperParameterTrainingJobDefinitions),
        ModelMember("WarmStartConfig", hyperParameterTuningJobWarmStartConfig),
        ModelMember("Tags", tagList),
        ModelMember("Autotune", autotune),
    ], required: ["HyperParameterTuningJobName", "HyperParameterTuningJobConfig"])
    public static let createTrainingJobRequest: ModelShape = .structure([
        ModelMember("TrainingJobName", trainingJobName),
        ModelMember("HyperParameters", hyperParameters),
        ModelMember("AlgorithmSpecification", algorithmSpecification),
        ModelMember("RoleArn", roleArn),
        ModelMember("InputDataConfig", inputDataConfig),
        ModelMember("OutputDataConfig", outputDataConfig),
        ModelMember("ResourceConfig", resourceConfig),
        ModelMember("VpcConfig", vpcConfig),
        ModelMember("StoppingCondition", stoppingCondition),
        ModelMember("Tags", tagList),
        ModelMember("EnableNetworkIsolation", boolean),
        ModelMember("EnableInterContainerTrafficEncryption", boolean),
        ModelMember("EnableManagedSpotTraining", boolean),
        ModelMember("CheckpointConfig", checkpointConfig),
        ModelMember("DebugHookConfig", debugHookConfig),
        ModelMember("DebugRuleConfigurations", debugRuleConfigurations),
        ModelMember("TensorBoardOutputConfig", tensorBoardOutputConfig),
        ModelMember("ExperimentConfig", experimentConfig),
        ModelMember("ProfilerConfig", profilerConfig),
        ModelMember("ProfilerRuleConfigurations", profilerRuleConfigurations),
        ModelMember("Environment", trainingEnvironmentMap),
        ModelMember("RetryStrategy", retryStrategy),
        ModelMember("RemoteDebugConfig", remoteDebugConfig),
        ModelMember("InfraCheckConfig", infraCheckConfig),
        ModelMember("SessionChainingConfig", sessionChainingConfig),
        ModelMember("ServerlessJobConfig", serverlessJobConfig),
        ModelMember("MlflowConfig", mlflowConfig),
        ModelMember("ModelPackageConfig", modelPackageConfig),
    ], required: ["TrainingJobName", "RoleArn", "OutputDataConfig"])
    public static let customizationTechnique: ModelShape = .enumeration(["SFT", "DPO", "RLVR", "RLAIF"])
    public static let dataSource: ModelShape = .structure([
        ModelMember("S3DataSource", s3DataSource),
        ModelMember("FileSystemDataSource", fileSystemDataSource),
        ModelMember("DatasetSource", datasetSource),
    ], required: [])
    public static let datasetSource: ModelShape = .structure([
        ModelMember("DatasetArn", hubDataSetArn),
    ], required: ["DatasetArn"])
    public static let debugHookConfig: ModelShape = .structure([
        ModelMember("LocalPath", directoryPath),
        ModelMember("S3OutputPath", s3Uri),
        ModelMember("HookParameters", hookParameters),
        ModelMember("CollectionConfigurations", collectionConfigurations),
    ], required: ["S3OutputPath"])
    public static let debugRuleConfiguration: ModelShape = .structure([
        ModelMember("RuleConfigurationName", ruleConfigurationName),
        ModelMember("LocalPath", directoryPath),
        ModelMember("S3OutputPath", s3Uri),
        ModelMember("RuleEvaluatorImage", algorithmImage),
        ModelMember("InstanceType", processingInstanceType),
        ModelMember("VolumeSizeInGB", optionalVolumeSizeInGB),
        ModelMember("RuleParameters", ruleParameters),
    ], required: ["RuleConfigurationName", "RuleEvaluatorImage"])
    public static let debugRuleConfigurations: ModelShape = .list(
        debugRuleConfiguration,
        length: ModelRange(min: 0, max: 20))
    public static let deleteHyperParameterTuningJobRequest: ModelShape = .structure([
        ModelMember("HyperParameterTuningJobName", hyperParameterTuningJobName),
    ], required: ["HyperParameterTuningJobName"])
    public static let deleteTagsInput: ModelShape = .structure([
        ModelMember("ResourceArn", resourceArn),
        ModelMember("TagKeys", tagKeyList),
    ], required: ["ResourceArn", "TagKeys"])
    public static let deleteTrainingJobRequest: ModelShape = .structure([
        ModelMember("TrainingJobName", trainingJobName),
    ], required: ["TrainingJobName"])
    public static let describeHyperParameterTuningJobRequest: ModelShape = .structure([
        ModelMember("HyperParameterTuningJobName", hyperParameterTuningJobName),
    ], required: ["HyperParameterTuningJobName"])
    public static let describeTrainingJobRequest: ModelShape = .structure([
        ModelMember("TrainingJobName", trainingJobName),
    ], required: ["TrainingJobName"])
    public static let directoryPath: ModelShape = .string(length: ModelRange(min: 0, max: 4096), pattern: nil)
    public static let disableProfiler: ModelShape = .boolean
    public static let enableInfraCheck: ModelShape = .boolean
    public static let enableRemoteDebug: ModelShape = .boolean
    public static let enableSessionTagChaining: ModelShape = .boolean
    public static let evaluationType: ModelShape = .enumeration(["LLMAJEvaluation", "CustomScorerEvaluation", "BenchmarkEvaluation"])
    public static let evaluatorArn: ModelShape = .string(length: .any, pattern: nil)
    public static let experimentConfig: ModelShape = .structure([
        ModelMember("ExperimentName", experimentEntityName),
        ModelMember("TrialName", experimentEntityName),
        ModelMember("TrialComponentDisplayName", experimentEntityName),
        ModelMember("RunName", experimentEntityName),
    ], required: [])
    public static let experimentEntityName: ModelShape = .string(
        length: ModelRange(min: 1, max: 120),
        pattern: ModelPattern(#"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,119}"#))
    public static let fileSystemAccessMode: ModelShape = .enumeration(["rw", "ro"])
    public static let fileSystemDataSource: ModelShape = .structure([
        ModelMember("FileSystemId", fileSystemId),
        ModelMember("FileSystemAccessMode", fileSystemAccessMode),
        ModelMember("FileSystemType", fileSystemType),
        ModelMember("DirectoryPath", directoryPath),
    ], required: ["FileSystemId", "FileSystemAccessMode", "FileSystemType", "DirectoryPath"])
    public static let fileSystemId: ModelShape = .string(
        length: ModelRange(min: 11, max: 21),
        pattern: ModelPattern(#"(fs-[0-9a-f]{8,})"#))
    public static let fileSystemType: ModelShape = .enumeration(["EFS", "FSxLustre"])
    public static let hookParameters: ModelShape = .map(
        key: configKey,
        value: configValue,
        length: ModelRange(min: 0, max: 20))
    public static let hubAccessConfig: ModelShape = .structure([
        ModelMember("HubContentArn", hubContentArn),
    ], required: ["HubContentArn"])
    public static let hubContentArn: ModelShape = .string(length: ModelRange(min: 0, max: 255), pattern: nil)
    public static let hubDataSetArn: ModelShape = .string(
        length: ModelRange(min: 0, max: 2048),
        pattern: ModelPattern(#"(arn:[a-z0-9-\.]{1,63}:sagemaker:\w+(?:-\w+)+:(\d{12}|aws):hub-content\/)[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\/DataSet\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}(\/\d{1,4}.\d{1,4}.\d{1,4})?"#))
    public static let hyperParameterAlgorithmSpecification: ModelShape = .structure([
        ModelMember("TrainingImage", algorithmImage),
        ModelMember("TrainingInputMode", trainingInputMode),
        ModelMember("AlgorithmName", arnOrName),
        ModelMember("MetricDefinitions", metricDefinitionList),
    ], required: ["TrainingInputMode"])
    public static let hyperParameterKey: ModelShape = .string(length: ModelRange(min: 0, max: 256), pattern: nil)
    public static let hyperParameterScalingType: ModelShape = .enumeration(["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"])
    public static let hyperParameterTrainingJobDefinition: ModelShape = .structure([
        ModelMember("DefinitionName", hyperParameterTrainingJobDefinitionName),
        ModelMember("TuningObjective", hyperParameterTuningJobObjective),
        ModelMember("HyperParameterRanges", parameterRanges),
        ModelMember("StaticHyperParameters", hyperParameters),
        ModelMember("AlgorithmSpecification", hyperParameterAlgorithmSpecification),
        ModelMember("RoleArn", roleArn),
        ModelMember("InputDataConfig", inputDataConfig),
        ModelMember("VpcConfig", vpcConfig),
        ModelMember("OutputDataConfig", outputDataConfig),
        ModelMember("ResourceConfig", resourceConfig),
        ModelMember("HyperParameterTuningResourceConfig", hyperParameterTuningResourceConfig),
        ModelMember("StoppingCondition", stoppingCondition),
        ModelMember("EnableNetworkIsolation", boolean),
        ModelMember("EnableInterContainerTrafficEncryption", boolean),
        ModelMember("EnableManagedSpotTraining", boolean),
        ModelMember("CheckpointConfig", checkpointConfig),
        ModelMember("RetryStrategy", retryStrategy),
        ModelMember("Environment", hyperParameterTrainingJobEnvironmentMap),
    ], required: ["AlgorithmSpecification", "RoleArn", "OutputDataConfig", "StoppingCondition"])
    public static let hyperParameterTrainingJobDefinitionName: ModelShape = .string(
        length: ModelRange(min: 1, max: 64),
        pattern: ModelPattern(#"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}"#))
    public static let hyperParameterTrainingJobDefinitions: ModelShape = .list(
        hyperParameterTrainingJobDefinition,
        length: ModelRange(min: 1, max: 10))
    public static let hyperParameterTrainingJobEnvironmentKey: ModelShape = .string(
        length: ModelRange(min: 0, max: 512),
        pattern: ModelPattern(#"[a-zA-Z_][a-zA-Z0-9_]*"#))
    public static let hyperParameterTrainingJobEnvironmentMap: ModelShape = .map(
        key: hyperParameterTrainingJobEnvironmentKey,
        value: hyperParameterTrainingJobEnvironmentValue,
        length: ModelRange(min: 0, max: 48))
    public static let hyperParameterTrainingJobEnvironmentValue: ModelShape = .string(
        length: ModelRange(min: 0, max: 512),
        pattern: nil)
    public static let hyperParameterTuningAllocationStrategy: ModelShape = .enumeration(["Prioritized"])
    public static let hyperParameterTuningInstanceConfig: ModelShape = .structure([
        ModelMember("InstanceType", trainingInstanceType),
        ModelMember("InstanceCount", trainingInstanceCount),
        ModelMember("VolumeSizeInGB", volumeSizeInGB),
    ], required: ["InstanceType", "InstanceCount", "VolumeSizeInGB"])
    public static let hyperParameterTuningInstanceConfigs: ModelShape = .list(
        hyperParameterTuningInstanceConfig,
        length: ModelRange(min: 1, max: 6))
    public static let hyperParameterTuningJobConfig: ModelShape = .structure([
        ModelMember("Strategy", hyperParameterTuningJobStrategyType),
        ModelMember("StrategyConfig", hyperParameterTuningJobStrategyConfig),
        ModelMember("HyperParameterTuningJobObjective", hyperParameterTuningJobObjective),
        ModelMember("ResourceLimits", resourceLimits),
        ModelMember("ParameterRanges", parameterRanges),
        ModelMember("TrainingJobEarlyStoppingType", trainingJobEarlyStoppingType),
        ModelMember("TuningJobCompletionCriteria", tuningJobCompletionCriteria),
        ModelMember("RandomSeed", randomSeed),
    ], required: ["Strategy", "ResourceLimits"])
    public static let hyperParameterTuningJobName: ModelShape = .string(
        length: ModelRange(min: 1, max: 32),
        pattern: ModelPattern(#"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}"#))
    public static let hyperParameterTuningJobObjective: ModelShape = .structure([
        ModelMember("Type", hyperParameterTuningJobObjectiveType),
        ModelMember("MetricName", metricName),
    ], required: ["Type", "MetricName"])
    public static let hyperParameterTuningJobObjectiveType: ModelShape = .enumeration(["Maximize", "Minimize"])
    public static let hyperParameterTuningJobSortByOptions: ModelShape = .enumeration(["Name", "Status", "CreationTime"])
    public static let hyperParameterTuningJobStatus: ModelShape = .enumeration([
        "Completed", "InProgress", "Failed", "Stopped", "Stopping", "Deleting", "DeleteFailed",
    ])
    public static let hyperParameterTuningJobStrategyConfig: ModelShape = .structure([
        ModelMember("HyperbandStrategyConfig", hyperbandStrategyConfig),
    ], required: [])
    public static let hyperParameterTuningJobStrategyType: ModelShape = .enumeration(["Bayesian", "Random", "Hyperband", "Grid"])
    public static let hyperParameterTuningJobWarmStartConfig: ModelShape = .structure([
        ModelMember("ParentHyperParameterTuningJobs", parentHyperParameterTuningJobs),
        ModelMember("WarmStartType", hyperParameterTuningJobWarmStartType),
    ], required: ["ParentHyperParameterTuningJobs", "WarmStartType"])
    public static let hyperParameterTuningJobWarmStartType: ModelShape = .enumeration(["IdenticalDataAndAlgorithm", "TransferLearning"])
    public static let hyperParameterTuningMaxRuntimeInSeconds: ModelShape = .integer(ModelRange(min: 120, max: 15768000))
    public static let hyperParameterTuningResourceConfig: ModelShape = .structure([
        ModelMember("InstanceType", trainingInstanceType),
        ModelMember("InstanceCount", trainingInstanceCount),
        ModelMember("VolumeSizeInGB", optionalVolumeSizeInGB),
        ModelMember("VolumeKmsKeyId", kmsKeyId),
        ModelMember("AllocationStrategy", hyperParameterTuningAllocationStrategy),
        ModelMember("InstanceConfigs", hyperParameterTuningInstanceConfigs),
    ], required: [])
    public static let hyperParameterValue: ModelShape = .string(length: ModelRange(min: 0, max: 2500), pattern: nil)
    public static let hyperParameters: ModelShape = .map(
        key: hyperParameterKey,
        value: hyperParameterValue,
        length: ModelRange(min: 0, max: 100))
    public static let hyperbandStrategyConfig: ModelShape = .structure([
        ModelMember("MinResource", hyperbandStrategyMinResource),
        ModelMember("MaxResource", hyperbandStrategyMaxResource),
    ], required: [])
    public static let hyperbandStrategyMaxResource: ModelShape = .integer(ModelRange(min: 1))
    public static let hyperbandStrategyMinResource: ModelShape = .integer(ModelRange(min: 1))
    public static let infraCheckConfig: ModelShape = .structure([
        ModelMember("EnableInfraCheck", enableInfraCheck),
    ], required: [])
    public static let inputDataConfig: ModelShape = .list(channel, length: ModelRange(min: 1, max: 20))
    public static let instanceGroup: ModelShape = .structure([
        ModelMember("InstanceType", trainingInstanceType),
        ModelMember("InstanceCount", trainingInstanceCount),
        ModelMember("InstanceGroupName", instanceGroupName),
    ], required: ["InstanceType", "InstanceCount", "InstanceGroupName"])
    public static let instanceGroupName: ModelShape = .string(length: ModelRange(min: 1, max: 64), pattern: nil)
    public static let instanceGroupNames: ModelShape = .list(instanceGroupName, length: ModelRange(min: 0, max: 5))
    public static let instanceGroups: ModelShape = .list(instanceGroup, length: ModelRange(min: 0, max: 5))
    public static let instancePlacementConfig: ModelShape = .structure([
        ModelMember("EnableMultipleJobs", boolean),
        ModelMember("PlacementSpecifications", placementSpecifications),
    ], required: [])
    public static let integerParameterRange: ModelShape = .structure([
        ModelMember("Name", parameterKey),
        ModelMember("MinValue", parameterValue),
        ModelMember("MaxValue", parameterValue),
        ModelMember("ScalingType", hyperParameterScalingType),
    ], required: ["Name", "MinValue", "MaxValue"])
    public static let integerParameterRanges: ModelShape = .list(
        integerParameterRange,
        length: ModelRange(min: 0, max: 30))
    public static let keepAlivePeriodInSeconds: ModelShape = .integer(ModelRange(min: 0, max: 21600))
    public static let kmsKeyId: ModelShape = .string(
        length: ModelRange(min: 0, max: 2048),
        pattern: ModelPattern(#"[a-zA-Z0-9:/_-]*"#))
    public static let listHyperParameterTuningJobsRequest: ModelShape = .structure([
        ModelMember("NextToken", nextToken),
        ModelMember("MaxResults", maxResults),
        ModelMember("SortBy", hyperParameterTuningJobSortByOptions),
        ModelMember("SortOrder", sortOrder),
        ModelMember("NameContains", nameContains),
        ModelMember("CreationTimeAfter", timestamp),
        ModelMember("CreationTimeBefore", timestamp),
        ModelMember("LastModifiedTimeAfter", timestamp),
        ModelMember("LastModifiedTimeBefore", timestamp),
        ModelMember("StatusEquals", hyperParameterTuningJobStatus),
    ], required: [])
    public static let listTagsInput: ModelShape = .structure([
        ModelMember("ResourceArn", resourceArn),
        ModelMember("NextToken", nextToken),
        ModelMember("MaxResults", listTagsMaxResults),
    ], required: ["ResourceArn"])
    public static let listTagsMaxResults: ModelShape = .integer(ModelRange(min: 50))
    public static let listTrainingJobsForHyperParameterTuningJobRequest: ModelShape = .structure([
        ModelMember("HyperParameterTuningJobName", hyperParameterTuningJobName),
        ModelMember("NextToken", nextToken),
        ModelMember("MaxResults", maxResults),
        ModelMember("StatusEquals", trainingJobStatus),
        ModelMember("SortBy", trainingJobSortByOptions),
        ModelMember("SortOrder", sortOrder),
    ], required: ["HyperParameterTuningJobName"])
    public static let listTrainingJobsRequest: ModelShape = .structure([
        ModelMember("NextToken", nextToken),
        ModelMember("MaxResults", maxResults),
        ModelMember("CreationTimeAfter", timestamp),
        ModelMember("CreationTimeBefore", timestamp),
        ModelMember("LastModifiedTimeAfter", timestamp),
        ModelMember("LastModifiedTimeBefore", timestamp),
        ModelMember("NameContains", nameContains),
        ModelMember("StatusEquals", trainingJobStatus),
        ModelMember("SortBy", sortBy),
        ModelMember("SortOrder", sortOrder),
        ModelMember("WarmPoolStatusEquals", warmPoolResourceStatus),
        ModelMember("TrainingPlanArnEquals", trainingPlanArn),
    ], required: [])
    public static let maxNumberOfTrainingJobs: ModelShape = .integer(ModelRange(min: 1))
    public static let maxNumberOfTrainingJobsNotImproving: ModelShape = .integer(ModelRange(min: 3))
    public static let maxParallelTrainingJobs: ModelShape = .integer(ModelRange(min: 1))
    public static let maxPendingTimeInSeconds: ModelShape = .integer(ModelRange(min: 7200, max: 2419200))
    public static let maxResults: ModelShape = .integer(ModelRange(min: 1, max: 100))
    public static let maxRuntimeInSeconds: ModelShape = .integer(ModelRange(min: 1))
    public static let maxWaitTimeInSeconds: ModelShape = .integer(ModelRange(min: 1))
    public static let maximumRetryAttempts: ModelShape = .integer(ModelRange(min: 1, max: 30))
    public static let metricDefinition: ModelShape = .structure([
        ModelMember("Name", metricName),
        ModelMember("Regex", metricRegex),
    ], required: ["Name", "Regex"])
    public static let metricDefinitionList: ModelShape = .list(metricDefinition, length: ModelRange(min: 0, max: 40))
    public static let metricName: ModelShape = .string(length: ModelRange(min: 1, max: 255), pattern: nil)
    public static let metricRegex: ModelShape = .string(length: ModelRange(min: 1, max: 500), pattern: nil)
    public static let mlFlowResourceArn: ModelShape = .string(
        length: ModelRange(min: 0, max: 2048),
        pattern: ModelPattern(#"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:mlflow-[a-zA-Z-]*/.*"#))
    public static let mlflowConfig: ModelShape = .structure([
        ModelMember("MlflowResourceArn", mlFlowResourceArn),
        ModelMember("MlflowExperimentName", mlflowExperimentName),
        ModelMember("MlflowRunName", mlflowRunName),
    ], required: ["MlflowResourceArn"])
    public static let mlflowExperimentName: ModelShape = .string(length: ModelRange(min: 1, max: 256), pattern: nil)
    public static let mlflowRunName: ModelShape = .string(length: ModelRange(min: 1, max: 256), pattern: nil)
    public static let modelAccessConfig: ModelShape = .structure([
        ModelMember("AcceptEula", acceptEula),
    ], required: ["AcceptEula"])
    public static let modelPackageArn: ModelShape = .string(
        length: ModelRange(min: 1, max: 2048),
        pattern: ModelPattern(#"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]{9,16}:[0-9]{12}:model-package/[\S]{1,2048}"#))
    public static let modelPackageConfig: ModelShape = .structure([
        ModelMember("ModelPackageGroupArn", modelPackageGroupArn),
        ModelMember("SourceModelPackageArn", modelPackageArn),
    ], required: ["ModelPackageGroupArn"])
    public static let modelPackageGroupArn: ModelShape = .string(
        length: ModelRange(min: 1, max: 2048),
        pattern: ModelPattern(#"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]{9,16}:[0-9]{12}:model-package-group/[\S]{1,2048}"#))
    public static let nameContains: ModelShape = .string(
        length: ModelRange(min: 0, max: 63),
        pattern: ModelPattern(#"[a-zA-Z0-9\-]+"#))
    public static let nextToken: ModelShape = .string(length: ModelRange(min: 0, max: 8192), pattern: nil)
    public static let optionalVolumeSizeInGB: ModelShape = .integer(ModelRange(min: 0))
    public static let outputCompressionType: ModelShape = .enumeration(["GZIP", "NONE"])
    public static let outputDataConfig: ModelShape = .structure([
        ModelMember("KmsKeyId", kmsKeyId),
        ModelMember("S3OutputPath", s3Uri),
        ModelMember("CompressionType", outputCompressionType),
    ], required: ["S3OutputPath"])
    public static let parameterKey: ModelShape = .string(length: ModelRange(min: 0, max: 256), pattern: nil)
    public static let parameterRanges: ModelShape = .structure([
        ModelMember("IntegerParameterRanges", integerParameterRanges),
        ModelMember("ContinuousParameterRanges", continuousParameterRanges),
        ModelMember("CategoricalParameterRanges", categoricalParameterRanges),
        ModelMember("AutoParameters", autoParameters),
    ], required: [])
    public static let parameterValue: ModelShape = .string(length: ModelRange(min: 0, max: 256), pattern: nil)
    public static let parameterValues: ModelShape = .list(parameterValue, length: ModelRange(min: 1, max: 30))
    public static let parentHyperParameterTuningJob: ModelShape = .structure([
        ModelMember("HyperParameterTuningJobName", hyperParameterTuningJobName),
    ], required: [])
    public static let parentHyperParameterTuningJobs: ModelShape = .list(
        parentHyperParameterTuningJob,
        length: ModelRange(min: 1, max: 5))
    public static let peft: ModelShape = .enumeration(["LORA"])
    public static let placementSpecification: ModelShape = .structure([
        ModelMember("UltraServerId", string256),
        ModelMember("InstanceCount", trainingInstanceCount),
    ], required: ["InstanceCount"])
    public static let placementSpecifications: ModelShape = .list(
        placementSpecification,
        length: ModelRange(min: 0, max: 10))
    public static let processingInstanceType: ModelShape = .enumeration([
        "ml.t3.medium", "ml.t3.large", "ml.t3.xlarge", "ml.t3.2xlarge", "ml.m4.xlarge", "ml.m4.2xlarge",
        "ml.m4.4xlarge", "ml.m4.10xlarge", "ml.m4.16xlarge", "ml.c4.xlarge", "ml.c4.2xlarge", "ml.c4.4xlarge",
        "ml.c4.8xlarge", "ml.p2.xlarge", "ml.p2.8xlarge", "ml.p2.16xlarge", "ml.p3.2xlarge", "ml.p3.8xlarge",
        "ml.p3.16xlarge", "ml.c5.xlarge", "ml.c5.2xlarge", "ml.c5.4xlarge", "ml.c5.9xlarge", "ml.c5.18xlarge",
        "ml.m5.large", "ml.m5.xlarge", "ml.m5.2xlarge", "ml.m5.4xlarge", "ml.m5.12xlarge", "ml.m5.24xlarge",
        "ml.r5.large", "ml.r5.xlarge", "ml.r5.2xlarge", "ml.r5.4xlarge", "ml.r5.8xlarge", "ml.r5.12xlarge",
        "ml.r5.16xlarge", "ml.r5.24xlarge", "ml.g4dn.xlarge", "ml.g4dn.2xlarge", "ml.g4dn.4xlarge", "ml.g4dn.8xlarge",
        "ml.g4dn.12xlarge", "ml.g4dn.16xlarge", "ml.g5.xlarge", "ml.g5.2xlarge", "ml.g5.4xlarge", "ml.g5.8xlarge",
        "ml.g5.16xlarge", "ml.g5.12xlarge", "ml.g5.24xlarge", "ml.g5.48xlarge", "ml.r5d.large", "ml.r5d.xlarge",
        "ml.r5d.2xlarge", "ml.r5d.4xlarge", "ml.r5d.8xlarge", "ml.r5d.12xlarge", "ml.r5d.16xlarge", "ml.r5d.24xlarge",
        "ml.g6.xlarge", "ml.g6.2xlarge", "ml.g6.4xlarge", "ml.g6.8xlarge", "ml.g6.12xlarge", "ml.g6.16xlarge",
        "ml.g6.24xlarge", "ml.g6.48xlarge", "ml.g6e.xlarge", "ml.g6e.2xlarge", "ml.g6e.4xlarge", "ml.g6e.8xlarge",
        "ml.g6e.12xlarge", "ml.g6e.16xlarge", "ml.g6e.24xlarge", "ml.g6e.48xlarge", "ml.m6i.large", "ml.m6i.xlarge",
        "ml.m6i.2xlarge", "ml.m6i.4xlarge", "ml.m6i.8xlarge", "ml.m6i.12xlarge", "ml.m6i.16xlarge", "ml.m6i.24xlarge",
        "ml.m6i.32xlarge", "ml.c6i.xlarge", "ml.c6i.2xlarge", "ml.c6i.4xlarge", "ml.c6i.8xlarge", "ml.c6i.12xlarge",
        "ml.c6i.16xlarge", "ml.c6i.24xlarge", "ml.c6i.32xlarge", "ml.m7i.large", "ml.m7i.xlarge", "ml.m7i.2xlarge",
        "ml.m7i.4xlarge", "ml.m7i.8xlarge", "ml.m7i.12xlarge", "ml.m7i.16xlarge", "ml.m7i.24xlarge", "ml.m7i.48xlarge",
        "ml.c7i.large", "ml.c7i.xlarge", "ml.c7i.2xlarge", "ml.c7i.4xlarge", "ml.c7i.8xlarge", "ml.c7i.12xlarge",
        "ml.c7i.16xlarge", "ml.c7i.24xlarge", "ml.c7i.48xlarge", "ml.r7i.large", "ml.r7i.xlarge", "ml.r7i.2xlarge",
        "ml.r7i.4xlarge", "ml.r7i.8xlarge", "ml.r7i.12xlarge", "ml.r7i.16xlarge", "ml.r7i.24xlarge", "ml.r7i.48xlarge",
        "ml.p5.4xlarge", "ml.g7e.2xlarge", "ml.g7e.4xlarge", "ml.g7e.8xlarge", "ml.g7e.12xlarge", "ml.g7e.24xlarge",
        "ml.g7e.48xlarge",
    ])
    public static let profilerConfig: ModelShape = .structure([
        ModelMember("S3OutputPath", s3Uri),
        ModelMember("ProfilingIntervalInMilliseconds", profilingIntervalInMilliseconds),
        ModelMember("ProfilingParameters", profilingParameters),
        ModelMember("DisableProfiler", disableProfiler),
    ], required: [])
    public static let profilerConfigForUpdate: ModelShape = .structure([
        ModelMember("S3OutputPath", s3Uri),
        ModelMember("ProfilingIntervalInMilliseconds", profilingIntervalInMilliseconds),
        ModelMember("ProfilingParameters", profilingParameters),
        ModelMember("DisableProfiler", disableProfiler),
    ], required: [])
    public static let profilerRuleConfiguration: ModelShape = .structure([
        ModelMember("RuleConfigurationName", ruleConfigurationName),
        ModelMember("LocalPath", directoryPath),
        ModelMember("S3OutputPath", s3Uri),
        ModelMember("RuleEvaluatorImage", algorithmImage),
        ModelMember("InstanceType", processingInstanceType),
        ModelMember("VolumeSizeInGB", optionalVolumeSizeInGB),
        ModelMember("RuleParameters", ruleParameters),
    ], required: ["RuleConfigurationName", "RuleEvaluatorImage"])
    public static let profilerRuleConfigurations: ModelShape = .list(
        profilerRuleConfiguration,
        length: ModelRange(min: 0, max: 20))
    public static let profilingIntervalInMilliseconds: ModelShape = .long(.any)
    public static let profilingParameters: ModelShape = .map(
        key: configKey,
        value: configValue,
        length: ModelRange(min: 0, max: 20))
    public static let randomSeed: ModelShape = .integer(ModelRange(min: 0))
    public static let recordWrapper: ModelShape = .enumeration(["None", "RecordIO"])
    public static let remoteDebugConfig: ModelShape = .structure([
        ModelMember("EnableRemoteDebug", enableRemoteDebug),
    ], required: [])
    public static let remoteDebugConfigForUpdate: ModelShape = .structure([
        ModelMember("EnableRemoteDebug", enableRemoteDebug),
    ], required: [])
    public static let resourceArn: ModelShape = .string(
        length: ModelRange(min: 0, max: 256),
        pattern: ModelPattern(#"arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+"#))
    public static let resourceConfig: ModelShape = .structure([
        ModelMember("InstanceType", trainingInstanceType),
        ModelMember("InstanceCount", trainingInstanceCount),
        ModelMember("VolumeSizeInGB", optionalVolumeSizeInGB),
        ModelMember("VolumeKmsKeyId", kmsKeyId),
        ModelMember("KeepAlivePeriodInSeconds", keepAlivePeriodInSeconds),
        ModelMember("InstanceGroups", instanceGroups),
        ModelMember("TrainingPlanArn", trainingPlanArn),
        ModelMember("InstancePlacementConfig", instancePlacementConfig),
    ], required: [])
    public static let resourceConfigForUpdate: ModelShape = .structure([
        ModelMember("KeepAlivePeriodInSeconds", keepAlivePeriodInSeconds),
    ], required: ["KeepAlivePeriodInSeconds"])
    public static let resourceLimits: ModelShape = .structure([
        ModelMember("MaxNumberOfTrainingJobs", maxNumberOfTrainingJobs),
        ModelMember("MaxParallelTrainingJobs", maxParallelTrainingJobs),
        ModelMember("MaxRuntimeInSeconds", hyperParameterTuningMaxRuntimeInSeconds),
    ], required: ["MaxParallelTrainingJobs"])
    public static let retryStrategy: ModelShape = .structure([
        ModelMember("MaximumRetryAttempts", maximumRetryAttempts),
    ], required: ["MaximumRetryAttempts"])
    public static let roleArn: ModelShape = .string(
        length: ModelRange(min: 20, max: 2048),
        pattern: ModelPattern(#"arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"#, display: #"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$"#))
    public static let ruleConfigurationName: ModelShape = .string(length: ModelRange(min: 1, max: 256), pattern: nil)
    public static let ruleParameters: ModelShape = .map(
        key: configKey,
        value: configValue,
        length: ModelRange(min: 0, max: 100))
    public static let s3DataDistribution: ModelShape = .enumeration(["FullyReplicated", "ShardedByS3Key"])
    public static let s3DataSource: ModelShape = .structure([
        ModelMember("S3DataType", s3DataType),
        ModelMember("S3Uri", s3Uri),
        ModelMember("S3DataDistributionType", s3DataDistribution),
        ModelMember("AttributeNames", attributeNames),
        ModelMember("InstanceGroupNames", instanceGroupNames),
        ModelMember("ModelAccessConfig", modelAccessConfig),
        ModelMember("HubAccessConfig", hubAccessConfig),
    ], required: ["S3DataType", "S3Uri"])
    public static let s3DataType: ModelShape = .enumeration(["ManifestFile", "S3Prefix", "AugmentedManifestFile", "Converse"])
    public static let s3Uri: ModelShape = .string(
        length: ModelRange(min: 0, max: 1024),
        pattern: ModelPattern(#"(https|s3)://([^/]+)/?(.*)"#, display: #"^(https|s3)://([^/]+)/?(.*)$"#))
    public static let securityGroupId: ModelShape = .string(
        length: ModelRange(min: 0, max: 32),
        pattern: ModelPattern(#"[-0-9a-zA-Z]+"#))
    public static let seed: ModelShape = .long(.any)
    public static let serverlessJobBaseModelArn: ModelShape = .string(
        length: ModelRange(min: 1, max: 2048),
        pattern: ModelPattern(#"(arn:[a-z0-9-\.]{1,63}:sagemaker:\w+(?:-\w+)+:(\d{12}|aws):hub-content\/)[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\/Model\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,63}(\/\d{1,4}.\d{1,4}.\d{1,4})?"#))
    public static let serverlessJobConfig: ModelShape = .structure([
        ModelMember("BaseModelArn", serverlessJobBaseModelArn),
        ModelMember("AcceptEula", acceptEula),
        ModelMember("JobType", serverlessJobType),
        ModelMember("CustomizationTechnique", customizationTechnique),
        ModelMember("Peft", peft),
        ModelMember("EvaluationType", evaluationType),
        ModelMember("EvaluatorArn", evaluatorArn),
    ], required: ["BaseModelArn", "JobType"])
    public static let serverlessJobType: ModelShape = .enumeration(["FineTuning", "Evaluation"])
    public static let sessionChainingConfig: ModelShape = .structure([
        ModelMember("EnableSessionTagChaining", enableSessionTagChaining),
    ], required: [])
    public static let shuffleConfig: ModelShape = .structure([
        ModelMember("Seed", seed),
    ], required: ["Seed"])
    public static let sortBy: ModelShape = .enumeration(["Name", "CreationTime", "Status"])
    public static let sortOrder: ModelShape = .enumeration(["Ascending", "Descending"])
    public static let stopHyperParameterTuningJobRequest: ModelShape = .structure([
        ModelMember("HyperParameterTuningJobName", hyperParameterTuningJobName),
    ], required: ["HyperParameterTuningJobName"])
    public static let stopTrainingJobRequest: ModelShape = .structure([
        ModelMember("TrainingJobName", trainingJobName),
    ], required: ["TrainingJobName"])
    public static let stoppingCondition: ModelShape = .structure([
        ModelMember("MaxRuntimeInSeconds", maxRuntimeInSeconds),
        ModelMember("MaxWaitTimeInSeconds", maxWaitTimeInSeconds),
        ModelMember("MaxPendingTimeInSeconds", maxPendingTimeInSeconds),
    ], required: [])
    public static let string256: ModelShape = .string(length: ModelRange(min: 0, max: 256), pattern: nil)
    public static let subnetId: ModelShape = .string(
        length: ModelRange(min: 0, max: 32),
        pattern: ModelPattern(#"[-0-9a-zA-Z]+"#))
    public static let subnets: ModelShape = .list(subnetId, length: ModelRange(min: 1, max: 16))
    public static let tag: ModelShape = .structure([
        ModelMember("Key", tagKey),
        ModelMember("Value", tagValue),
    ], required: ["Key", "Value"])
    public static let tagKey: ModelShape = .string(
        length: ModelRange(min: 1, max: 128),
        pattern: ModelPattern(#"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"#, display: #"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"#))
    public static let tagKeyList: ModelShape = .list(tagKey, length: ModelRange(min: 1, max: 50))
    public static let tagList: ModelShape = .list(tag, length: ModelRange(min: 0, max: 50))
    public static let tagValue: ModelShape = .string(
        length: ModelRange(min: 0, max: 256),
        pattern: ModelPattern(#"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"#, display: #"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"#))
    public static let targetObjectiveMetricValue: ModelShape = .float
    public static let tensorBoardOutputConfig: ModelShape = .structure([
        ModelMember("LocalPath", directoryPath),
        ModelMember("S3OutputPath", s3Uri),
    ], required: ["S3OutputPath"])
    public static let timestamp: ModelShape = .timestamp
    public static let trainingContainerArgument: ModelShape = .string(
        length: ModelRange(min: 0, max: 256),
        pattern: nil)
    public static let trainingContainerArguments: ModelShape = .list(
        trainingContainerArgument,
        length: ModelRange(min: 1, max: 100))
    public static let trainingContainerEntrypoint: ModelShape = .list(
        trainingContainerEntrypointString,
        length: ModelRange(min: 1, max: 100))
    public static let trainingContainerEntrypointString: ModelShape = .string(
        length: ModelRange(min: 0, max: 256),
        pattern: nil)
    public static let trainingEnvironmentKey: ModelShape = .string(
        length: ModelRange(min: 0, max: 512),
        pattern: ModelPattern(#"[a-zA-Z_][a-zA-Z0-9_]*"#))
    public static let trainingEnvironmentMap: ModelShape = .map(
        key: trainingEnvironmentKey,
        value: trainingEnvironmentValue,
        length: ModelRange(min: 0, max: 100))
    public static let trainingEnvironmentValue: ModelShape = .string(length: ModelRange(min: 0, max: 512), pattern: nil)
    public static let trainingImageConfig: ModelShape = .structure([
        ModelMember("TrainingRepositoryAccessMode", trainingRepositoryAccessMode),
        ModelMember("TrainingRepositoryAuthConfig", trainingRepositoryAuthConfig),
    ], required: ["TrainingRepositoryAccessMode"])
    public static let trainingInputMode: ModelShape = .enumeration(["Pipe", "File", "FastFile"])
    public static let trainingInstanceCount: ModelShape = .integer(ModelRange(min: 0))
    public static let trainingInstanceType: ModelShape = .enumeration([
        "ml.m4.xlarge", "ml.m4.2xlarge", "ml.m4.4xlarge", "ml.m4.10xlarge", "ml.m4.16xlarge", "ml.g4dn.xlarge",
        "ml.g4dn.2xlarge", "ml.g4dn.4xlarge", "ml.g4dn.8xlarge", "ml.g4dn.12xlarge", "ml.g4dn.16xlarge", "ml.m5.large",
        "ml.m5.xlarge", "ml.m5.2xlarge", "ml.m5.4xlarge", "ml.m5.12xlarge", "ml.m5.24xlarge", "ml.c4.xlarge",
        "ml.c4.2xlarge", "ml.c4.4xlarge", "ml.c4.8xlarge", "ml.p2.xlarge", "ml.p2.8xlarge", "ml.p2.16xlarge",
        "ml.p3.2xlarge", "ml.p3.8xlarge", "ml.p3.16xlarge", "ml.p3dn.24xlarge", "ml.p4d.24xlarge", "ml.p4de.24xlarge",
        "ml.p5.48xlarge", "ml.p5e.48xlarge", "ml.p5en.48xlarge", "ml.c5.xlarge", "ml.c5.2xlarge", "ml.c5.4xlarge",
        "ml.c5.9xlarge", "ml.c5.18xlarge", "ml.c5n.xlarge", "ml.c5n.2xlarge", "ml.c5n.4xlarge", "ml.c5n.9xlarge",
        "ml.c5n.18xlarge", "ml.g5.xlarge", "ml.g5.2xlarge", "ml.g5.4xlarge", "ml.g5.8xlarge", "ml.g5.16xlarge",
        "ml.g5.12xlarge", "ml.g5.24xlarge", "ml.g5.48xlarge", "ml.g6.xlarge", "ml.g6.2xlarge", "ml.g6.4xlarge",
        "ml.g6.8xlarge", "ml.g6.16xlarge", "ml.g6.12xlarge", "ml.g6.24xlarge", "ml.g6.48xlarge", "ml.g6e.xlarge",
        "ml.g6e.2xlarge", "ml.g6e.4xlarge", "ml.g6e.8xlarge", "ml.g6e.16xlarge", "ml.g6e.12xlarge", "ml.g6e.24xlarge",
        "ml.g6e.48xlarge", "ml.trn1.2xlarge", "ml.trn1.32xlarge", "ml.trn1n.32xlarge", "ml.trn2.48xlarge",
        "ml.m6i.large", "ml.m6i.xlarge", "ml.m6i.2xlarge", "ml.m6i.4xlarge", "ml.m6i.8xlarge", "ml.m6i.12xlarge",
        "ml.m6i.16xlarge", "ml.m6i.24xlarge", "ml.m6i.32xlarge", "ml.c6i.xlarge", "ml.c6i.2xlarge", "ml.c6i.8xlarge",
        "ml.c6i.4xlarge", "ml.c6i.12xlarge", "ml.c6i.16xlarge", "ml.c6i.24xlarge", "ml.c6i.32xlarge", "ml.r5d.large",
        "ml.r5d.xlarge", "ml.r5d.2xlarge", "ml.r5d.4xlarge", "ml.r5d.8xlarge", "ml.r5d.12xlarge", "ml.r5d.16xlarge",
        "ml.r5d.24xlarge", "ml.t3.medium", "ml.t3.large", "ml.t3.xlarge", "ml.t3.2xlarge", "ml.r5.large",
        "ml.r5.xlarge", "ml.r5.2xlarge", "ml.r5.4xlarge", "ml.r5.8xlarge", "ml.r5.12xlarge", "ml.r5.16xlarge",
        "ml.r5.24xlarge", "ml.p6-b200.48xlarge", "ml.m7i.large", "ml.m7i.xlarge", "ml.m7i.2xlarge", "ml.m7i.4xlarge",
        "ml.m7i.8xlarge", "ml.m7i.12xlarge", "ml.m7i.16xlarge", "ml.m7i.24xlarge", "ml.m7i.48xlarge", "ml.c7i.large",
        "ml.c7i.xlarge", "ml.c7i.2xlarge", "ml.c7i.4xlarge", "ml.c7i.8xlarge", "ml.c7i.12xlarge", "ml.c7i.16xlarge",
        "ml.c7i.24xlarge", "ml.c7i.48xlarge", "ml.r7i.large", "ml.r7i.xlarge", "ml.r7i.2xlarge", "ml.r7i.4xlarge",
        "ml.r7i.8xlarge", "ml.r7i.12xlarge", "ml.r7i.16xlarge", "ml.r7i.24xlarge", "ml.r7i.48xlarge",
        "ml.p6e-gb200.36xlarge", "ml.p5.4xlarge", "ml.p6-b300.48xlarge", "ml.g7e.2xlarge", "ml.g7e.4xlarge",
        "ml.g7e.8xlarge", "ml.g7e.12xlarge", "ml.g7e.24xlarge", "ml.g7e.48xlarge",
    ])
    public static let trainingJobEarlyStoppingType: ModelShape = .enumeration(["Off", "Auto"])
    public static let trainingJobName: ModelShape = .string(
        length: ModelRange(min: 1, max: 63),
        pattern: ModelPattern(#"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"#, display: #"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"#))
    public static let trainingJobSortByOptions: ModelShape = .enumeration(["Name", "CreationTime", "Status", "FinalObjectiveMetricValue"])
    public static let trainingJobStatus: ModelShape = .enumeration(["InProgress", "Completed", "Failed", "Stopping", "Stopped", "Deleting"])
    public static let trainingPlanArn: ModelShape = .string(
        length: ModelRange(min: 50, max: 2048),
        pattern: ModelPattern(#"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:training-plan/.*"#))
    public static let trainingRepositoryAccessMode: ModelShape = .enumeration(["Platform", "Vpc"])
    public static let trainingRepositoryAuthConfig: ModelShape = .structure([
        ModelMember("TrainingRepositoryCredentialsProviderArn", trainingRepositoryCredentialsProviderArn),
    ], required: ["TrainingRepositoryCredentialsProviderArn"])
    public static let trainingRepositoryCredentialsProviderArn: ModelShape = .string(
        length: ModelRange(min: 1, max: 2048),
        pattern: ModelPattern(#"arn:[\p{Alnum}\-]+:lambda:[\p{Alnum}\-]+:[0-9]{12}:function:.*"#))
    public static let tuningJobCompletionCriteria: ModelShape = .structure([
        ModelMember("TargetObjectiveMetricValue", targetObjectiveMetricValue),
        ModelMember("BestObjectiveNotImproving", bestObjectiveNotImproving),
        ModelMember("ConvergenceDetected", convergenceDetected),
    ], required: [])
    public static let updateTrainingJobRequest: ModelShape = .structure([
        ModelMember("TrainingJobName", trainingJobName),
        ModelMember("ProfilerConfig", profilerConfigForUpdate),
        ModelMember("ProfilerRuleConfigurations", profilerRuleConfigurations),
        ModelMember("ResourceConfig", resourceConfigForUpdate),
        ModelMember("RemoteDebugConfig", remoteDebugConfigForUpdate),
    ], required: ["TrainingJobName"])
    public static let volumeSizeInGB: ModelShape = .integer(ModelRange(min: 1))
    public static let vpcConfig: ModelShape = .structure([
        ModelMember("SecurityGroupIds", vpcSecurityGroupIds),
        ModelMember("Subnets", subnets),
    ], required: ["SecurityGroupIds", "Subnets"])
    public static let vpcSecurityGroupIds: ModelShape = .list(securityGroupId, length: ModelRange(min: 1, max: 5))
    public static let warmPoolResourceStatus: ModelShape = .enumeration(["Available", "Terminated", "Reused", "InUse"])
}
