import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealHTTP
import AnnealStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing
@testable import AnnealServices

/// What the service told the runtime.
final class RecordingScheduler: TrainingJobScheduler {
    let calls = Mutex<[String]>([])
    func jobCreated(_ name: String) { calls.withLock { $0.append("created \(name)") } }
    func stopRequested(_ name: String) { calls.withLock { $0.append("stop \(name)") } }
}

final class SageMakerTestClock: Sendable {
    let now = Mutex<Double>(1_700_000_000.25)
    func advance(_ seconds: Double) { now.withLock { $0 += seconds } }
    var reading: @Sendable () -> Double { { self.now.withLock { $0 } } }
}

/// Allows everything but the listed actions.
struct DenyingPolicy: AccessPolicy {
    let denied: Set<String>
    func decide(_ request: AuthorizationRequest) -> AuthorizationDecision {
        denied.contains(request.action) ? .deny("\(request.action) on \(request.resource) is denied by the test policy") : .allow
    }
}

/// A real server with the SageMaker service on an ephemeral port, driven over HTTP with signed requests.
final class SageMakerFixture: Sendable {
    let server: HTTPServer
    let admin: Bootstrap.Administrator
    let jobs: TrainingJobStore
    let scheduler = RecordingScheduler()
    let clock = SageMakerTestClock()
    let region = "us-west-2"

    init(policy: any AccessPolicy = AdministratorOnlyPolicy()) throws {
        let home = NSTemporaryDirectory() + "anneal-sm-" + UUID().uuidString
        try SafeFile.makeDirectory(home)
        let database = try Database(path: home + "/anneal.db")
        let box = try SecretBox(key: try Bootstrap.secretKey(home: home))
        let identity = IdentityStore(database: database)
        admin = try Bootstrap.administrator(identity: identity, box: box, now: Int64(Date().timeIntervalSince1970))
        jobs = TrainingJobStore(database: database)
        let service = SageMakerService(jobs: jobs, accountID: admin.accountID, region: region, scheduler: scheduler,
                                       clock: clock.reading)
        let gateway = Gateway(services: ServiceDirectory(json: [service]), credentials: CredentialResolver(identity: identity, box: box),
                              policy: policy, metrics: PlatformMetrics(), logger: Logger(minimumLevel: .error))
        var config = HTTPServerConfig()
        config.port = 0
        server = try HTTPServer(config: config, handler: gateway)
    }

    deinit { server.shutdown(grace: .seconds(1)) }

    func arn(_ name: String) -> String { "arn:aws:sagemaker:\(region):\(admin.accountID):training-job/\(name.lowercased())" }

    struct Reply {
        var status: Int
        var headers: [String: String]
        var text: String
        var json: JSONValue { (try? JSONValue.parse(text)) ?? .null }
        var code: String? { json["__type"]?.string }
        var message: String? { json["message"]?.string }
    }

    /// Calls `SageMaker.<operation>` with a JSON body.
    func call(_ operation: String, _ body: String) async throws -> Reply {
        let headers = [("host", "127.0.0.1:\(server.port)"), ("content-type", "application/x-amz-json-1.1"),
                       ("x-amz-target", "SageMaker.\(operation)")]
        let signer = SigV4Signer(accessKeyID: admin.accessKeyID, secret: admin.secret, region: region, service: "sagemaker")
        let signed = signer.sign(method: "POST", rawPath: "/", headers: headers, payloadHash: SHA256.hex(Array(body.utf8)),
                                 time: Int64(Date().timeIntervalSince1970))
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        for (name, value) in signed where name != "host" { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headerMap: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headerMap[String(describing: name).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, headers: headerMap, text: String(decoding: data, as: UTF8.self))
    }

    func call(_ operation: String, _ body: JSONValue) async throws -> Reply {
        try await call(operation, body.serialized)
    }

    /// Creates a minimal job (the SDK body with another name) and returns its ARN.
    @discardableResult
    func create(_ name: String, tick: Double = 1) async throws -> String {
        clock.advance(tick)
        let reply = try await call("CreateTrainingJob", sageMakerSDKBody(name: name))
        #expect(reply.status == 200, "\(reply.text)")
        return reply.json["TrainingJobArn"]?.string ?? ""
    }
}

/// The CreateTrainingJob body the sagemaker SDK v2 sends for `SKLearn(...).fit(...)`
/// (aws-wire-contract.md §3), with a job name of our choice.
private func sageMakerSDKBody(name: String = "sk-job-1") -> String {
    #"""
    {"AlgorithmSpecification":{"TrainingInputMode":"File","TrainingImage":"246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3","MetricDefinitions":[{"Name":"validation:loss","Regex":"val_loss=([0-9\\.]+)"}]},
     "OutputDataConfig":{"S3OutputPath":"s3://my-bucket/"},"TrainingJobName":"NAME",
     "StoppingCondition":{"MaxRuntimeInSeconds":86400},
     "ResourceConfig":{"VolumeSizeInGB":30,"InstanceCount":1,"InstanceType":"ml.m5.large"},
     "RoleArn":"arn:aws:iam::123456789012:role/SageMakerRole",
     "InputDataConfig":[{"DataSource":{"S3DataSource":{"S3DataType":"S3Prefix","S3Uri":"s3://my-bucket/data/train","S3DataDistributionType":"FullyReplicated"}},"ChannelName":"train"}],
     "HyperParameters":{"epochs":"10","lr":"0.1","name":"\"abc\"","flag":"true",
       "sagemaker_submit_directory":"\"s3://my-bucket/sk-job-1/source/sourcedir.tar.gz\"",
       "sagemaker_program":"\"train.py\"","sagemaker_container_log_level":"20",
       "sagemaker_job_name":"\"sk-job-1\"","sagemaker_region":"\"us-west-2\""},
     "DebugHookConfig":{"S3OutputPath":"s3://my-bucket/","CollectionConfigurations":[]},
     "ProfilerConfig":{"S3OutputPath":"s3://my-bucket/","DisableProfiler":false},
     "Tags":[{"Key":"team","Value":"sorts"},{"Key":"env","Value":"test"}]}
    """#.replacingOccurrences(of: "NAME", with: name)
}

@Suite(.serialized) struct SageMakerServiceTests {
    @Test func createThenDescribeEchoesTheRequest() async throws {
        let fixture = try SageMakerFixture()
        let created = try await fixture.call("CreateTrainingJob", sageMakerSDKBody())
        #expect(created.status == 200 && created.headers["content-type"] == "application/x-amz-json-1.1")
        #expect(created.json == ["TrainingJobArn": .string(fixture.arn("sk-job-1"))])
        #expect(fixture.scheduler.calls.withLock { $0 } == ["created sk-job-1"])

        let described = try await fixture.call("DescribeTrainingJob", #"{"TrainingJobName":"sk-job-1"}"#)
        #expect(described.status == 200)
        let reply = described.json
        let request = try JSONValue.parse(sageMakerSDKBody())
        for (member, value) in request.object ?? [:] where member != "Tags" {
            #expect(reply[member] == value, "\(member)")
        }
        #expect(reply["Tags"] == nil)
        #expect(reply["TrainingJobArn"]?.string == fixture.arn("sk-job-1"))
        #expect(reply["ModelArtifacts"] == ["S3ModelArtifacts": "s3://my-bucket/sk-job-1/output/model.tar.gz"])
        #expect(reply["TrainingJobStatus"] == "InProgress" && reply["SecondaryStatus"] == "Starting")
        #expect(reply["CreationTime"]?.number == 1_700_000_000.25 && reply["LastModifiedTime"]?.number == 1_700_000_000.25)
        #expect(reply["SecondaryStatusTransitions"] == [["Status": "Starting", "StartTime": 1_700_000_000.25,
                                                         "StatusMessage": "Starting the training job"]])
        #expect(reply["FinalMetricDataList"] == [])
        #expect(reply["EnableManagedSpotTraining"] == false && reply["EnableNetworkIsolation"] == false)
        #expect(reply["TrainingStartTime"] == nil && reply["FailureReason"] == nil && reply["BillableTimeInSeconds"] == nil)
        // Integers come back as integers.
        #expect(described.text.contains(#""MaxRuntimeInSeconds":86400"#) && described.text.contains(#""InstanceCount":1"#))
    }

    @Test func describeFillsTheDefaultsTheSDKReads() async throws {
        let fixture = try SageMakerFixture()
        var request = try JSONValue.parse(sageMakerSDKBody(name: "bare"))
        var members = request.object ?? [:]
        members["StoppingCondition"] = nil
        members["ResourceConfig"] = ["InstanceCount": 2, "InstanceType": "ml.m5.xlarge"]
        request = .object(members)
        #expect(try await fixture.call("CreateTrainingJob", request).status == 200)
        let reply = try await fixture.call("DescribeTrainingJob", #"{"TrainingJobName":"bare"}"#).json
        #expect(reply["StoppingCondition"] == ["MaxRuntimeInSeconds": 86400])
        #expect(reply["ResourceConfig"] == ["InstanceCount": 2, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30])
    }

    @Test func describeShowsTheLifecycle() async throws {
        let fixture = try SageMakerFixture()
        try await fixture.create("life")
        try fixture.jobs.update(named: "life") { job in
            _ = job.apply(.training, at: 1_700_000_010)
            _ = job.apply(.metrics([MetricValue(metricName: "validation:loss", value: 0.25, timestamp: 1_700_000_015)]), at: 1_700_000_015)
            _ = job.apply(.failed(reason: "AlgorithmError: boom"), at: 1_700_000_020)
        }
        let reply = try await fixture.call("DescribeTrainingJob", #"{"TrainingJobName":"LIFE"}"#).json
        #expect(reply["TrainingJobStatus"] == "Failed" && reply["SecondaryStatus"] == "Failed")
        #expect(reply["FailureReason"] == "AlgorithmError: boom")
        #expect(reply["TrainingStartTime"] == 1_700_000_010 && reply["TrainingEndTime"] == 1_700_000_020)
        #expect(reply["TrainingTimeInSeconds"] == 10 && reply["BillableTimeInSeconds"] == 10)
        #expect(reply["FinalMetricDataList"] == [["MetricName": "validation:loss", "Value": 0.25, "Timestamp": 1_700_000_015]])
        let transitions = reply["SecondaryStatusTransitions"]?.array ?? []
        #expect(transitions.map { $0["Status"]?.string ?? "" } == ["Starting", "Training", "Failed"])
        #expect(transitions.allSatisfy { $0["StatusMessage"]?.string?.isEmpty == false })
        #expect(transitions[0]["EndTime"] == 1_700_000_010)
    }

    @Test func createErrors() async throws {
        let fixture = try SageMakerFixture()
        try await fixture.create("sk-job-1")
        let duplicate = try await fixture.call("CreateTrainingJob", sageMakerSDKBody(name: "SK-JOB-1"))
        #expect(duplicate.status == 400 && duplicate.code == "ResourceInUse")
        #expect(duplicate.message == "Training job names must be unique within an AWS account and region, and a training job with "
            + "this name already exists (\(fixture.arn("sk-job-1")))")

        let invalid = try await fixture.call("CreateTrainingJob", sageMakerSDKBody(name: "bad_name"))
        #expect(invalid.status == 400 && invalid.code == "ValidationException")
        #expect(invalid.message == "1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: "
            + "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")

        let wrongType = try await fixture.call("CreateTrainingJob",
                                               sageMakerSDKBody(name: "typed").replacingOccurrences(of: #""InstanceCount":1"#, with: #""InstanceCount":"1""#))
        #expect(wrongType.status == 400 && wrongType.code == "SerializationException")
        #expect(wrongType.message == "Expected an integer at 'resourceConfig.instanceCount' but found a string.")

        let broken = try await fixture.call("CreateTrainingJob", #"{"TrainingJobName": "x",}"#)
        #expect(broken.status == 400 && broken.code == "SerializationException")
        let rule = try await fixture.call("CreateTrainingJob",
                                          sageMakerSDKBody(name: "spot").replacingOccurrences(of: #""Tags""#, with: #""EnableManagedSpotTraining":true,"Tags""#))
        #expect(rule.status == 400 && rule.code == "ValidationException")
        #expect(rule.message == "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds")
        let regex = try await fixture.call("CreateTrainingJob",
                                           sageMakerSDKBody(name: "regex").replacingOccurrences(of: #"val_loss=([0-9\\.]+)"#, with: #"val_loss=([0-9"#))
        #expect(regex.status == 400 && regex.message?.hasPrefix("Invalid regular expression 'val_loss=([0-9'") == true)
        #expect(fixture.scheduler.calls.withLock { $0 } == ["created sk-job-1"], "failed creates reach no one")
    }

    @Test func describeErrors() async throws {
        let fixture = try SageMakerFixture()
        let missing = try await fixture.call("DescribeTrainingJob", #"{"TrainingJobName":"nope"}"#)
        #expect(missing.status == 400 && missing.code == "ValidationException" && missing.message == "Requested resource not found.")
        let noName = try await fixture.call("DescribeTrainingJob", "{}")
        #expect(noName.status == 400 && noName.message == "1 validation error detected: Value null at 'trainingJobName' failed to satisfy "
            + "constraint: Member must not be null")
        let unknown = try await fixture.call("CreateModel", "{}")
        #expect(unknown.status == 400 && unknown.code == "UnknownOperationException" && unknown.message == "Unknown operation SageMaker.CreateModel")
    }

    @Test func listPagesFiltersAndSorts() async throws {
        let fixture = try SageMakerFixture()
        for name in ["job-a", "job-b", "other-c", "job-d"] { try await fixture.create(name, tick: 10) }
        let first = try await fixture.call("ListTrainingJobs", #"{"MaxResults":3}"#)
        #expect(first.status == 200)
        let summaries = first.json["TrainingJobSummaries"]?.array ?? []
        #expect(summaries.map { $0["TrainingJobName"]?.string ?? "" } == ["job-a", "job-b", "other-c"])
        #expect(summaries.first == ["TrainingJobName": "job-a", "TrainingJobArn": .string(fixture.arn("job-a")),
                                    "CreationTime": 1_700_000_010.25, "LastModifiedTime": 1_700_000_010.25,
                                    "TrainingJobStatus": "InProgress", "SecondaryStatus": "Starting"])
        let token = try #require(first.json["NextToken"]?.string)
        let second = try await fixture.call("ListTrainingJobs", ["MaxResults": 3, "NextToken": .string(token)])
        #expect(second.json["TrainingJobSummaries"]?.array?.map { $0["TrainingJobName"]?.string ?? "" } == ["job-d"])
        #expect(second.json["NextToken"] == nil, "no NextToken on the last page")

        func names(_ body: JSONValue) async throws -> [String] {
            let reply = try await fixture.call("ListTrainingJobs", body)
            #expect(reply.status == 200, "\(reply.text)")
            return reply.json["TrainingJobSummaries"]?.array?.map { $0["TrainingJobName"]?.string ?? "" } ?? []
        }
        #expect(try await names(["SortOrder": "Descending"]) == ["job-d", "other-c", "job-b", "job-a"])
        #expect(try await names(["SortBy": "Name", "SortOrder": "Descending", "NameContains": "job"]) == ["job-d", "job-b", "job-a"])
        // Timestamps as epoch numbers and as ISO-8601 text (1700000020 is 2023-11-14T22:13:40Z).
        #expect(try await names(["CreationTimeAfter": 1_700_000_020.25]) == ["other-c", "job-d"])
        #expect(try await names(["CreationTimeBefore": "2023-11-14T22:13:40Z"]) == ["job-a"])
        #expect(try await names(["StatusEquals": "Completed"]) == [])
        #expect(try await names(["TrainingPlanArnEquals": .string("arn:aws:sagemaker:us-west-2:\(fixture.admin.accountID):training-plan/p-0123456789")]) == [])

        let badToken = try await fixture.call("ListTrainingJobs", #"{"NextToken":"not-a-token"}"#)
        #expect(badToken.status == 400 && badToken.code == "ValidationException")
        let badLimit = try await fixture.call("ListTrainingJobs", #"{"MaxResults":0,"StatusEquals":"Running"}"#)
        #expect(badLimit.message == "2 validation errors detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have "
            + "value greater than or equal to 1; Value 'Running' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum "
            + "value set: [InProgress, Completed, Failed, Stopping, Stopped, Deleting]")
    }

    @Test func stopMovesAJobToStoppingOnce() async throws {
        let fixture = try SageMakerFixture()
        try await fixture.create("stop-me")
        fixture.clock.advance(5)
        let stopped = try await fixture.call("StopTrainingJob", #"{"TrainingJobName":"stop-me"}"#)
        #expect(stopped.status == 200 && stopped.json == [:])
        #expect(fixture.scheduler.calls.withLock { $0 } == ["created stop-me", "stop stop-me"])
        let reply = try await fixture.call("DescribeTrainingJob", #"{"TrainingJobName":"stop-me"}"#).json
        #expect(reply["TrainingJobStatus"] == "Stopping" && reply["SecondaryStatus"] == "Stopping")
        #expect(reply["LastModifiedTime"] == 1_700_000_006.25)
        let again = try await fixture.call("StopTrainingJob", #"{"TrainingJobName":"stop-me"}"#)
        #expect(again.status == 400 && again.code == "ValidationException"
            && again.message == "The request was rejected because the training job is in status Stopping.")
        let missing = try await fixture.call("StopTrainingJob", #"{"TrainingJobName":"nope"}"#)
        #expect(missing.message == "Requested resource not found.")
        #expect(fixture.scheduler.calls.withLock { $0 }.count == 2)
    }

    @Test func deleteOnlyFinishedJobs() async throws {
        let fixture = try SageMakerFixture()
        try await fixture.create("del")
        let running = try await fixture.call("DeleteTrainingJob", #"{"TrainingJobName":"del"}"#)
        #expect(running.status == 400 && running.message == "The request was rejected because the training job is in status InProgress.")
        try fixture.jobs.update(named: "del") { _ = $0.apply(.stopped(cause: .user), at: 1_700_000_100) }
        let deleted = try await fixture.call("DeleteTrainingJob", #"{"TrainingJobName":"DEL"}"#)
        #expect(deleted.status == 200 && deleted.json == [:])
        #expect(try await fixture.call("DescribeTrainingJob", #"{"TrainingJobName":"del"}"#).message == "Requested resource not found.")
        #expect(try fixture.jobs.tags(arn: fixture.arn("del")).isEmpty)
        #expect(try await fixture.call("DeleteTrainingJob", #"{"TrainingJobName":"del"}"#).message == "Requested resource not found.")
    }

    @Test func tags() async throws {
        let fixture = try SageMakerFixture()
        let arn = try await fixture.create("tagged")
        func list(_ resource: String = "") async throws -> FixtureTags {
            let reply = try await fixture.call("ListTags", ["ResourceArn": .string(resource.isEmpty ? arn : resource)])
            return FixtureTags(status: reply.status, pairs: reply.json["Tags"]?.array?.map {
                "\($0["Key"]?.string ?? "")=\($0["Value"]?.string ?? "")"
            } ?? [], message: reply.message)
        }
        #expect(try await list().pairs == ["team=sorts", "env=test"], "the request's tags, in order")
        let added = try await fixture.call("AddTags", ["ResourceArn": .string(arn), "Tags": [["Key": "owner", "Value": "ana"],
                                                                                            ["Key": "env", "Value": "prod"]]])
        #expect(added.status == 200 && added.json == ["Tags": [["Key": "owner", "Value": "ana"], ["Key": "env", "Value": "prod"]]])
        #expect(try await list().pairs == ["team=sorts", "env=prod", "owner=ana"])
        // An ARN written with the name in another case names the same job.
        #expect(try await list(arn.replacingOccurrences(of: "tagged", with: "TAGGED")).pairs.count == 3)
        let removed = try await fixture.call("DeleteTags", ["ResourceArn": .string(arn), "TagKeys": ["team", "absent"]])
        #expect(removed.status == 200 && removed.json == [:])
        #expect(try await list().pairs == ["env=prod", "owner=ana"])

        let missing = try await list(fixture.arn("nope"))
        #expect(missing.status == 400 && missing.message == "Requested resource not found.")
        let foreign = try await list("arn:aws:sagemaker:us-west-2:999999999999:training-job/tagged")
        #expect(foreign.status == 400 && foreign.message == "Requested resource not found.")
        let notAnARN = try await fixture.call("AddTags", #"{"ResourceArn":"tagged","Tags":[]}"#)
        #expect(notAnARN.status == 400 && notAnARN.message?.contains("at 'resourceArn' failed to satisfy constraint") == true)
        let small = try await fixture.call("ListTags", ["ResourceArn": .string(arn), "MaxResults": 10])
        #expect(small.message == "1 validation error detected: Value '10' at 'maxResults' failed to satisfy constraint: Member must have "
            + "value greater than or equal to 50")
        let tooMany = JSONValue.array((0..<49).map { ["Key": .string("k\($0)"), "Value": "v"] })
        let over = try await fixture.call("AddTags", ["ResourceArn": .string(arn), "Tags": tooMany])
        #expect(over.status == 400 && over.code == "ValidationException")
        #expect(try await list().pairs.count == 2, "nothing added")
    }

    @Test func everyOperationIsAuthorised() async throws {
        let fixture = try SageMakerFixture(policy: DenyingPolicy(denied: ["sagemaker:DeleteTrainingJob", "iam:PassRole", "sagemaker:ListTags"]))
        let create = try await fixture.call("CreateTrainingJob", sageMakerSDKBody(name: "denied"))
        #expect(create.status == 400 && create.code == "AccessDeniedException" && create.message?.contains("iam:PassRole") == true)
        #expect(try fixture.jobs.job(named: "denied") == nil)
        let delete = try await fixture.call("DeleteTrainingJob", #"{"TrainingJobName":"anything"}"#)
        #expect(delete.code == "AccessDeniedException"
            && delete.message?.contains("arn:aws:sagemaker:us-west-2:\(fixture.admin.accountID):training-job/anything") == true)
        #expect(try await fixture.call("ListTrainingJobs", "{}").status == 200)
    }
}

private struct FixtureTags {
    var status: Int
    var pairs: [String]
    var message: String?
}
