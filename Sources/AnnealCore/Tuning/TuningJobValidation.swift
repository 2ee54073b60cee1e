/// Validates CreateHyperParameterTuningJob requests as SageMaker does (the model's constraints, then
/// the rules between fields, each message naming the field), and turns a trial into the
/// CreateTrainingJob request of its child job.
public enum TuningJobValidation {
    public static func validate(_ request: JSONValue, seed defaultSeed: UInt64) -> Result<TuningJobSpec, TrainingJobValidationError> {
        switch ModelCheck.check(request, against: SageMakerModel.createHyperParameterTuningJobRequest) {
        case .malformed(let message): return .failure(TrainingJobValidationError(.serialization, message))
        case .invalid(let violations): return .failure(TrainingJobValidationError(.validation, ModelCheckResult.message(violations)))
        case .valid: break
        }
        do {
            return .success(try spec(request, seed: defaultSeed))
        } catch {
            return .failure(TrainingJobValidationError(.validation, error.message))
        }
    }

    struct Invalid: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    static func spec(_ request: JSONValue, seed defaultSeed: UInt64) throws(Invalid) -> TuningJobSpec {
        let config = request["HyperParameterTuningJobConfig"] ?? [:]
        guard let strategy = config["Strategy"]?.string.flatMap(TuningJobSpec.Strategy.init(rawValue:)) else {
            throw Invalid("HyperParameterTuningJobConfig.Strategy must be one of Bayesian, Random, Hyperband or Grid.")
        }
        let single = request["TrainingJobDefinition"]
        let many = request["TrainingJobDefinitions"]?.array
        switch (single, many) {
        case (nil, nil):
            throw Invalid("Either TrainingJobDefinition or TrainingJobDefinitions must be specified.")
        case (.some, .some):
            throw Invalid("Only one of TrainingJobDefinition and TrainingJobDefinitions may be specified.")
        default: break
        }
        let jobObjective = config["HyperParameterTuningJobObjective"]
        let earlyStopping = config["TrainingJobEarlyStoppingType"]?.string == "Auto"
        var definitions: [TuningJobSpec.Definition] = []
        let raw = single.map { [$0] } ?? many ?? []
        var names = Set<String>()
        for (index, definition) in raw.enumerated() {
            let field = single != nil ? "TrainingJobDefinition" : "TrainingJobDefinitions.\(index + 1)"
            let name = definition["DefinitionName"]?.string
            if single == nil {
                guard let name else { throw Invalid("\(field).DefinitionName is required when TrainingJobDefinitions is used.") }
                guard names.insert(name).inserted else { throw Invalid("\(field).DefinitionName '\(name)' is not unique.") }
            }
            guard let objective = definition["TuningObjective"] ?? jobObjective,
                  let metric = objective["MetricName"]?.string, let type = objective["Type"]?.string else {
                throw Invalid("HyperParameterTuningJobConfig.HyperParameterTuningJobObjective (or \(field).TuningObjective) is required.")
            }
            guard definition["ResourceConfig"] != nil || definition["HyperParameterTuningResourceConfig"] != nil else {
                throw Invalid("\(field) must specify ResourceConfig or HyperParameterTuningResourceConfig.")
            }
            guard definition["ResourceConfig"] == nil || definition["HyperParameterTuningResourceConfig"] == nil else {
                throw Invalid("\(field) may specify only one of ResourceConfig and HyperParameterTuningResourceConfig.")
            }
            let algorithm = definition["AlgorithmSpecification"]
            if algorithm?["TrainingImage"]?.string != nil {
                let defined = (algorithm?["MetricDefinitions"]?.array ?? []).compactMap { $0["Name"]?.string }
                guard defined.contains(metric) else {
                    throw Invalid("The objective metric '\(metric)' is not among \(field).AlgorithmSpecification.MetricDefinitions "
                        + "(\(defined.isEmpty ? "none defined" : defined.joined(separator: ", "))): add a MetricDefinition with that Name "
                        + "and a regex that captures its value.")
                }
            }
            guard let rangesJSON = definition["HyperParameterRanges"] ?? config["ParameterRanges"] else {
                throw Invalid("HyperParameterTuningJobConfig.ParameterRanges (or \(field).HyperParameterRanges) is required.")
            }
            let rangesField = definition["HyperParameterRanges"] != nil ? "\(field).HyperParameterRanges" : "HyperParameterTuningJobConfig.ParameterRanges"
            let ranges = try parseRanges(rangesJSON, field: rangesField, strategy: strategy)
            let staticKeys = Set((definition["StaticHyperParameters"]?.object ?? [:]).map(\.key))
            if let clash = ranges.first(where: { staticKeys.contains($0.name) }) {
                throw Invalid("The hyperparameter '\(clash.name)' is both tuned (\(rangesField)) and static (\(field).StaticHyperParameters).")
            }
            definitions.append(TuningJobSpec.Definition(name: name, request: definition, ranges: ranges, objectiveMetric: metric,
                                                        minimize: type == "Minimize"))
        }

        let limits = config["ResourceLimits"]
        let maxParallel = limits?["MaxParallelTrainingJobs"]?.int ?? 1
        var maxJobs = limits?["MaxNumberOfTrainingJobs"]?.int
        if strategy == .grid {
            let combinations = definitions.reduce(0) { $0 + gridSize($1.ranges) }
            maxJobs = min(maxJobs ?? combinations, combinations)
        }
        guard let maxJobs else {
            throw Invalid("HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs is required for the \(strategy.rawValue) strategy.")
        }
        guard maxParallel <= maxJobs || strategy == .grid else {
            throw Invalid("HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs (\(maxParallel)) cannot be greater than "
                + "MaxNumberOfTrainingJobs (\(maxJobs)).")
        }
        let hyperband = config["StrategyConfig"]?["HyperbandStrategyConfig"]
        if strategy == .hyperband {
            if earlyStopping {
                throw Invalid("HyperParameterTuningJobConfig.TrainingJobEarlyStoppingType must be Off with the Hyperband strategy, "
                    + "which stops training jobs itself.")
            }
            if let low = hyperband?["MinResource"]?.int, let high = hyperband?["MaxResource"]?.int, low > high {
                throw Invalid("HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource (\(low)) cannot be greater "
                    + "than MaxResource (\(high)).")
            }
        } else if hyperband != nil {
            throw Invalid("HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig is only valid with the Hyperband strategy.")
        }
        if strategy == .hyperband && hyperband?["MaxResource"] == nil {
            let statics = definitions.first?.request["StaticHyperParameters"]?.object ?? [:]
            guard ["epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs"].contains(where: { statics[$0] != nil }) else {
                throw Invalid("HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MaxResource is required when no "
                    + "static hyperparameter (epochs, numepochs, n-epochs, n_epochs or num_epochs) gives it.")
            }
        }
        if !(config["ParameterRanges"]?["AutoParameters"]?.array ?? []).isEmpty || request["Autotune"] != nil {
            throw Invalid("Autotune and AutoParameters are not supported by Anneal: give explicit IntegerParameterRanges, "
                + "ContinuousParameterRanges or CategoricalParameterRanges.")
        }
        let criteria = config["TuningJobCompletionCriteria"]
        let warm = request["WarmStartConfig"]
        let tags = Dictionary((request["Tags"]?.array ?? []).compactMap { tag -> (String, String)? in
            guard let key = tag["Key"]?.string else { return nil }
            return (key, tag["Value"]?.string ?? "")
        }, uniquingKeysWith: { _, last in last })
        return TuningJobSpec(
            name: request["HyperParameterTuningJobName"]?.string ?? "", request: request, strategy: strategy, definitions: definitions,
            maxTrainingJobs: maxJobs, maxParallelTrainingJobs: maxParallel, maxRuntimeSeconds: limits?["MaxRuntimeInSeconds"]?.int,
            earlyStopping: earlyStopping, hyperbandMinResource: hyperband?["MinResource"]?.int,
            hyperbandMaxResource: hyperband?["MaxResource"]?.int, targetObjective: criteria?["TargetObjectiveMetricValue"]?.number,
            maxJobsNotImproving: criteria?["BestObjectiveNotImproving"]?["MaxNumberOfTrainingJobsNotImproving"]?.int,
            completeOnConvergence: criteria?["ConvergenceDetected"]?["CompleteOnConvergence"]?.string == "Enabled",
            seed: config["RandomSeed"]?.int.map { UInt64(truncatingIfNeeded: $0) } ?? defaultSeed,
            warmStartParents: (warm?["ParentHyperParameterTuningJobs"]?.array ?? []).compactMap { $0["HyperParameterTuningJobName"]?.string },
            warmStartType: warm?["WarmStartType"]?.string, tags: tags)
    }

    /// The ranges of a `ParameterRanges`: parsed here, checked by `SearchSpace` (the strategies'
    /// own view of them), with the field named in every message.
    static func parseRanges(_ json: JSONValue, field: String, strategy: TuningJobSpec.Strategy) throws(Invalid) -> [HyperParameterRange] {
        var ranges: [HyperParameterRange] = []
        for (kind, list) in [("IntegerParameterRanges", json["IntegerParameterRanges"]), ("ContinuousParameterRanges", json["ContinuousParameterRanges"])] {
            for (index, range) in (list?.array ?? []).enumerated() {
                let at = "\(field).\(kind).\(index + 1)"
                let name = range["Name"]?.string ?? ""
                let scaling = ScalingType(rawValue: range["ScalingType"]?.string ?? "Auto") ?? .auto
                guard let low = range["MinValue"]?.string.flatMap(Double.init), let high = range["MaxValue"]?.string.flatMap(Double.init) else {
                    throw Invalid("\(at): MinValue and MaxValue of '\(name)' must be numbers.")
                }
                if kind == "IntegerParameterRanges" {
                    guard low == low.rounded(), high == high.rounded(), abs(low) < 1e15, abs(high) < 1e15 else {
                        throw Invalid("\(at): MinValue and MaxValue of the integer hyperparameter '\(name)' must be integers.")
                    }
                    ranges.append(.integer(name: name, min: Int(low), max: Int(high), scaling: scaling))
                } else {
                    ranges.append(.continuous(name: name, min: low, max: high, scaling: scaling))
                }
            }
        }
        for range in json["CategoricalParameterRanges"]?.array ?? [] {
            ranges.append(.categorical(name: range["Name"]?.string ?? "", values: (range["Values"]?.array ?? []).compactMap(\.string)))
        }
        do {
            try SearchSpace(ranges: ranges).validate(strategy: strategy.rawValue)
        } catch {
            throw Invalid("\(field).\(error.message)")
        }
        return ranges
    }

    /// The number of combinations a Grid search has.
    public static func gridSize(_ ranges: [HyperParameterRange]) -> Int {
        (try? SearchSpace(ranges: ranges))?.gridSize ?? 0
    }

    /// The CreateTrainingJob request of trial `index` (child `name`), as SageMaker builds it from the
    /// definition: static and tuned hyperparameters (plus `_tuning_objective_metric`), the
    /// definition's algorithm, data, resources and stopping condition, the tuning job's tags.
    public static func childRequest(_ job: TuningJob, definition: TuningJobSpec.Definition, name: String,
                                    configuration: Configuration) -> JSONValue {
        let source = definition.request
        var hyperparameters = source["StaticHyperParameters"]?.object ?? [:]
        for (key, value) in configuration { hyperparameters[key] = .string(value) }
        hyperparameters["_tuning_objective_metric"] = .string(definition.objectiveMetric)
        var members: [(String, JSONValue?)] = [
            ("TrainingJobName", .string(name)),
            ("HyperParameters", .object(hyperparameters)),
            ("AlgorithmSpecification", source["AlgorithmSpecification"]),
            ("RoleArn", source["RoleArn"]),
            ("InputDataConfig", source["InputDataConfig"]),
            ("OutputDataConfig", source["OutputDataConfig"]),
            ("StoppingCondition", source["StoppingCondition"]),
        ]
        if let resources = source["ResourceConfig"] {
            members.append(("ResourceConfig", resources))
        } else if let tuning = source["HyperParameterTuningResourceConfig"] {
            let resources: [(String, JSONValue?)] = [("InstanceType", tuning["InstanceType"]), ("InstanceCount", tuning["InstanceCount"] ?? .number(1)),
                                                     ("VolumeSizeInGB", tuning["VolumeSizeInGB"] ?? .number(30)),
                                                     ("VolumeKmsKeyId", tuning["VolumeKmsKeyId"])]
            members.append(("ResourceConfig", .members(resources)))
        }
        for key in ["VpcConfig", "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining",
                    "CheckpointConfig", "RetryStrategy", "Environment"] {
            members.append((key, source[key]))
        }
        if let tags = job.spec.request["Tags"], !(tags.array ?? []).isEmpty { members.append(("Tags", tags)) }
        return .members(members)
    }
}
