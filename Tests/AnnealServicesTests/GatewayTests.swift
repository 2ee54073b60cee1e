import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealHTTP
import AnnealStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import AnnealServices

/// A real server on an ephemeral port with a temporary database, driven over HTTP.
final class GatewayFixture: Sendable {
    let server: HTTPServer
    let admin: Bootstrap.Administrator
    let identity: IdentityStore
    let home: String

    init() throws {
        home = NSTemporaryDirectory() + "anneal-gw-" + UUID().uuidString
        try SafeFile.makeDirectory(home)
        let database = try Database(path: home + "/anneal.db")
        let box = try SecretBox(key: try Bootstrap.secretKey(home: home))
        identity = IdentityStore(database: database)
        admin = try Bootstrap.administrator(identity: identity, box: box, now: Int64(Date().timeIntervalSince1970))
        let gateway = Gateway(services: ServiceDirectory(query: [STSService()]),
                              credentials: CredentialResolver(identity: identity, box: box),
                              policy: AdministratorOnlyPolicy(), metrics: PlatformMetrics(),
                              logger: Logger(minimumLevel: .error))
        var config = HTTPServerConfig()
        config.port = 0
        server = try HTTPServer(config: config, handler: gateway)
    }

    deinit { server.shutdown(grace: .seconds(1)) }

    var base: String { "http://127.0.0.1:\(server.port)" }

    func send(method: String = "POST", path: String = "/", body: String, headers: [(String, String)] = [],
              service: String, key: String? = nil, secret: String? = nil, time: Int64? = nil) async throws -> (Int, [String: String], String) {
        let signer = SigV4Signer(accessKeyID: key ?? admin.accessKeyID, secret: secret ?? admin.secret,
                                 region: "us-east-1", service: service)
        let signed = signer.sign(method: method, rawPath: path, headers: [("host", "127.0.0.1:\(server.port)")] + headers,
                                 payloadHash: SHA256.hex(Array(body.utf8)), time: time ?? Int64(Date().timeIntervalSince1970))
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.httpBody = Data(body.utf8)
        for (name, value) in signed where name != "host" { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headerMap: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headerMap[String(describing: name).lowercased()] = String(describing: value) }
        return (http.statusCode, headerMap, String(decoding: data, as: UTF8.self))
    }
}

let form = [("content-type", "application/x-www-form-urlencoded; charset=utf-8")]

@Suite(.serialized) struct GatewayTests {
    @Test func getCallerIdentityAnswersWithTheAdministrator() async throws {
        let fixture = try GatewayFixture()
        let (status, headers, body) = try await fixture.send(body: "Action=GetCallerIdentity&Version=2011-06-15",
                                                             headers: form, service: "sts")
        #expect(status == 200)
        #expect(body.contains("<Arn>arn:aws:iam::\(fixture.admin.accountID):user/admin</Arn>"))
        #expect(body.contains("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"))
        #expect(headers["x-amzn-requestid"]?.count == 36)
    }

    @Test func authenticationFailuresInTheQueryShape() async throws {
        let fixture = try GatewayFixture()
        let action = "Action=GetCallerIdentity&Version=2011-06-15"
        let (s1, _, wrong) = try await fixture.send(body: action, headers: form, service: "sts", secret: "nope")
        #expect(s1 == 403 && wrong.contains("<Code>SignatureDoesNotMatch</Code>"))
        let (s2, _, unknown) = try await fixture.send(body: action, headers: form, service: "sts", key: "AKIANOSUCHKEY0000000")
        #expect(s2 == 403 && unknown.contains("<Code>InvalidClientTokenId</Code>"))
        let (s3, _, skewed) = try await fixture.send(body: action, headers: form, service: "sts",
                                                     time: Int64(Date().timeIntervalSince1970) - 3600)
        #expect(s3 == 403 && skewed.contains("Signature expired"))
        let (s4, _, bogus) = try await fixture.send(body: "Action=Bogus&Version=2011-06-15", headers: form, service: "sts")
        #expect(s4 == 400 && bogus.contains("<Code>InvalidAction</Code>"))
    }

    @Test func jsonProtocolErrors() async throws {
        let fixture = try GatewayFixture()
        let target = [("x-amz-target", "SageMaker.DescribeTrainingJob"), ("content-type", "application/x-amz-json-1.1")]
        let (s1, _, bad) = try await fixture.send(body: "{oops", headers: target, service: "sagemaker")
        #expect(s1 == 400 && bad.contains("\"__type\":\"SerializationException\""))
        let (s2, _, unknown) = try await fixture.send(body: "{}", headers: target, service: "sagemaker")
        #expect(s2 == 400 && unknown.contains("\"__type\":\"UnknownOperationException\""))
        let (s3, _, key) = try await fixture.send(body: "{}", headers: target, service: "sagemaker", key: "AKIANOSUCHKEY0000000")
        #expect(s3 == 400 && key.contains("UnrecognizedClientException"))
        let cloudwatch = [("x-amz-target", "GraniteServiceVersion20100801.Nope"), ("content-type", "application/x-amz-json-1.0")]
        let (s4, headers, _) = try await fixture.send(body: "{}", headers: cloudwatch, service: "monitoring",
                                                      key: "AKIANOSUCHKEY0000000")
        #expect(s4 == 400 && headers["x-amzn-query-error"] == "InvalidClientTokenId;Sender")
    }

    @Test func healthAndMetricsNeedNoSignature() async throws {
        let fixture = try GatewayFixture()
        _ = try await fixture.send(body: "Action=GetCallerIdentity&Version=2011-06-15", headers: form, service: "sts")
        let (health, _) = try await URLSession.shared.data(from: URL(string: fixture.base + "/healthz")!)
        #expect(String(decoding: health, as: UTF8.self).contains("\"ok\""))
        let (metrics, _) = try await URLSession.shared.data(from: URL(string: fixture.base + "/metrics")!)
        let text = String(decoding: metrics, as: UTF8.self)
        #expect(text.contains("anneal_requests_total{service=\"sts\",operation=\"GetCallerIdentity\",status=\"200\"} 1"))
    }
}

@Suite struct CredentialResolverTests {
    @Test func resolvesCachesAndRejects() throws {
        let home = NSTemporaryDirectory() + "anneal-cred-" + UUID().uuidString
        try SafeFile.makeDirectory(home)
        let identity = IdentityStore(database: try Database(path: home + "/a.db"))
        let box = try SecretBox(key: SecureRandom.bytes(32))
        let admin = try Bootstrap.administrator(identity: identity, box: box, now: 1)
        let resolver = CredentialResolver(identity: identity, box: box)
        guard case .found(let found) = resolver.resolve(admin.accessKeyID) else {
            Issue.record("admin key not found")
            return
        }
        #expect(found.secret == admin.secret && found.principal.isAdministrator)
        guard case .unknown = resolver.resolve("AKIAUNKNOWN") else {
            Issue.record("unknown key resolved")
            return
        }
        // A second start finds the same administrator rather than creating another.
        let again = try Bootstrap.administrator(identity: identity, box: box, now: 2)
        #expect(!again.created && again.accessKeyID == admin.accessKeyID && again.secret == admin.secret)
        // The wrong sealing key is a clear start-up error, not a crash.
        let other = try SecretBox(key: SecureRandom.bytes(32))
        #expect(throws: ServiceError.self) { _ = try Bootstrap.administrator(identity: identity, box: other, now: 3) }
    }
}
