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

@Suite(.serialized) struct AuditGatewayTests {
    /// The gateway with an audit trail and the audit service, on an ephemeral port.
    final class Fixture: Sendable {
        let server: HTTPServer
        let admin: Bootstrap.Administrator
        let audit: AuditStore

        init() throws {
            let home = NSTemporaryDirectory() + "anneal-audit-" + UUID().uuidString
            try SafeFile.makeDirectory(home)
            let database = try Database(path: home + "/anneal.db")
            let box = try SecretBox(key: try Bootstrap.secretKey(home: home))
            let identity = IdentityStore(database: database)
            admin = try Bootstrap.administrator(identity: identity, box: box, now: Int64(Date().timeIntervalSince1970))
            audit = AuditStore(database: database)
            let trail = AuditTrail(store: audit, clockMilliseconds: { Int64(Date().timeIntervalSince1970 * 1000) })
            let gateway = Gateway(services: ServiceDirectory(json: [AuditService(store: audit)], query: [STSService()]),
                                  credentials: CredentialResolver(identity: identity, box: box), policy: PlatformPolicy(),
                                  metrics: PlatformMetrics(), logger: Logger(minimumLevel: .error), audit: trail)
            var config = HTTPServerConfig()
            config.port = 0
            server = try HTTPServer(config: config, handler: gateway)
        }

        deinit { server.shutdown(grace: .seconds(1)) }

        func send(body: String, headers: [(String, String)], service: String, key: String? = nil, secret: String? = nil)
            async throws -> (Int, [String: String], String) {
            let signer = SigV4Signer(accessKeyID: key ?? admin.accessKeyID, secret: secret ?? admin.secret, region: "us-east-1",
                                     service: service)
            let signed = signer.sign(method: "POST", rawPath: "/", headers: [("host", "127.0.0.1:\(server.port)")] + headers,
                                     payloadHash: SHA256.hex(Array(body.utf8)), time: Int64(Date().timeIntervalSince1970))
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/")!)
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
            for (name, value) in signed where name != "host" { request.setValue(value, forHTTPHeaderField: name) }
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            var map: [String: String] = [:]
            for (name, value) in http.allHeaderFields { map[String(describing: name).lowercased()] = String(describing: value) }
            return (http.statusCode, map, String(decoding: data, as: UTF8.self))
        }
    }

    let form = [("content-type", "application/x-www-form-urlencoded; charset=utf-8")]

    @Test func refusalsAreRecordedBeforeTheReplyAndAllowedReadsAreNot() async throws {
        let fixture = try Fixture()
        let (ok, _, _) = try await fixture.send(body: "Action=GetCallerIdentity&Version=2011-06-15", headers: form, service: "sts")
        #expect(ok == 200)
        #expect(try fixture.audit.events(AuditQuery()).events.isEmpty)
        let (denied, headers, body) = try await fixture.send(body: "Action=GetCallerIdentity&Version=2011-06-15", headers: form,
                                                             service: "sts", secret: "wrong-secret-wrong-secret-wrong-secret00")
        #expect(denied == 403 && body.contains("SignatureDoesNotMatch"))
        // The reply has been read: the event is already committed.
        let event = try #require(try fixture.audit.events(AuditQuery()).events.first)
        #expect(event.outcome == .denied && event.errorCode == "SignatureDoesNotMatch" && event.accessKeyID == fixture.admin.accessKeyID)
        #expect(event.principal == "arn:aws:iam::\(fixture.admin.accountID):user/admin" && event.sourceIP == "127.0.0.1")
        #expect(event.requestID == headers["x-amzn-requestid"] && event.action == "sts:*")
        let (unknown, _, _) = try await fixture.send(body: "{}", headers: [("x-amz-target", "Anneal_20261204.ListAuditEvents"),
                                                                            ("content-type", "application/x-amz-json-1.1")],
                                                     service: "anneal", key: "AKIANOSUCHKEY0000000")
        #expect(unknown == 400)
        let anonymous = try #require(try fixture.audit.events(AuditQuery()).events.first)
        #expect(anonymous.principal == AuditEvent.anonymous && anonymous.errorCode == "UnrecognizedClientException")
        #expect(anonymous.action == "anneal:ListAuditEvents" && anonymous.accessKeyID == "AKIANOSUCHKEY0000000")
    }

    @Test func listAuditEventsAnswersTheConsoleContract() async throws {
        let fixture = try Fixture()
        for index in 0..<3 {
            try fixture.audit.append(AuditEvent(timeMilliseconds: 1_700_000_000_000 + Int64(index) * 1500, principal: "arn:aws:iam::1:user/u",
                                                accessKeyID: "AKIA\(index)", action: "s3:GetObject", resource: "arn:aws:s3:::b/k",
                                                outcome: .denied, errorCode: "AccessDenied", sourceIP: "10.0.0.1", requestID: "r\(index)"))
        }
        let target = [("x-amz-target", "Anneal_20261204.ListAuditEvents"), ("content-type", "application/x-amz-json-1.1")]
        let (status, _, body) = try await fixture.send(body: #"{"MaxResults": 2, "Outcome": "Denied"}"#, headers: target, service: "anneal")
        #expect(status == 200)
        let reply = try JSONValue.parse(body)
        let events = try #require(reply["AuditEvents"]?.array)
        #expect(events.count == 2 && reply["NextToken"]?.string != nil)
        #expect(events[0]["EventTime"]?.number == 1_700_000_003 && events[0]["RequestId"]?.string == "r2")
        #expect(events[0]["ErrorCode"]?.string == "AccessDenied" && events[0]["SourceIp"]?.string == "10.0.0.1")
        #expect(events[0]["Outcome"]?.string == "Denied" && events[0]["Principal"]?.string == "arn:aws:iam::1:user/u")
        let (bad, _, error) = try await fixture.send(body: #"{"MaxResults": 5000}"#, headers: target, service: "anneal")
        #expect(bad == 400 && error.contains("ValidationException") && error.contains("MaxResults"))
    }
}

@Suite struct JobSessionEndTests {
    @Test func aJobsSessionStopsWhenTheJobEnds() throws {
        let home = NSTemporaryDirectory() + "anneal-session-end-" + UUID().uuidString
        try SafeFile.makeDirectory(home)
        let identity = IdentityStore(database: try Database(path: home + "/a.db"))
        let box = try SecretBox(key: SecureRandom.bytes(32))
        let admin = try Bootstrap.administrator(identity: identity, box: box, now: 1)
        let ended = Mutex<Set<String>>([])
        let asked = Atomic<Int>(0)
        let resolver = CredentialResolver(identity: identity, box: box, jobEnded: { name in
            asked.add(1, ordering: .relaxed)
            return ended.withLock { $0.contains(name) }
        })
        let session = try resolver.issueSession(accountID: admin.accountID, roleARN: "arn:aws:iam::123456789012:role/R",
                                                sessionName: "SageMaker", trainingJob: "job-1", lifetime: 3600, now: 1_000)
        guard case .found = resolver.resolve(session.accessKeyID, sessionToken: session.sessionToken, now: 1_001) else {
            Issue.record("the running job's session did not resolve")
            return
        }
        ended.withLock { _ = $0.insert("job-1") }
        guard case .expired = resolver.resolve(session.accessKeyID, sessionToken: session.sessionToken, now: 1_002) else {
            Issue.record("the ended job's session still resolved")
            return
        }
        // Once ended, the answer is kept: the store is not asked again.
        let before = asked.load(ordering: .relaxed)
        guard case .expired = resolver.resolve(session.accessKeyID, sessionToken: session.sessionToken, now: 1_003) else {
            Issue.record("the ended job's session resolved again")
            return
        }
        #expect(asked.load(ordering: .relaxed) == before)
        // A wrong token is still an invalid token, not a hint that the session existed.
        guard case .invalidToken = resolver.resolve(session.accessKeyID, sessionToken: "x", now: 1_003) else {
            Issue.record("a wrong token was not refused as invalid")
            return
        }
    }
}
