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

/// Records what was authorised, and denies one action.
private final class RecordingPolicy: AccessPolicy {
    let requests = Mutex<[AuthorizationRequest]>([])
    let denied: String

    init(denying action: String) { denied = action }

    func decide(_ request: AuthorizationRequest) -> AuthorizationDecision {
        requests.withLock { $0.append(request) }
        return request.action == denied ? .deny("not allowed: \(request.action)") : .allow
    }
}

/// A wall clock in epoch milliseconds that the test sets.
private final class TestClock: Sendable {
    let value = Atomic<Int64>(1_800_000_000_000)
    var now: Int64 { value.load(ordering: .relaxed) }
}

/// The Logs service behind a real gateway and server on an ephemeral port, with a clock the test sets.
private final class LogsFixture: Sendable {
    let server: HTTPServer
    let admin: Bootstrap.Administrator
    let store: LogStore
    let policy: RecordingPolicy
    let clock: TestClock

    init() throws {
        let home = NSTemporaryDirectory() + "anneal-logs-" + UUID().uuidString
        try SafeFile.makeDirectory(home)
        let database = try Database(path: home + "/anneal.db")
        let box = try SecretBox(key: try Bootstrap.secretKey(home: home))
        let identity = IdentityStore(database: database)
        admin = try Bootstrap.administrator(identity: identity, box: box, now: Int64(Date().timeIntervalSince1970))
        store = LogStore(database: database)
        policy = RecordingPolicy(denying: "logs:DeleteLogStream")
        let clock = TestClock()
        self.clock = clock
        let logs = LogsService(store: store, clock: { clock.now })
        let gateway = Gateway(services: ServiceDirectory(json: [logs]), credentials: CredentialResolver(identity: identity, box: box),
                              policy: policy, metrics: PlatformMetrics(), logger: Logger(minimumLevel: .error))
        var config = HTTPServerConfig()
        config.port = 0
        server = try HTTPServer(config: config, handler: gateway)
    }

    deinit { server.shutdown(grace: .seconds(1)) }

    /// Sends one signed Logs request; returns the status and the reply's JSON object.
    func call(_ operation: String, _ body: String) async throws -> (status: Int, json: [String: Any]) {
        let (status, text) = try await raw(operation, Array(body.utf8))
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return (status, try #require(json, "not a JSON object: \(text.prefix(200))"))
    }

    func call(_ operation: String, _ object: [String: Any]) async throws -> (status: Int, json: [String: Any]) {
        try await call(operation, String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }

    func raw(_ operation: String, _ body: [UInt8]) async throws -> (Int, String) {
        let signer = SigV4Signer(accessKeyID: admin.accessKeyID, secret: admin.secret, region: "us-west-2", service: "logs")
        let headers = [("host", "127.0.0.1:\(server.port)"), ("x-amz-target", "Logs_20140328.\(operation)"),
                       ("content-type", "application/x-amz-json-1.1")]
        let signed = signer.sign(method: "POST", rawPath: "/", headers: headers, payloadHash: SHA256.hex(body),
                                 time: Int64(Date().timeIntervalSince1970))
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        for (name, value) in signed where name != "host" { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Events in the request shape, stamped at the fixture's clock plus the offsets.
    func events(_ messages: [String], offsets: [Int64]? = nil) -> [[String: Any]] {
        let base = clock.now
        return messages.enumerated().map { index, message in
            ["timestamp": base + (offsets?[index] ?? Int64(index)), "message": message]
        }
    }
}

private func messages(_ reply: [String: Any]) -> [String] {
    (reply["events"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
}

private func errorType(_ reply: [String: Any]) -> String? { reply["__type"] as? String }

@Suite(.serialized) struct LogsServiceTests {
    @Test func groupsAndStreamsLifecycle() async throws {
        let logs = try LogsFixture()
        let group = "/aws/sagemaker/TrainingJobs"
        #expect(try await logs.call("CreateLogGroup", ["logGroupName": group]).status == 200)
        let again = try await logs.call("CreateLogGroup", ["logGroupName": group])
        #expect(again.status == 400 && errorType(again.json) == "ResourceAlreadyExistsException")
        _ = try await logs.call("CreateLogGroup", ["logGroupName": "/aws/other"])
        let bad = try await logs.call("CreateLogGroup", ["logGroupName": "has space"])
        #expect(errorType(bad.json) == "InvalidParameterException")
        #expect((bad.json["message"] as? String)?.contains("regular expression pattern") == true)

        let first = try await logs.call("DescribeLogGroups", ["limit": 1])
        let firstGroups = try #require(first.json["logGroups"] as? [[String: Any]])
        #expect(firstGroups.map { $0["logGroupName"] as? String } == ["/aws/other"])
        let token = try #require(first.json["nextToken"] as? String)
        let second = try await logs.call("DescribeLogGroups", ["limit": 1, "nextToken": token])
        let groups = try #require(second.json["logGroups"] as? [[String: Any]])
        #expect(groups.first?["logGroupName"] as? String == group && second.json["nextToken"] == nil)
        let arn = "arn:aws:logs:us-west-2:\(logs.admin.accountID):log-group:\(group)"
        #expect(groups.first?["arn"] as? String == arn + ":*" && groups.first?["logGroupArn"] as? String == arn)
        #expect(groups.first?["creationTime"] as? Int64 == 1_800_000_000_000)
        let prefixed = try await logs.call("DescribeLogGroups", ["logGroupNamePrefix": "/aws/s"])
        #expect((prefixed.json["logGroups"] as? [Any])?.count == 1)
        #expect(errorType(try await logs.call("DescribeLogGroups", ["limit": 51]).json) == "InvalidParameterException")

        let days = try await logs.call("PutRetentionPolicy", ["logGroupName": group, "retentionInDays": 4])
        #expect(errorType(days.json) == "InvalidParameterException")
        #expect(try await logs.call("PutRetentionPolicy", ["logGroupName": group, "retentionInDays": 30]).status == 200)
        let retained = try await logs.call("DescribeLogGroups", ["logGroupNamePrefix": group])
        #expect((retained.json["logGroups"] as? [[String: Any]])?.first?["retentionInDays"] as? Int == 30)
        #expect(try await logs.call("DeleteRetentionPolicy", ["logGroupName": group]).status == 200)
        #expect(try logs.store.group(group)?.retentionDays == nil)

        let orphan = try await logs.call("CreateLogStream", ["logGroupName": "/nope", "logStreamName": "s"])
        #expect(orphan.status == 400 && errorType(orphan.json) == "ResourceNotFoundException")
        #expect(orphan.json["message"] as? String == "The specified log group does not exist.")
        for name in ["job-1/algo-1-1800000000", "job-1/algo-2-1800000000", "job-2/algo-1-1800000000"] {
            #expect(try await logs.call("CreateLogStream", ["logGroupName": group, "logStreamName": name]).status == 200)
        }
        let duplicate = try await logs.call("CreateLogStream", ["logGroupName": group, "logStreamName": "job-2/algo-1-1800000000"])
        #expect(errorType(duplicate.json) == "ResourceAlreadyExistsException")

        // What the sagemaker SDK asks every ten seconds.
        let sdk = try await logs.call("DescribeLogStreams", ["logGroupName": group, "logStreamNamePrefix": "job-1/",
                                                             "orderBy": "LogStreamName", "limit": 1])
        let streams = try #require(sdk.json["logStreams"] as? [[String: Any]])
        #expect(streams.map { $0["logStreamName"] as? String } == ["job-1/algo-1-1800000000"])
        #expect(streams.first?["arn"] as? String == arn + ":log-stream:job-1/algo-1-1800000000")
        let rest = try await logs.call("DescribeLogStreams", ["logGroupName": group, "logStreamNamePrefix": "job-1/",
                                                              "nextToken": try #require(sdk.json["nextToken"] as? String)])
        #expect((rest.json["logStreams"] as? [[String: Any]])?.map { $0["logStreamName"] as? String } == ["job-1/algo-2-1800000000"])
        #expect(rest.json["nextToken"] == nil)
        let missing = try await logs.call("DescribeLogStreams", ["logGroupName": "/aws/nope", "logStreamNamePrefix": "x"])
        #expect(errorType(missing.json) == "ResourceNotFoundException")
        let conflict = try await logs.call("DescribeLogStreams", ["logGroupName": group, "logStreamNamePrefix": "job-1/",
                                                                  "orderBy": "LastEventTime"])
        #expect(errorType(conflict.json) == "InvalidParameterException")
        let byIdentifier = try await logs.call("DescribeLogStreams", ["logGroupIdentifier": arn, "orderBy": "LastEventTime",
                                                                      "descending": true])
        #expect((byIdentifier.json["logStreams"] as? [Any])?.count == 3)

        #expect(try await logs.call("DeleteLogGroup", ["logGroupName": "/aws/other"]).status == 200)
        #expect(errorType(try await logs.call("DeleteLogGroup", ["logGroupName": "/aws/other"]).json) == "ResourceNotFoundException")

        // Each operation was authorised on its group's ARN; a denied one is refused in JSON's shape.
        let denied = try await logs.call("DeleteLogStream", ["logGroupName": group, "logStreamName": "job-2/algo-1-1800000000"])
        #expect(denied.status == 400 && errorType(denied.json) == "AccessDeniedException")
        let authorised = logs.policy.requests.withLock { $0 }
        #expect(authorised.contains { $0.action == "logs:CreateLogStream" && $0.resource == arn })
        #expect(authorised.contains { $0.action == "logs:DescribeLogGroups" })
    }

    @Test func putThenReadTheWayTheSageMakerSDKDoes() async throws {
        let logs = try LogsFixture()
        let (group, stream) = ("/aws/sagemaker/TrainingJobs", "job/algo-1-1800000000")
        _ = try await logs.call("CreateLogGroup", ["logGroupName": group])
        _ = try await logs.call("CreateLogStream", ["logGroupName": group, "logStreamName": stream])
        // Out of time order, and two lines in the same millisecond: accepted as they are.
        let put = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": stream,
                                                       "logEvents": logs.events(["c", "a", "b1", "b2"], offsets: [3, 1, 2, 2])])
        #expect(put.status == 200 && put.json["rejectedLogEventsInfo"] == nil)
        #expect((put.json["nextSequenceToken"] as? String)?.isEmpty == false)

        // startFromHead=True, startTime=0, then nextToken, until a page has no events.
        var request: [String: Any] = ["logGroupName": group, "logStreamName": stream, "startTime": 0, "startFromHead": true, "limit": 3]
        var seen: [String] = []
        var token: String?
        while true {
            let page = try await logs.call("GetLogEvents", request)
            #expect(page.status == 200)
            let forward = try #require(page.json["nextForwardToken"] as? String)
            #expect(forward.hasPrefix("f/") && (page.json["nextBackwardToken"] as? String)?.hasPrefix("b/") == true)
            seen += messages(page.json)
            if messages(page.json).isEmpty {
                #expect(forward == token)  // the end: the token it was given, unchanged
                break
            }
            token = forward
            request["nextToken"] = forward
        }
        #expect(seen == ["a", "b1", "b2", "c"])
        let event = try #require((try await logs.call("GetLogEvents", ["logGroupName": group, "logStreamName": stream,
                                                                       "startFromHead": true, "limit": 1]).json["events"]
                                  as? [[String: Any]])?.first)
        #expect(event["timestamp"] as? Int64 == 1_800_000_000_001 && event["ingestionTime"] as? Int64 == 1_800_000_000_000)

        // Stable while nothing arrives; new lines appear at the same token.
        let idle = try await logs.call("GetLogEvents", request)
        #expect(messages(idle.json).isEmpty && idle.json["nextForwardToken"] as? String == token)
        _ = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": stream,
                                                 "logEvents": logs.events(["d same ms as c", "e"], offsets: [3, 4])])
        let fresh = try await logs.call("GetLogEvents", request)
        #expect(messages(fresh.json) == ["d same ms as c", "e"])

        // Without startFromHead: the last `limit` events, then backward pages.
        let tail = try await logs.call("GetLogEvents", ["logGroupName": group, "logStreamName": stream, "limit": 2])
        #expect(messages(tail.json) == ["d same ms as c", "e"])
        let back = try await logs.call("GetLogEvents", ["logGroupName": group, "logStreamName": stream, "limit": 2,
                                                        "nextToken": try #require(tail.json["nextBackwardToken"] as? String)])
        #expect(messages(back.json) == ["b2", "c"])
        let missing = try await logs.call("GetLogEvents", ["logGroupName": group, "logStreamName": "nope"])
        #expect(errorType(missing.json) == "ResourceNotFoundException")
        #expect(missing.json["message"] as? String == "The specified log stream does not exist.")
        let badToken = try await logs.call("GetLogEvents", ["logGroupName": group, "logStreamName": stream, "nextToken": "f/zz"])
        #expect(errorType(badToken.json) == "InvalidParameterException")
    }

    @Test func putLogEventsLimitsAndRejectedEvents() async throws {
        let logs = try LogsFixture()
        let (group, stream) = ("g", "s")
        _ = try await logs.call("CreateLogGroup", ["logGroupName": group])
        _ = try await logs.call("CreateLogStream", ["logGroupName": group, "logStreamName": stream])
        let day: Int64 = 86_400_000
        let mixed = try await logs.call("PutLogEvents", [
            "logGroupName": group, "logStreamName": stream, "sequenceToken": "ignored",
            "logEvents": logs.events(["old", "older", "ok", "new", "ok2"], offsets: [-15 * day, -20 * day, 0, 3 * 3_600_000, 1]),
        ])
        #expect(mixed.status == 200)
        let info = try #require(mixed.json["rejectedLogEventsInfo"] as? [String: Any])
        #expect(info["tooOldLogEventEndIndex"] as? Int == 1 && info["tooNewLogEventStartIndex"] as? Int == 3)
        #expect(try logs.store.events(group: group, stream: stream, start: nil, end: nil, after: nil, forward: true, limit: 10)
            .events.map(\.message) == ["ok", "ok2"])

        try logs.store.setRetention(group: group, days: 1)
        let expired = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": stream,
                                                           "logEvents": logs.events(["expired", "fine"], offsets: [-2 * day, 0])])
        #expect((expired.json["rejectedLogEventsInfo"] as? [String: Any])?["expiredLogEventEndIndex"] as? Int == 0)

        let tooMany = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": stream,
                                                           "logEvents": logs.events(Array(repeating: "x", count: 10_001))])
        #expect(errorType(tooMany.json) == "InvalidParameterException")
        let bigLine = String(repeating: "y", count: 262_145)
        let tooLong = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": stream,
                                                           "logEvents": logs.events([bigLine])])
        #expect(errorType(tooLong.json) == "InvalidParameterException")
        let quarter = String(repeating: "z", count: 262_144)
        let tooBig = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": stream,
                                                          "logEvents": logs.events(Array(repeating: quarter, count: 4))])
        #expect(errorType(tooBig.json) == "InvalidParameterException")
        #expect((tooBig.json["message"] as? String)?.hasPrefix("Upload too large") == true)
        let noStream = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": "nope",
                                                            "logEvents": logs.events(["a"])])
        #expect(errorType(noStream.json) == "ResourceNotFoundException")
        let noGroup = try await logs.call("PutLogEvents", ["logGroupName": "nope", "logStreamName": "s", "logEvents": logs.events(["a"])])
        #expect(noGroup.json["message"] as? String == "The specified log group does not exist.")

        // Replies stop before 1 MB: the three small events and three of the six large ones fill the first.
        let large = String(quarter.dropLast(30))
        for _ in 0..<3 {
            #expect(try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": stream,
                                                         "logEvents": logs.events([large, large])]).status == 200)
        }
        let capped = try await logs.call("GetLogEvents", ["logGroupName": group, "logStreamName": stream, "startFromHead": true])
        let sizes = messages(capped.json).map { $0.utf8.count + 26 }
        #expect(sizes.reduce(0, +) <= 1_048_576 && messages(capped.json).count == 6)
        let next = try await logs.call("GetLogEvents", ["logGroupName": group, "logStreamName": stream, "startFromHead": true,
                                                        "nextToken": try #require(capped.json["nextForwardToken"] as? String)])
        #expect(messages(next.json).count == 3)
    }

    @Test func filterLogEventsInterleavesStreamsAndPagesLikeLogsTail() async throws {
        let logs = try LogsFixture()
        let group = "/aws/sagemaker/TrainingJobs"
        _ = try await logs.call("CreateLogGroup", ["logGroupName": group])
        for stream in ["job/algo-1", "job/algo-2", "other/algo-1"] {
            _ = try await logs.call("CreateLogStream", ["logGroupName": group, "logStreamName": stream])
        }
        _ = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": "job/algo-1",
                                                 "logEvents": logs.events(["epoch 1 loss=0.5", "epoch 2 loss=0.4 WARN slow"],
                                                                          offsets: [0, 20])])
        _ = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": "job/algo-2",
                                                 "logEvents": logs.events(["epoch 1 loss=0.6", "ERROR disk full"], offsets: [10, 30])])
        _ = try await logs.call("PutLogEvents", ["logGroupName": group, "logStreamName": "other/algo-1",
                                                 "logEvents": logs.events(["unrelated"], offsets: [5])])

        let all = try await logs.call("FilterLogEvents", ["logGroupName": group, "interleaved": true])
        #expect(messages(all.json) == ["epoch 1 loss=0.5", "unrelated", "epoch 1 loss=0.6", "epoch 2 loss=0.4 WARN slow",
                                       "ERROR disk full"])
        let events = try #require(all.json["events"] as? [[String: Any]])
        #expect(events.map { $0["logStreamName"] as? String ?? "" }
            == ["job/algo-1", "other/algo-1", "job/algo-2", "job/algo-1", "job/algo-2"])
        #expect(Set(events.compactMap { $0["eventId"] as? String }).count == 5 && all.json["nextToken"] == nil)

        let phrase = try await logs.call("FilterLogEvents", ["logGroupName": group, "filterPattern": "\"epoch 1\" loss"])
        #expect(messages(phrase.json) == ["epoch 1 loss=0.5", "epoch 1 loss=0.6"])
        let either = try await logs.call("FilterLogEvents", ["logGroupName": group, "filterPattern": "?ERROR ?WARN",
                                                             "logStreamNamePrefix": "job/"])
        #expect(messages(either.json) == ["epoch 2 loss=0.4 WARN slow", "ERROR disk full"])
        let named = try await logs.call("FilterLogEvents", ["logGroupName": group, "logStreamNames": ["job/algo-2"],
                                                            "filterPattern": "epoch -ERROR"])
        #expect(messages(named.json) == ["epoch 1 loss=0.6"])
        let window = try await logs.call("FilterLogEvents", ["logGroupName": group, "startTime": logs.clock.now + 10,
                                                             "endTime": logs.clock.now + 30])
        #expect(messages(window.json) == ["epoch 1 loss=0.6", "epoch 2 loss=0.4 WARN slow"])

        var paged: [String] = []
        var request: [String: Any] = ["logGroupName": group, "limit": 2]
        while true {
            let page = try await logs.call("FilterLogEvents", request)
            paged += messages(page.json)
            guard let token = page.json["nextToken"] as? String else { break }
            request["nextToken"] = token
        }
        #expect(paged == messages(all.json))

        let json = try await logs.call("FilterLogEvents", ["logGroupName": group, "filterPattern": "{ $.level = \"ERROR\" }"])
        #expect(errorType(json.json) == "InvalidParameterException")
        let both = try await logs.call("FilterLogEvents", ["logGroupName": group, "logStreamNames": ["a"], "logStreamNamePrefix": "a"])
        #expect(errorType(both.json) == "InvalidParameterException")
        let missing = try await logs.call("FilterLogEvents", ["logGroupName": "/nope"])
        #expect(errorType(missing.json) == "ResourceNotFoundException")
    }

    @Test func malformedBodiesAndUnknownOperations() async throws {
        let logs = try LogsFixture()
        let broken = try await logs.raw("CreateLogGroup", Array("{\"logGroupName\":".utf8))
        #expect(broken.0 == 400 && broken.1.contains("SerializationException"))
        let wrongType = try await logs.call("CreateLogGroup", ["logGroupName": 5])
        #expect(errorType(wrongType.json) == "SerializationException")
        let events = try await logs.call("PutLogEvents", ["logGroupName": "g", "logStreamName": "s", "logEvents": [["timestamp": "x"]]])
        #expect(errorType(events.json) == "SerializationException")
        let missing = try await logs.call("CreateLogGroup", [:])
        #expect(errorType(missing.json) == "InvalidParameterException")
        let unknown = try await logs.call("TagLogGroup", ["logGroupName": "g"])
        #expect(errorType(unknown.json) == "UnknownOperationException")
    }
}

@Suite struct LogsFilterPatternTests {
    @Test(arguments: [
        ("", "anything", true),
        ("ERROR", "[ERROR] disk", true),
        ("ERROR", "error", false),
        ("ERROR disk", "disk ERROR", true),
        ("ERROR disk", "ERROR only", false),
        ("\"disk full\"", "the disk full now", true),
        ("\"disk full\"", "full disk", false),
        ("?ERROR ?WARN", "a WARN", true),
        ("?ERROR ?WARN", "INFO", false),
        ("ERROR -Exiting", "ERROR Exiting", false),
        ("ERROR -Exiting", "ERROR retry", true),
        ("é", "café", true),
    ])
    func matches(pattern: String, message: String, expected: Bool) throws {
        #expect(try LogsFilterPattern(pattern).matches(message) == expected)
    }

    @Test func refusesWhatItCannotMatch() {
        for pattern in ["{ $.a = 1 }", "[ip, user]", "%ab+c%", "\"open"] {
            #expect(throws: AWSError.self) { _ = try LogsFilterPattern(pattern) }
        }
    }
}
