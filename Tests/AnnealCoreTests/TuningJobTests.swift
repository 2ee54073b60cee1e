import Foundation
import Testing
@testable import AnnealCore

/// A CreateHyperParameterTuningJob request as the SDK sends it, with `change` applied.
func tuningRequest(strategy: String = "Bayesian", _ change: (inout [String: Any]) -> Void = { _ in }) -> JSONValue {
    var definition: [String: Any] = [
        "StaticHyperParameters": ["epochs": "5", "sagemaker_program": "\"train.py\""],
        "AlgorithmSpecification": ["TrainingImage": "anneal/python:3", "TrainingInputMode": "File",
                                   "MetricDefinitions": [["Name": "f1", "Regex": "F1: ([0-9.]+)"]]],
        "RoleArn": "arn:aws:iam::123456789012:role/R",
        "OutputDataConfig": ["S3OutputPath": "s3://b/out"],
        "HyperParameterTuningResourceConfig": ["InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30],
        "StoppingCondition": ["MaxRuntimeInSeconds": 600],
    ]
    var request: [String: Any] = [
        "HyperParameterTuningJobName": "tune-1",
        "HyperParameterTuningJobConfig": [
            "Strategy": strategy,
            "HyperParameterTuningJobObjective": ["Type": "Maximize", "MetricName": "f1"],
            "ResourceLimits": ["MaxNumberOfTrainingJobs": 20, "MaxParallelTrainingJobs": 4],
            "ParameterRanges": [
                "ContinuousParameterRanges": [["Name": "lr", "MinValue": "0.0001", "MaxValue": "0.1", "ScalingType": "Logarithmic"]],
                "IntegerParameterRanges": [["Name": "depth", "MinValue": "2", "MaxValue": "8"]],
                "CategoricalParameterRanges": [["Name": "kernel", "Values": ["rbf", "linear"]]],
            ],
        ],
        "TrainingJobDefinition": definition,
        "Tags": [["Key": "team", "Value": "sorts"]],
    ]
    change(&request)
    definition = request["TrainingJobDefinition"] as? [String: Any] ?? definition
    let data = try! JSONSerialization.data(withJSONObject: request)
    return try! JSONValue.parse(Array(data))
}

func validated(_ request: JSONValue) -> Result<TuningJobSpec, TrainingJobValidationError> {
    TuningJobValidation.validate(request, seed: 42)
}

@Suite struct TuningJobValidationTests {
    @Test func aRequestAsTheSDKSendsItIsAccepted() throws {
        let spec = try validated(tuningRequest()).get()
        #expect(spec.strategy == .bayesian && spec.maxTrainingJobs == 20 && spec.maxParallelTrainingJobs == 4)
        #expect(spec.objectiveMetric == "f1" && !spec.minimize && spec.seed == 42 && spec.tags == ["team": "sorts"])
        #expect(spec.definitions.count == 1 && spec.definitions[0].ranges.map(\.name) == ["depth", "lr", "kernel"])
    }

    @Test(arguments: [
        ("objective", "The objective metric 'accuracy' is not among TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions"),
        ("grid", "the Grid strategy takes only categorical and integer ranges"),
        ("log0", "ScalingType Logarithmic needs a MinValue greater than 0"),
        ("minmax", "cannot be greater than MaxValue"),
        ("hyperbandAuto", "must be Off with the Hyperband strategy"),
        ("parallel", "cannot be greater than MaxNumberOfTrainingJobs"),
        ("both", "Only one of TrainingJobDefinition and TrainingJobDefinitions"),
        ("static", "is both tuned"),
        ("auto", "AutoParameters are not supported"),
    ])
    func badRequestsNameTheField(_ case: String, _ message: String) {
        let request = tuningRequest(strategy: `case` == "grid" ? "Grid" : `case` == "hyperbandAuto" ? "Hyperband" : "Bayesian") { request in
            var config = request["HyperParameterTuningJobConfig"] as! [String: Any]
            var ranges = config["ParameterRanges"] as! [String: Any]
            var definition = request["TrainingJobDefinition"] as! [String: Any]
            switch `case` {
            case "objective": config["HyperParameterTuningJobObjective"] = ["Type": "Maximize", "MetricName": "accuracy"]
                definition["AlgorithmSpecification"] = ["TrainingImage": "anneal/python:3", "TrainingInputMode": "File",
                                                        "MetricDefinitions": [["Name": "f1x", "Regex": "x"]]]
            case "log0": ranges["ContinuousParameterRanges"] = [["Name": "lr", "MinValue": "0", "MaxValue": "1", "ScalingType": "Logarithmic"]]
            case "minmax": ranges["IntegerParameterRanges"] = [["Name": "depth", "MinValue": "9", "MaxValue": "8"]]
            case "hyperbandAuto": config["TrainingJobEarlyStoppingType"] = "Auto"
            case "parallel": config["ResourceLimits"] = ["MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 4]
            case "both": request["TrainingJobDefinitions"] = [definition]
            case "static": definition["StaticHyperParameters"] = ["depth": "3"]
            case "auto": ranges["AutoParameters"] = [["Name": "x", "ValueHint": "1"]]
            default: break
            }
            config["ParameterRanges"] = ranges
            request["HyperParameterTuningJobConfig"] = config
            request["TrainingJobDefinition"] = definition
        }
        switch validated(request) {
        case .success: Issue.record("\(`case`) was accepted")
        case .failure(let error):
            #expect(error.kind == .validation)
            #expect(error.message.contains(message), "\(`case`): \(error.message)")
        }
    }

    @Test func gridWithoutALimitRunsEveryCombination() throws {
        let request = tuningRequest(strategy: "Grid") { request in
            var config = request["HyperParameterTuningJobConfig"] as! [String: Any]
            config["ResourceLimits"] = ["MaxParallelTrainingJobs": 2]
            config["ParameterRanges"] = ["IntegerParameterRanges": [["Name": "depth", "MinValue": "2", "MaxValue": "4"]],
                                         "CategoricalParameterRanges": [["Name": "kernel", "Values": ["rbf", "linear"]]]]
            request["HyperParameterTuningJobConfig"] = config
        }
        #expect(try validated(request).get().maxTrainingJobs == 6)
    }

    @Test func childJobsAreNamedAndBuiltAsSageMakerBuildsThem() throws {
        let spec = try validated(tuningRequest()).get()
        let job = TuningJob.new(spec: spec, accountID: "123456789012", region: "us-east-1", at: 0)
        let name = job.childName(7)
        #expect(name.wholeMatch(of: /tune-1-007-[0-9a-f]{8}/) != nil)
        #expect(job.childName(7) == name && job.childName(8) != name)
        let child = TuningJobValidation.childRequest(job, definition: spec.definitions[0], name: name,
                                                     configuration: ["lr": "0.01", "depth": "3", "kernel": "rbf"])
        let hyper = child["HyperParameters"]?.object ?? [:]
        #expect(hyper["lr"] == .string("0.01") && hyper["epochs"] == .string("5") && hyper["_tuning_objective_metric"] == .string("f1"))
        #expect(child["ResourceConfig"]?["InstanceType"] == .string("ml.m5.large"))
        #expect(child["Tags"]?.array?.count == 1)
        guard case .success(let trainingSpec) = TrainingJobValidation.validate(child, accountID: "123456789012", region: "us-east-1") else {
            Issue.record("the child request is not a valid CreateTrainingJob request")
            return
        }
        #expect(trainingSpec.name == name && trainingSpec.instanceType == "ml.m5.large")
    }
}

@Suite struct TuningTrialTests {
    func trial(_ name: String, _ status: TrainingJobStatus, _ objective: Double?, at time: Double, reason: String? = nil) -> TuningTrial {
        let spec = TrainingJobSpec(name: name, request: .object([:]), roleARN: "r", trainingImage: "i", inputMode: "File",
                                   outputS3Path: "s3://b/o", instanceType: "ml.m5.large")
        var job = TrainingJob.new(spec: spec, accountID: "123456789012", region: "us-east-1", at: time)
        job.status = status
        job.failureReason = reason
        return TuningTrial(job: job, configuration: [:], definitionName: nil, objective: objective, earlyStopped: false)
    }

    @Test func bestAndNotImprovingFollowTheObjectiveDirection() {
        let trials = [trial("a", .completed, 0.5, at: 1), trial("b", .completed, 0.9, at: 2), trial("c", .stopped, 0.7, at: 3),
                      trial("d", .completed, 0.8, at: 4), trial("e", .failed, nil, at: 5), trial("f", .inProgress, nil, at: 6)]
        #expect(TuningJob.best(trials, minimize: false)?.job.name == "b")
        #expect(TuningJob.best(trials, minimize: true)?.job.name == "a")
        #expect(TuningJob.notImproving(trials, minimize: false) == 2)
        #expect(TuningJob.notImproving(trials, minimize: true) == 3)
        #expect(trials.map(\.objectiveStatus) == ["Succeeded", "Succeeded", "Succeeded", "Succeeded", "Failed", "Pending"])
    }

    @Test func convergenceNeedsResultsAndAFlatTail() {
        let improving = (0..<30).map { trial("i\($0)", .completed, 10 - Double($0) * 0.1, at: Double($0)) }
        #expect(!TuningJob.converged(improving, minimize: true))
        #expect(TuningJob.converged(improving, minimize: false))  // maximising, the first was the best
        let flat = (0..<30).map { trial("f\($0)", .completed, $0 < 12 ? 10 - Double($0) : 5 + Double($0 % 3), at: Double($0)) }
        #expect(TuningJob.converged(flat, minimize: true))
        #expect(!TuningJob.converged(Array(flat.prefix(9)), minimize: true))
    }

    @Test func platformFailuresAreRetryableAndAlgorithmFailuresAreNot() {
        #expect(trial("a", .failed, nil, at: 1, reason: "InternalServerError: the instance algo-1 ended").failedRetryably)
        #expect(!trial("b", .failed, nil, at: 1, reason: "AlgorithmError: exit 1").failedRetryably)
        #expect(!trial("c", .completed, 1, at: 1).failedRetryably)
    }
}
