import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealHTTP
import Synchronization

/// The web console behind `/console/`: its pages, sign-in and sessions. What the pages do goes
/// through `ConsoleExchange` into the gateway's own request path, signed with the session's
/// credentials, so the console can do exactly what the user's access key can and nothing more.
public final class Console: Sendable {
    public static let cookieName = "anneal_console"

    let sessions: ConsoleSessions
    let credentials: CredentialResolver
    let region: String
    /// Where user names and passwords are checked (none: access keys only).
    let passwords: ConsolePasswords?
    private let throttle = Mutex(SignInThrottle())

    public init(credentials: CredentialResolver, region: String, sessions: ConsoleSessions, passwords: ConsolePasswords? = nil) {
        self.credentials = credentials
        self.region = region
        self.sessions = sessions
        self.passwords = passwords
    }

    /// Whether a request is the console's: `/console` and below, unsigned. A signed request for a
    /// bucket named `console` stays S3's.
    static func claims(_ head: HTTPRequestHead) -> Bool {
        (head.rawPath == "/console" || head.rawPath.hasPrefix("/console/")) && RequestClassifier.isUnsigned(head)
            && head.headers["x-amz-target"] == nil
    }

    public enum SignInResult: Sendable {
        case signedIn(cookie: String, session: ConsoleSession)
        /// Wrong key or secret, or a key that cannot sign in (inactive, temporary).
        case refused
        case throttled(retryAfter: Int64)
        case failed(String)
    }

    /// Exchanges a long-term access key and its secret for a console session.
    public func signIn(accessKeyID: String, secret: String, address: String) -> SignInResult {
        let now = sessions.now
        if let wait = throttle.withLock({ $0.retryAfter(address: address, accessKeyID: accessKeyID, now: now) }) {
            return .throttled(retryAfter: wait)
        }
        guard case .found(let resolved) = credentials.resolve(accessKeyID, now: now), resolved.tokenSHA256 == nil,
              resolved.principal.kind == .user,
              ConstantTime.equals(Array(secret.utf8), Array(resolved.secret.utf8)) else {
            throttle.withLock { $0.recordFailure(address: address, accessKeyID: accessKeyID, now: now) }
            return .refused
        }
        throttle.withLock { $0.recordSuccess(address: address, accessKeyID: accessKeyID) }
        return open(resolved.principal, signIn: .accessKey(accessKeyID), now: now)
    }

    /// Exchanges an IAM user's name and console password for a console session.
    public func signIn(userName: String, password: String, address: String) -> SignInResult {
        let now = sessions.now
        let throttleKey = "user:" + userName
        if let wait = throttle.withLock({ $0.retryAfter(address: address, accessKeyID: throttleKey, now: now) }) {
            return .throttled(retryAfter: wait)
        }
        guard let passwords, let (user, hash) = passwords.verify(userName: userName, password: password) else {
            throttle.withLock { $0.recordFailure(address: address, accessKeyID: throttleKey, now: now) }
            return .refused
        }
        throttle.withLock { $0.recordSuccess(address: address, accessKeyID: throttleKey) }
        return open(user.principal, signIn: .password(userID: user.userID, hash: hash), now: now)
    }

    private func open(_ principal: Principal, signIn: ConsoleSignIn, now: Int64) -> SignInResult {
        let temporary: SessionCredentials
        do {
            // A few minutes beyond the session's own end, so the last request of a session never
            // fails on credentials the session still counts as live. The resolver gives these
            // credentials the user's own policies (as GetSessionToken's).
            temporary = try credentials.issueSession(accountID: principal.accountID, roleARN: principal.arn, sessionName: principal.name,
                                                     trainingJob: nil, lifetime: sessions.limits.absoluteSeconds + 300, now: now)
        } catch {
            return .failed(error.message)
        }
        let opened = sessions.open(principalARN: principal.arn, userName: principal.name, accountID: principal.accountID,
                                   signIn: signIn, credentials: temporary)
        return .signedIn(cookie: opened.cookie, session: opened.session)
    }

    /// The live session behind a request's cookie. A session whose sign-in key was deleted or
    /// deactivated since ends now.
    func session(for head: HTTPRequestHead) -> ConsoleSessions.Lookup {
        guard let cookie = ConsoleCookie.value(named: Self.cookieName, in: head.headers.values("cookie")) else { return .unknown }
        let lookup = sessions.session(cookie: cookie)
        guard case .valid(let session) = lookup else { return lookup }
        let stillValid = switch session.signIn {
        case .accessKey(let keyID):
            if case .found = credentials.resolve(keyID, now: sessions.now) { true } else { false }
        case .password(let userID, let hash):
            passwords?.stillValid(userName: session.userName, userID: userID, hash: hash) ?? false
        }
        if stillValid { return lookup }
        sessions.close(cookie: cookie)
        return .expired
    }

    func signOut(_ head: HTTPRequestHead) {
        if let cookie = ConsoleCookie.value(named: Self.cookieName, in: head.headers.values("cookie")) {
            sessions.close(cookie: cookie)
        }
    }

    /// The request the gateway would have received from a SigV4 client with the session's credentials.
    func signedHead(_ original: HTTPRequestHead, session: ConsoleSession, method: String, rawPath: String, rawQuery: String,
                    service: String, headers: [(name: String, value: String)], payloadHash: String,
                    unsigned: [(name: String, value: String)]) -> HTTPRequestHead {
        let signer = SigV4Signer(accessKeyID: session.credentials.accessKeyID, secret: session.credentials.secret, region: region,
                                 service: service, sessionToken: session.credentials.sessionToken)
        let host = original.headers["host"] ?? "localhost"
        let signed = signer.sign(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: [("host", host)] + headers,
                                 payloadHash: payloadHash, time: sessions.now)
        return HTTPRequestHead(method: method, rawPath: rawPath, rawQuery: rawQuery, headers: HTTPHeaders(signed + unsigned),
                               remoteAddress: original.remoteAddress, isSecure: original.isSecure, startedAt: original.startedAt)
    }
}

/// Reading and writing the session cookie.
enum ConsoleCookie {
    static func value(named name: String, in headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name[...] else { continue }
                let value = String(trimmed[trimmed.index(after: equals)...])
                if !value.isEmpty { return value }
            }
        }
        return nil
    }

    /// HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Path=/console (no
    /// other endpoint of the port sees it), Secure under TLS.
    static func set(_ value: String, maxAge: Int64, secure: Bool) -> String {
        "\(Console.cookieName)=\(value); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    static func clear(secure: Bool) -> String { set("", maxAge: 0, secure: secure) }
}
