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

/// A clock the test moves by hand.
final class ConsoleManualClock: Sendable {
    private let value: Mutex<Int64>
    init(_ start: Int64) { value = Mutex(start) }
    var now: Int64 { value.withLock { $0 } }
    func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
}

private func credentials(expiration: Int64) -> SessionCredentials {
    SessionCredentials(accessKeyID: "ASIAEXAMPLE", secret: "s", sessionToken: "t", expiration: expiration)
}

@Suite struct ConsoleSessionsTests {
    let clock = ConsoleManualClock(1_000)

    func sessions(_ change: (inout ConsoleSessionLimits) -> Void = { _ in }) -> ConsoleSessions {
        var limits = ConsoleSessionLimits()
        change(&limits)
        return ConsoleSessions(limits: limits, clock: { [clock] in clock.now })
    }

    func open(_ table: ConsoleSessions, expiration: Int64 = 1_000_000) -> (cookie: String, session: ConsoleSession) {
        table.open(principalARN: "arn:aws:iam::1:user/ann", userName: "ann", accountID: "1", signIn: .accessKey("AKIA1"),
                   credentials: credentials(expiration: expiration))
    }

    @Test func aCookieFindsItsSessionUntilItIsIdleTooLong() {
        let table = sessions { $0.idleSeconds = 60 }
        let (cookie, opened) = open(table)
        #expect(cookie.count == 43 && cookie.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(opened.csrfToken.count == 32 && opened.csrfToken != cookie)
        clock.advance(59)
        guard case .valid(let found) = table.session(cookie: cookie) else { Issue.record("a live session was not found"); return }
        #expect(found.userName == "ann" && found.lastSeen == 1_059)
        clock.advance(59)  // used 59 s ago: still live, and used again now
        guard case .valid = table.session(cookie: cookie) else { Issue.record("use did not extend the session"); return }
        clock.advance(60)
        guard case .expired = table.session(cookie: cookie) else { Issue.record("an idle session was still valid"); return }
        guard case .unknown = table.session(cookie: cookie) else { Issue.record("an expired session was kept"); return }
        #expect(table.count == 0)
    }

    @Test func aBusySessionEndsAtItsAbsoluteLimitOrWithItsCredentials() {
        let table = sessions { $0.idleSeconds = 100; $0.absoluteSeconds = 250 }
        let (cookie, _) = open(table)
        for _ in 0..<4 {
            clock.advance(60)
            guard case .valid = table.session(cookie: cookie) else { Issue.record("ended early"); return }
        }
        clock.advance(10)  // 250 s after sign-in
        guard case .expired = table.session(cookie: cookie) else { Issue.record("outlived its absolute limit"); return }

        let (short, _) = open(table, expiration: clock.now + 30)
        clock.advance(30)
        guard case .expired = table.session(cookie: short) else { Issue.record("outlived its credentials"); return }
    }

    @Test func unknownEmptyAndClosedCookiesFindNothing() {
        let table = sessions()
        let (cookie, _) = open(table)
        guard case .unknown = table.session(cookie: "") else { Issue.record("empty cookie"); return }
        guard case .unknown = table.session(cookie: cookie + "x") else { Issue.record("altered cookie"); return }
        table.close(cookie: cookie)
        guard case .unknown = table.session(cookie: cookie) else { Issue.record("closed session still found"); return }
    }

    @Test func theCSRFTokenMustMatchExactly() {
        let table = sessions()
        let (_, session) = open(table)
        #expect(ConsoleSessions.csrfMatches(session, header: session.csrfToken))
        #expect(!ConsoleSessions.csrfMatches(session, header: nil))
        #expect(!ConsoleSessions.csrfMatches(session, header: ""))
        #expect(!ConsoleSessions.csrfMatches(session, header: String(session.csrfToken.dropLast())))
        #expect(!ConsoleSessions.csrfMatches(session, header: session.csrfToken + "a"))
        let (_, other) = open(table)
        #expect(!ConsoleSessions.csrfMatches(session, header: other.csrfToken))
    }

    @Test func theLeastRecentlyUsedSessionMakesRoomAtTheLimit() {
        let table = sessions { $0.maximumSessions = 2 }
        let (first, _) = open(table)
        clock.advance(1)
        let (second, _) = open(table)
        clock.advance(1)
        _ = table.session(cookie: first)  // first is now the more recent
        clock.advance(1)
        let (third, _) = open(table)
        #expect(table.count == 2)
        guard case .valid = table.session(cookie: first), case .unknown = table.session(cookie: second),
              case .valid = table.session(cookie: third) else {
            Issue.record("the wrong session was evicted")
            return
        }
    }
}

@Suite struct SignInThrottleTests {
    @Test func fiveFailuresForOneKeyWaitForTheWindow() {
        var throttle = SignInThrottle()
        for second in 0..<5 {
            #expect(throttle.retryAfter(address: "10.0.0.1", accessKeyID: "AKIA1", now: Int64(second)) == nil)
            throttle.recordFailure(address: "10.0.0.1", accessKeyID: "AKIA1", now: Int64(second))
        }
        #expect(throttle.retryAfter(address: "10.0.0.1", accessKeyID: "AKIA1", now: 10) == 290)
        // Other keys from the address, and the key from another address, are not held back.
        #expect(throttle.retryAfter(address: "10.0.0.1", accessKeyID: "AKIA2", now: 10) == nil)
        #expect(throttle.retryAfter(address: "10.0.0.2", accessKeyID: "AKIA1", now: 10) == nil)
        // Once the first failure leaves the window, one more attempt is allowed.
        #expect(throttle.retryAfter(address: "10.0.0.1", accessKeyID: "AKIA1", now: 300) == nil)
    }

    @Test func anAddressGuessingManyKeysIsHeldBackToo() {
        var throttle = SignInThrottle()
        for index in 0..<30 { throttle.recordFailure(address: "10.0.0.9", accessKeyID: "AKIA\(index)", now: 100) }
        let wait = throttle.retryAfter(address: "10.0.0.9", accessKeyID: "AKIANEW", now: 101)
        #expect(wait == 299)
        #expect(throttle.retryAfter(address: "10.0.0.8", accessKeyID: "AKIANEW", now: 101) == nil)
    }

    @Test func successClearsTheKeysCountButNotTheAddresss() {
        var throttle = SignInThrottle()
        throttle.perAddress = .init(failures: 6, windowSeconds: 300)
        for _ in 0..<5 { throttle.recordFailure(address: "a", accessKeyID: "k", now: 0) }
        #expect(throttle.retryAfter(address: "a", accessKeyID: "k", now: 1) != nil)
        throttle.recordSuccess(address: "a", accessKeyID: "k")
        #expect(throttle.retryAfter(address: "a", accessKeyID: "k", now: 1) == nil)
        throttle.recordFailure(address: "a", accessKeyID: "k", now: 2)
        #expect(throttle.retryAfter(address: "a", accessKeyID: "other", now: 3) != nil)
    }
}

@Suite struct ConsoleCookieTests {
    @Test func readsTheCookieAmongOthers() {
        #expect(ConsoleCookie.value(named: "anneal_console", in: ["a=1; anneal_console=abc; b=2"]) == "abc")
        #expect(ConsoleCookie.value(named: "anneal_console", in: ["x=1", "anneal_console=def"]) == "def")
        #expect(ConsoleCookie.value(named: "anneal_console", in: ["anneal_console_other=abc; xanneal_console=1"]) == nil)
        #expect(ConsoleCookie.value(named: "anneal_console", in: ["anneal_console="]) == nil)
        #expect(ConsoleCookie.value(named: "anneal_console", in: []) == nil)
    }

    @Test func theCookieIsHttpOnlyStrictAndScopedToTheConsole() {
        let plain = ConsoleCookie.set("v", maxAge: 60, secure: false)
        #expect(plain == "anneal_console=v; Path=/console; Max-Age=60; HttpOnly; SameSite=Strict")
        #expect(ConsoleCookie.set("v", maxAge: 60, secure: true).hasSuffix("; Secure"))
        #expect(ConsoleCookie.clear(secure: false).contains("Max-Age=0"))
    }
}

/// A gateway with the console on a real port, an administrator and an IAM user with no policy.
final class ConsoleFixture: Sendable {
    let server: HTTPServer
    let admin: Bootstrap.Administrator
    let console: Console

    init() throws {
        let home = NSTemporaryDirectory() + "anneal-console-" + UUID().uuidString
        try SafeFile.makeDirectory(home)
        let database = try Database(path: home + "/anneal.db")
        let box = try SecretBox(key: try Bootstrap.secretKey(home: home))
        let identity = IdentityStore(database: database)
        admin = try Bootstrap.administrator(identity: identity, box: box, now: Int64(Date().timeIntervalSince1970))
        let resolver = CredentialResolver(identity: identity, box: box)
        console = Console(credentials: resolver, region: "us-east-1",
                          sessions: ConsoleSessions(clock: { Int64(Date().timeIntervalSince1970) }))
        let gateway = Gateway(services: ServiceDirectory(query: [STSService(roles: nil, credentials: resolver)]), credentials: resolver,
                              policy: PlatformPolicy(), metrics: PlatformMetrics(), logger: Logger(minimumLevel: .error), console: console)
        var config = HTTPServerConfig()
        config.port = 0
        server = try HTTPServer(config: config, handler: gateway)
    }

    deinit { server.shutdown(grace: .seconds(1)) }

    func send(_ method: String, _ path: String, body: String = "", headers: [(String, String)] = []) async throws
        -> (status: Int, headers: [String: String], body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)" + path)!)
        request.httpMethod = method
        request.httpShouldHandleCookies = false
        if method != "GET" { request.httpBody = Data(body.utf8) }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var map: [String: String] = [:]
        for (name, value) in http.allHeaderFields { map[String(describing: name).lowercased()] = String(describing: value) }
        return (http.statusCode, map, String(decoding: data, as: UTF8.self))
    }

    func signIn(secret: String? = nil) async throws -> (cookie: String, csrf: String)? {
        let body = #"{"AccessKeyId":"\#(admin.accessKeyID)","SecretAccessKey":"\#(secret ?? admin.secret)"}"#
        let reply = try await send("POST", "/console/api/sign-in", body: body)
        guard reply.status == 200, let setCookie = reply.headers["set-cookie"],
              let value = setCookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last,
              let json = try? JSONValue.parse(Array(reply.body.utf8)), let csrf = json["CsrfToken"]?.string else { return nil }
        return (String(value), csrf)
    }
}

@Suite(.serialized) struct ConsoleExchangeTests {
    @Test func pagesAreServedWithAStrictContentSecurityPolicy() async throws {
        let fixture = try ConsoleFixture()
        let page = try await fixture.send("GET", "/console/")
        #expect(page.status == 200 && page.body.contains("<title>Anneal console</title>"))
        #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
        #expect(page.headers["x-frame-options"] == "DENY")
        let script = try await fixture.send("GET", "/console/assets/core.js")
        #expect(script.status == 200 && script.headers["content-type"]?.hasPrefix("text/javascript") == true)
        #expect(try await fixture.send("GET", "/console/assets/..%2F..%2Fanneal.db").status == 404)
        #expect(try await fixture.send("GET", "/console/api/nothing").status == 401)
    }

    @Test func signInCallsAsTheUserAndSignOut() async throws {
        let fixture = try ConsoleFixture()
        let wrong = try await fixture.send("POST", "/console/api/sign-in",
                                           body: #"{"AccessKeyId":"\#(fixture.admin.accessKeyID)","SecretAccessKey":"nope"}"#)
        #expect(wrong.status == 401 && wrong.body.contains("SignInFailed") && wrong.headers["set-cookie"] == nil)
        #expect(try await fixture.send("POST", "/console/api/sign-in", body: "not json").status == 400)

        guard let (cookie, csrf) = try await fixture.signIn() else { Issue.record("sign-in failed"); return }
        let call = "Action=GetCallerIdentity&Version=2011-06-15"
        let withoutToken = try await fixture.send("POST", "/console/api/query/sts", body: call, headers: [("Cookie", "anneal_console=\(cookie)")])
        #expect(withoutToken.status == 403 && withoutToken.body.contains("InvalidCsrfToken"))
        let crossSite = try await fixture.send("POST", "/console/api/query/sts", body: call,
                                               headers: [("Cookie", "anneal_console=\(cookie)"), ("X-CSRF-Token", csrf),
                                                         ("Origin", "http://evil.example")])
        #expect(crossSite.status == 403 && crossSite.body.contains("CrossSiteRequest"))
        let identity = try await fixture.send("POST", "/console/api/query/sts", body: call,
                                              headers: [("Cookie", "anneal_console=\(cookie)"), ("X-CSRF-Token", csrf)])
        // The call went through SigV4 authentication with the session's credentials: the caller is the user.
        #expect(identity.status == 200 && identity.body.contains("<Arn>arn:aws:iam::\(fixture.admin.accountID):user/"))
        #expect(identity.headers["content-security-policy"] == "default-src 'none'; sandbox")

        let out = try await fixture.send("POST", "/console/api/sign-out", headers: [("Cookie", "anneal_console=\(cookie)"), ("X-CSRF-Token", csrf)])
        #expect(out.status == 200 && out.headers["set-cookie"]?.contains("Max-Age=0") == true)
        let after = try await fixture.send("POST", "/console/api/query/sts", body: call,
                                           headers: [("Cookie", "anneal_console=\(cookie)"), ("X-CSRF-Token", csrf)])
        #expect(after.status == 401 && after.body.contains("ConsoleSignInRequired"))
    }

    @Test func repeatedWrongSecretsAreThrottled() async throws {
        let fixture = try ConsoleFixture()
        for _ in 0..<5 { #expect(try await fixture.signIn(secret: "wrong") == nil) }
        let body = #"{"AccessKeyId":"\#(fixture.admin.accessKeyID)","SecretAccessKey":"\#(fixture.admin.secret)"}"#
        let held = try await fixture.send("POST", "/console/api/sign-in", body: body)
        #expect(held.status == 429 && held.body.contains("Too many failed sign-in attempts") && held.headers["retry-after"] != nil)
    }

    @Test func onlyWellFormedKeyIDsAreLogged() {
        #expect(ConsoleExchange.loggable(keyID: "AKIAIOSFODNN7EXAMPLE") == "AKIAIOSFODNN7EXAMPLE")
        #expect(ConsoleExchange.loggable(keyID: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") == "(not an access key ID)")
        #expect(ConsoleExchange.loggable(keyID: "AKIAiosfodnn7example") == "(not an access key ID)")
    }

    @Test func temporaryKeysCannotSignIn() throws {
        let fixture = try ConsoleFixture()
        let session = try fixture.console.credentials.issueSession(accountID: fixture.admin.accountID,
                                                                   roleARN: "arn:aws:iam::\(fixture.admin.accountID):user/admin",
                                                                   sessionName: "admin", trainingJob: nil, lifetime: 600)
        guard case .refused = fixture.console.signIn(accessKeyID: session.accessKeyID, secret: session.secret, address: "1.2.3.4") else {
            Issue.record("a session key signed in to the console")
            return
        }
    }
}

@Suite struct ConsolePasswordTests {
    func setUp() throws -> (Console, IAMService, IdentityStore, IAMStore, String) {
        let home = NSTemporaryDirectory() + "anneal-console-pw-" + UUID().uuidString
        try SafeFile.makeDirectory(home)
        let database = try Database(path: home + "/anneal.db")
        let box = try SecretBox(key: try Bootstrap.secretKey(home: home))
        let identity = IdentityStore(database: database)
        let admin = try Bootstrap.administrator(identity: identity, box: box, now: 1)
        let iamStore = IAMStore(database: database)
        let resolver = CredentialResolver(identity: identity, box: box, iam: iamStore)
        let console = Console(credentials: resolver, region: "us-east-1", sessions: ConsoleSessions(clock: { 1_000 }),
                              passwords: ConsolePasswords(profiles: LoginProfileStore(database: database), identity: identity,
                                                          accountID: admin.accountID))
        let iam = IAMService(store: iamStore, identity: identity, box: box, accountID: admin.accountID)
        return (console, iam, identity, iamStore, admin.accountID)
    }

    func call(_ iam: IAMService, _ action: String, _ parameters: [String: String], account: String) throws(AWSError) -> String {
        let context = CallContext(requestID: "r", principal: Principal(accountID: account, name: "admin", userID: "AIDA", isAdministrator: true),
                                  accessKeyID: "AK", region: "us-east-1", remoteAddress: "127.0.0.1", isSecure: false, wire: .query,
                                  policy: PlatformPolicy())
        return try iam.handle(action: action, parameters: parameters, context: context)
    }

    @Test func aPasswordSignsInUntilItChangesAndNotForANewUserOfTheSameName() throws {
        let (console, iam, _, _, account) = try setUp()
        _ = try call(iam, "CreateUser", ["UserName": "bo"], account: account)
        _ = try call(iam, "CreateLoginProfile", ["UserName": "bo", "Password": "long enough 1"], account: account)
        #expect(throws: AWSError.self) { try call(iam, "CreateLoginProfile", ["UserName": "bo", "Password": "long enough 2"], account: account) }
        #expect(throws: AWSError.self) { try call(iam, "UpdateLoginProfile", ["UserName": "bo", "Password": "short"], account: account) }
        #expect(try call(iam, "GetLoginProfile", ["UserName": "bo"], account: account).contains("<UserName>bo</UserName>"))

        guard case .refused = console.signIn(userName: "bo", password: "long enough 2", address: "a") else { Issue.record("wrong password"); return }
        guard case .refused = console.signIn(userName: "nobody", password: "long enough 1", address: "a") else { Issue.record("no user"); return }
        guard case .signedIn(let cookie, let session) = console.signIn(userName: "bo", password: "long enough 1", address: "a") else {
            Issue.record("the right password did not sign in")
            return
        }
        #expect(session.principalARN == "arn:aws:iam::\(account):user/bo")
        let head = HTTPRequestHead(method: "GET", rawPath: "/console/api/session", rawQuery: "",
                                   headers: HTTPHeaders([(name: "cookie", value: "anneal_console=\(cookie)")]))
        guard case .valid = console.session(for: head) else { Issue.record("the new session was not found"); return }
        _ = try call(iam, "UpdateLoginProfile", ["UserName": "bo", "Password": "long enough 3"], account: account)
        guard case .expired = console.session(for: head) else { Issue.record("a changed password left the session open"); return }

        // Deleted and created again under the same name: the old password is not the new user's.
        _ = try call(iam, "DeleteLoginProfile", ["UserName": "bo"], account: account)
        #expect(throws: AWSError.self) { try call(iam, "GetLoginProfile", ["UserName": "bo"], account: account) }
        _ = try call(iam, "CreateLoginProfile", ["UserName": "bo", "Password": "long enough 4"], account: account)
        _ = try call(iam, "DeleteUser", ["UserName": "bo"], account: account)
        _ = try call(iam, "CreateUser", ["UserName": "bo"], account: account)
        guard case .refused = console.signIn(userName: "bo", password: "long enough 4", address: "b") else {
            Issue.record("a recreated user inherited the old user's password")
            return
        }
    }
}
