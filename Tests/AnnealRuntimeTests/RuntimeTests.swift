import AnnealCore
import Foundation
import Glibc
import Synchronization
import Testing
@testable import AnnealRuntime

func spec(hyper: [String: String] = [:], channels: [Channel] = [], count: Int = 1) -> TrainingJobSpec {
    TrainingJobSpec(name: "job-1", request: .object([:]), roleARN: "arn:aws:iam::123456789012:role/R", trainingImage: "anneal/python:3",
                    inputMode: "File", containerEntrypoint: nil, containerArguments: nil, metricDefinitions: [],
                    hyperParameters: hyper, environment: ["FOO": "bar"], channels: channels, outputS3Path: "s3://b/out",
                    outputCompression: "GZIP", instanceType: "ml.m5.large", instanceCount: count, volumeSizeGB: 30,
                    keepAliveSeconds: nil, maxRuntimeSeconds: 60, maxWaitSeconds: nil, maxPendingSeconds: nil, managedSpot: false,
                    checkpointS3URI: nil, checkpointLocalPath: "/opt/ml/checkpoints", retryAttempts: nil, tags: [:], tuningJobARN: nil)
}

@Suite struct ContainerContractTests {
    /// SM_NUM_GPUS counts what the worker was given: a cluster's CUDA_VISIBLE_DEVICES first.
    @Test func visibleGPUsFollowTheClustersDevices() {
        #expect(TrainingWorker.visibleGPUs(environment: ["CUDA_VISIBLE_DEVICES": "0,1"]) == 2)
        #expect(TrainingWorker.visibleGPUs(environment: ["CUDA_VISIBLE_DEVICES": "3"]) == 1)
        #expect(TrainingWorker.visibleGPUs(environment: ["CUDA_VISIBLE_DEVICES": ""]) == 0)
        #expect(TrainingWorker.visibleGPUs(environment: ["CUDA_VISIBLE_DEVICES": "-1"]) == 0)
    }

    @Test func hyperparametersAreDecodedAsTheToolkitDoes() {
        let contract = ContainerContract(spec: spec(hyper: ["epochs": "10", "lr": "0.1", "name": "\"abc\"", "flag": "true", "one": "1", "zero": "0",
                                                            "sagemaker_program": "\"train.py\"", "_tuning_objective_metric": "f1"]),
                                         hostIndex: 1, arn: "arn", region: "us-east-1", root: "/opt/ml")
        #expect(contract.program == "train.py")
        #expect(contract.userArguments == ["--epochs", "10", "--flag", "True", "--lr", "0.1", "--name", "abc", "--one", "1", "--zero", "0"])
        let env = contract.environment(cpus: 2, gpus: 0)
        let hps = try? JSONSerialization.jsonObject(with: Data(env["SM_HPS"]!.utf8)) as? [String: Any]
        #expect(hps?.keys.sorted() == ["epochs", "flag", "lr", "name", "one", "zero"])
        #expect(env["SM_HP_NAME"] == "abc" && env["SM_HP_EPOCHS"] == "10" && env["SM_HP_ONE"] == "1" && env["SM_HP_FLAG"] == "true")
        #expect(env["FOO"] == "bar" && env["SM_NUM_CPUS"] == "2" && env["TRAINING_JOB_NAME"] == "job-1")
    }

    @Test func hostsAndChannels() throws {
        let channel = Channel(name: "train", s3URI: "s3://b/data/")
        let contract = ContainerContract(spec: spec(channels: [channel], count: 3), hostIndex: 2, arn: "arn", region: "r", root: "/opt/ml")
        #expect(contract.hosts == ["algo-1", "algo-2", "algo-3"] && contract.currentHost == "algo-2")
        let env = contract.environment(cpus: 1, gpus: 0)
        #expect(env["SM_CHANNEL_TRAIN"] == "/opt/ml/input/data/train" && env["SM_CHANNELS"] == "[\"train\"]")
        let directory = NSTemporaryDirectory() + "contract-" + UUID().uuidString
        try contract.writeConfigFiles(into: directory)
        let resource = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/input/config/resourceconfig.json"))) as? [String: Any]
        #expect(resource?["current_host"] as? String == "algo-2")
        #expect(resource?["hosts"] as? [String] == ["algo-1", "algo-2", "algo-3"])
    }
}

@Suite struct StagingTests {
    @Test(arguments: [("data/a.csv", "data/", "a.csv"), ("data/x/y.csv", "data/", "x/y.csv"), ("data/file.csv", "data/file.csv", "file.csv"),
                      ("data//z", "data/", "z")])
    func keysBecomeRelativePaths(key: String, prefix: String, expected: String) {
        #expect(TrainingWorker.relativePath(key: key, prefix: prefix) == expected)
    }

    @Test(arguments: ["data/../../etc/passwd", "data/./x", "data/.."])
    func keysThatWouldEscapeAreRefused(key: String) {
        #expect(TrainingWorker.relativePath(key: key, prefix: "data/") == nil)
    }
}

@Suite struct RuntimeResolverTests {
    @Test func scikitLearnImagesMapToVersions() {
        #expect(RuntimeResolver.scikitLearnVersion("246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3") == "1.2")
        #expect(RuntimeResolver.scikitLearnVersion("x/sagemaker-scikit-learn:0.23-1-cpu-py3") == "0.23")
        #expect(RuntimeResolver.scikitLearnVersion("x/other:1.2") == nil)
        #expect(RuntimeResolver.requirements(for: "0.23").first == "scikit-learn==1.1.*")
        #expect(RuntimeResolver.requirements(for: "1.2").contains("numpy<2"))
        #expect(RuntimeResolver.requirements(for: "1.5").first == "scikit-learn==1.5.*")
    }

    @Test func unknownImagesAreClientErrors() throws {
        let resolver = RuntimeResolver(directory: "/nonexistent", systemPython: "/usr/bin/python3")
        #expect(throws: RuntimeError.self) { _ = try resolver.resolve(image: "123.dkr.ecr/unknown:1", log: { _ in }) }
        #expect(try resolver.resolve(image: "anneal/python:3", log: { _ in }).python == "/usr/bin/python3")
    }

    @Test func sandboxHidesHomeAndBindsTheJob() {
        let args = Sandbox.command(["python", "x.py"], jobDirectory: "/h/jobs/j/algo-1", hidden: ["/h"], exposed: ["/h/runtimes/r"],
                                   hostsFile: "/h/jobs/j/algo-1/.hosts", hostName: "algo-1", workingDirectory: "/opt/ml/code")
        let joined = args.joined(separator: " ")
        #expect(joined.contains("--tmpfs /h --ro-bind /h/runtimes/r /h/runtimes/r --bind /h/jobs/j/algo-1 /opt/ml"))
        #expect(joined.contains("--cap-drop ALL") && joined.hasSuffix("-- python x.py"))
    }
}

@Suite struct ChildProcessesTests {
    @Test func exitCodesAndSignalsAreReported() async throws {
        let processes = ChildProcesses()
        let exited: ProcessExit = try await withCheckedThrowingContinuation { continuation in
            do { _ = try processes.spawn(["/bin/sh", "-c", "exit 3"], environment: [:], onExit: { continuation.resume(returning: $0) }) } catch {
                continuation.resume(throwing: error)
            }
        }
        #expect(exited == .exited(3))
        let pid = Mutex<Int32>(0)
        let killed: ProcessExit = try await withCheckedThrowingContinuation { continuation in
            do {
                let started = try processes.spawn(["/bin/sleep", "30"], environment: [:], onExit: { continuation.resume(returning: $0) })
                pid.withLock { $0 = started }
                processes.signal(started, SIGTERM)
            } catch {
                continuation.resume(throwing: error)
            }
        }
        #expect(killed == .signaled(SIGTERM))
        #expect(throws: SpawnError.self) { _ = try processes.spawn([], environment: [:], onExit: { _ in }) }
    }
}
