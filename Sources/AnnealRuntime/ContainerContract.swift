import AnnealCore
import Foundation

/// The SageMaker training-container contract: the files under `/opt/ml/input/config` and the `SM_*`
/// variables the sagemaker-training toolkit would set, so scripts written for SageMaker run unchanged.
public struct ContainerContract: Sendable {
    public let spec: TrainingJobSpec
    public let hostIndex: Int
    public let arn: String
    public let region: String
    /// The path scripts see as /opt/ml (the real one inside the sandbox, the job directory outside).
    public let root: String

    public init(spec: TrainingJobSpec, hostIndex: Int, arn: String, region: String, root: String) {
        self.spec = spec
        self.hostIndex = hostIndex
        self.arn = arn
        self.region = region
        self.root = root
    }

    public var hosts: [String] { (1...max(1, spec.instanceCount)).map { "algo-\($0)" }.sorted() }
    public var currentHost: String { "algo-\(hostIndex)" }

    /// Hyperparameters as the toolkit decodes them: JSON when a value parses as JSON, else the string.
    public static func decode(_ value: String) -> Any {
        if let parsed = try? JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed) { return parsed }
        return value
    }

    /// `sagemaker_*` keys are the framework's own parameters, not the user's.
    static func isFrameworkParameter(_ key: String) -> Bool { key.hasPrefix("sagemaker_") || key == "_tuning_objective_metric" }

    public var userHyperParameters: [(key: String, value: Any)] {
        spec.hyperParameters.filter { !Self.isFrameworkParameter($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, Self.decode($0.value)) }
    }

    public var program: String? { spec.hyperParameters["sagemaker_program"].map { Self.decode($0) as? String ?? $0 } }
    public var submitDirectory: String? { spec.hyperParameters["sagemaker_submit_directory"].map { Self.decode($0) as? String ?? $0 } }

    /// `--key value` pairs sorted by key, values as Python's `str()` prints them.
    public var userArguments: [String] {
        userHyperParameters.flatMap { ["--\($0.key)", Self.pythonString($0.value, raw: spec.hyperParameters[$0.key] ?? "")] }
    }

    static func pythonString(_ value: Any, raw: String) -> String {
        // On Linux any NSNumber casts to Bool (1 as? Bool is true): booleans are told apart by their text.
        let text = raw.trimmingCharacters(in: .whitespaces)
        switch value {
        case let string as String: return string
        case is NSNumber where text == "true" || text == "false": return text == "true" ? "True" : "False"
        case is Int, is Double, is NSNumber: return text
        default: return json(value)
        }
    }

    static func json(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    public var resourceConfig: [String: Any] {
        ["current_host": currentHost, "current_instance_type": spec.instanceType, "current_group_name": "homogeneousCluster",
         "hosts": hosts, "network_interface_name": "eth0",
         "instance_groups": [["instance_group_name": "homogeneousCluster", "instance_type": spec.instanceType, "hosts": hosts]]]
    }

    public var inputDataConfig: [String: Any] {
        var config: [String: Any] = [:]
        for channel in spec.channels {
            var entry: [String: Any] = ["TrainingInputMode": (channel.inputMode ?? spec.inputMode) == "FastFile" ? "File" : (channel.inputMode ?? spec.inputMode),
                                        "S3DistributionType": channel.distribution, "RecordWrapperType": "None"]
            if let contentType = channel.contentType { entry["ContentType"] = contentType }
            config[channel.name] = entry
        }
        return config
    }

    /// Writes hyperparameters.json, resourceconfig.json, inputdataconfig.json (and checkpointconfig.json).
    public func writeConfigFiles(into directory: String) throws {
        let config = directory + "/input/config"
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: true)
        try write(spec.hyperParameters, to: config + "/hyperparameters.json")
        try write(resourceConfig, to: config + "/resourceconfig.json")
        try write(inputDataConfig, to: config + "/inputdataconfig.json")
        if let uri = spec.checkpointS3URI {
            try write(["LocalPath": spec.checkpointLocalPath, "S3Uri": uri], to: config + "/checkpointconfig.json")
        }
    }

    private func write(_ value: Any, to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Every variable the toolkit's `Environment.to_env_vars()` sets, plus the job's own.
    public func environment(cpus: Int, gpus: Int) -> [String: String] {
        let channels = spec.channels.map(\.name).sorted()
        let hps = Dictionary(uniqueKeysWithValues: userHyperParameters.map { ($0.key, $0.value) })
        let framework = Dictionary(uniqueKeysWithValues: spec.hyperParameters.filter { Self.isFrameworkParameter($0.key) }
            .map { ($0.key, Self.decode($0.value)) })
        let group: [String: Any] = ["instance_group_name": "homogeneousCluster", "instance_type": spec.instanceType, "hosts": hosts]
        var env: [String: String] = [
            "SM_MODEL_DIR": root + "/model", "SM_OUTPUT_DIR": root + "/output", "SM_OUTPUT_DATA_DIR": root + "/output/data",
            "SM_OUTPUT_INTERMEDIATE_DIR": root + "/output/intermediate", "SM_INPUT_DIR": root + "/input",
            "SM_INPUT_CONFIG_DIR": root + "/input/config", "SM_CHANNELS": Self.json(channels),
            "SM_CURRENT_HOST": currentHost, "SM_HOSTS": Self.json(hosts), "SM_NETWORK_INTERFACE_NAME": "eth0",
            "SM_CURRENT_INSTANCE_TYPE": spec.instanceType, "SM_CURRENT_INSTANCE_GROUP": "homogeneousCluster",
            "SM_CURRENT_INSTANCE_GROUP_HOSTS": Self.json(hosts), "SM_INSTANCE_GROUPS": Self.json(["homogeneousCluster"]),
            "SM_INSTANCE_GROUPS_DICT": Self.json(["homogeneousCluster": group]), "SM_DISTRIBUTION_INSTANCE_GROUPS": "[]",
            "SM_IS_HETERO": "false", "SM_NUM_CPUS": String(cpus), "SM_NUM_GPUS": String(gpus), "SM_NUM_NEURONS": "0",
            "SM_HPS": Self.json(hps), "SM_USER_ARGS": Self.json(userArguments), "SM_FRAMEWORK_PARAMS": "{}",
            "SM_RESOURCE_CONFIG": Self.json(resourceConfig), "SM_INPUT_DATA_CONFIG": Self.json(inputDataConfig),
            "SM_LOG_LEVEL": spec.hyperParameters["sagemaker_container_log_level"] ?? "20",
            "SM_FRAMEWORK_MODULE": "", "SM_MODULE_DIR": submitDirectory ?? "",
            "SM_USER_ENTRY_POINT": program ?? "", "SM_MODULE_NAME": program.map { ($0 as NSString).deletingPathExtension } ?? "",
            "TRAINING_JOB_NAME": spec.name, "TRAINING_JOB_ARN": arn, "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
            "SAGEMAKER_REGION": region,
        ]
        for channel in channels { env["SM_CHANNEL_\(channel.uppercased())"] = root + "/input/data/" + channel }
        for (key, value) in userHyperParameters {
            env["SM_HP_\(key.uppercased())"] = value as? String ?? Self.json(value)
        }
        var training: [String: Any] = [
            "channel_input_dirs": Dictionary(uniqueKeysWithValues: channels.map { ($0, root + "/input/data/" + $0) }),
            "current_host": currentHost, "hosts": hosts, "hyperparameters": hps, "framework_module": "",
            "input_config_dir": root + "/input/config", "input_data_config": inputDataConfig, "input_dir": root + "/input",
            "job_name": spec.name, "log_level": 20, "model_dir": root + "/model", "module_dir": submitDirectory ?? "",
            "module_name": program.map { ($0 as NSString).deletingPathExtension } ?? "", "network_interface_name": "eth0",
            "num_cpus": cpus, "num_gpus": gpus, "output_data_dir": root + "/output/data", "output_dir": root + "/output",
            "output_intermediate_dir": root + "/output/intermediate", "resource_config": resourceConfig,
            "user_entry_point": program ?? "",
        ]
        training["additional_framework_parameters"] = framework.isEmpty ? [String: Any]() : [String: Any]()
        env["SM_TRAINING_ENV"] = Self.json(training)
        for (key, value) in spec.environment { env[key] = value }
        return env
    }
}
