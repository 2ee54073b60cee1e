import AnnealAWS
import AnnealConsoleAssets
import AnnealCrypto
import AnnealHTTP
import Foundation

/// One request under `/console`: a page or asset, sign-in and sign-out, or a call the pages make.
/// Calls (`/console/api/json`, `/console/api/query/<service>`, `/console/api/s3/...`) are re-signed
/// with the session's credentials and handed to an `APIExchange`, the path every SigV4 request
/// takes: same authentication, same IAM decision, same errors, same logs and metrics.
final class ConsoleExchange: HTTPExchange {
    private enum Pending {
        case none, signIn, signOut
        case json(target: String)
        case query(service: String)
    }

    /// Query services the console may call (the signing name picks the service).
    static let queryServices: Set<String> = ["iam", "sts"]
    static let maximumSignInBody = 16 * 1024

    private let console: Console
    private let gateway: Gateway
    private let head: HTTPRequestHead
    private var pending = Pending.none
    private var session: ConsoleSession?
    private var body: [UInt8] = []
    private var inner: APIExchange?
    private var isObjectDownload = false
    private var objectName = ""

    init(console: Console, gateway: Gateway, head: HTTPRequestHead) {
        self.console = console
        self.gateway = gateway
        self.head = head
    }

    func start() -> HTTPResponse? {
        let path = head.rawPath
        let reads = head.method == "GET" || head.method == "HEAD"
        if path == "/console" { return HTTPResponse(status: 308, headers: [("Location", "/console/")] + Self.pageHeaders) }
        if path == "/console/" || path == "/console/index.html" {
            return reads ? asset("index.html") : ConsoleReply.error(405, "MethodNotAllowed", "Pages are read with GET.")
        }
        if path.hasPrefix("/console/assets/") {
            return reads ? asset(String(path.dropFirst("/console/assets/".count)))
                : ConsoleReply.error(405, "MethodNotAllowed", "Assets are read with GET.")
        }
        guard path.hasPrefix("/console/api/") else { return ConsoleReply.error(404, "NotFound", "There is no console page at this address.") }
        let api = String(path.dropFirst("/console/api/".count))
        if api == "sign-in" {
            guard head.method == "POST" else { return ConsoleReply.error(405, "MethodNotAllowed", "Sign in with POST.") }
            if let refusal = crossSiteRefusal() { return refusal }
            pending = .signIn
            return tooLarge(limit: Self.maximumSignInBody)
        }
        switch console.session(for: head) {
        case .valid(let found): session = found
        case .expired: return ConsoleReply.signInRequired("Your console session has expired: sign in again.", secure: head.isSecure)
        case .unknown: return ConsoleReply.signInRequired("Sign in to use the console.", secure: head.isSecure)
        }
        if !reads {
            if let refusal = crossSiteRefusal() { return refusal }
            guard let session, ConsoleSessions.csrfMatches(session, header: head.headers["x-csrf-token"]) else {
                return ConsoleReply.error(403, "InvalidCsrfToken", "The request lacks the session's CSRF token (X-CSRF-Token): reload the page.")
            }
        }
        switch api {
        case "session":
            guard let session else { return ConsoleReply.signInRequired("Sign in to use the console.", secure: head.isSecure) }
            return ConsoleReply.json(200, ConsoleReply.Identity(session, limits: console.sessions.limits))
        case "sign-out":
            guard head.method == "POST" else { return ConsoleReply.error(405, "MethodNotAllowed", "Sign out with POST.") }
            pending = .signOut
            return nil
        case "json":
            guard head.method == "POST" else { return ConsoleReply.error(405, "MethodNotAllowed", "Calls are POSTed.") }
            guard let target = head.headers["x-console-target"], !target.isEmpty else {
                return ConsoleReply.error(400, "MissingTarget", "Name the operation in the X-Console-Target header.")
            }
            pending = .json(target: target)
            return tooLarge(limit: gateway.config.maxRequestBody)
        default:
            break
        }
        if api.hasPrefix("query/") {
            let service = String(api.dropFirst("query/".count))
            guard head.method == "POST", Self.queryServices.contains(service) else {
                return ConsoleReply.error(404, "NotFound", "The console calls only the iam and sts Query services, with POST.")
            }
            pending = .query(service: service)
            return tooLarge(limit: gateway.config.maxRequestBody)
        }
        if api == "s3" || api.hasPrefix("s3/") {
            return startS3(rest: String(path.dropFirst("/console/api/s3".count)))
        }
        return ConsoleReply.error(404, "NotFound", "There is no console call at this address.")
    }

    func receive(_ chunk: UnsafeRawBufferPointer) -> HTTPResponse? {
        if let inner { return inner.receive(chunk).map(decorate) }
        let limit = if case .signIn = pending { Self.maximumSignInBody } else { gateway.config.maxRequestBody }
        guard body.count + chunk.count <= limit else { return ConsoleReply.error(413, "RequestEntityTooLarge", "The request body is too large.") }
        body.append(contentsOf: chunk)
        return nil
    }

    func finish() -> HTTPResponse {
        if let inner { return decorate(inner.finish()) }
        switch pending {
        case .none:
            return ConsoleReply.error(404, "NotFound", "There is no console call at this address.")
        case .signIn:
            return signIn()
        case .signOut:
            console.signOut(head)
            var reply = ConsoleReply.json(200, ["SignedOut": true])
            reply.headers.append(("Set-Cookie", ConsoleCookie.clear(secure: head.isSecure)))
            return reply
        case .json(let target):
            guard let session else { return ConsoleReply.signInRequired("Sign in to use the console.", secure: head.isSecure) }
            let jsonVersion = target.hasPrefix("GraniteServiceVersion20100801.") ? "1.0" : "1.1"
            let signed = console.signedHead(head, session: session, method: "POST", rawPath: "/", rawQuery: "", service: "sagemaker",
                                            headers: [("content-type", "application/x-amz-json-\(jsonVersion)"), ("x-amz-target", target)],
                                            payloadHash: SHA256.hex(body), unsigned: [("content-length", String(body.count))])
            return forward(signed)
        case .query(let service):
            guard let session else { return ConsoleReply.signInRequired("Sign in to use the console.", secure: head.isSecure) }
            let signed = console.signedHead(head, session: session, method: "POST", rawPath: "/", rawQuery: "", service: service,
                                            headers: [("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
                                            payloadHash: SHA256.hex(body), unsigned: [("content-length", String(body.count))])
            return forward(signed)
        }
    }

    func end(completed: Bool) {
        inner?.end(completed: completed)
    }

    // MARK: - Sign-in

    private struct SignInRequest: Decodable {
        var AccessKeyId: String?
        var SecretAccessKey: String?
        var UserName: String?
        var Password: String?
    }

    private func signIn() -> HTTPResponse {
        guard let request = try? JSONDecoder().decode(SignInRequest.self, from: Data(body)) else {
            return ConsoleReply.error(400, "InvalidSignInRequest", "Give an access key ID and its secret, or a user name and its password.")
        }
        let result: Console.SignInResult
        let who: (String, String)
        if let keyID = request.AccessKeyId?.trimmingCharacters(in: .whitespaces), !keyID.isEmpty,
           let secret = request.SecretAccessKey, !secret.isEmpty {
            who = ("access_key_id", Self.loggable(keyID: keyID))
            result = console.signIn(accessKeyID: keyID, secret: secret, address: head.remoteAddress)
        } else if let user = request.UserName?.trimmingCharacters(in: .whitespaces), !user.isEmpty, let password = request.Password,
                  !password.isEmpty {
            guard console.passwords != nil else {
                return ConsoleReply.error(400, "InvalidSignInRequest", "This server signs in with access keys only.")
            }
            who = ("user", "")
            result = console.signIn(userName: user, password: password, address: head.remoteAddress)
        } else {
            return ConsoleReply.error(400, "InvalidSignInRequest", "Give an access key ID and its secret, or a user name and its password.")
        }
        // Secrets and passwords are never logged. Neither is what was typed as a user name or key ID
        // unless it is surely one: people type passwords into the wrong field.
        var fields: [(String, String)] = [("method", who.0 == "user" ? "password" : "access_key"), ("remote", head.remoteAddress)]
        if !who.1.isEmpty { fields.append(who) }
        switch result {
        case .signedIn(let cookie, let session):
            fields += [("outcome", "signed_in"), ("principal", session.principalARN)]
            gateway.logger.info("console_sign_in", fields)
            var reply = ConsoleReply.json(200, ConsoleReply.Identity(session, limits: console.sessions.limits))
            reply.headers.append(("Set-Cookie", ConsoleCookie.set(cookie, maxAge: console.sessions.limits.absoluteSeconds,
                                                                  secure: head.isSecure)))
            return reply
        case .refused:
            gateway.logger.info("console_sign_in", fields + [("outcome", "refused")])
            return ConsoleReply.error(401, "SignInFailed", who.0 == "user"
                ? "The user name or the password is wrong, or the user has no console password."
                : "The access key ID or the secret access key is wrong, or the key is inactive.")
        case .throttled(let wait):
            gateway.logger.info("console_sign_in", fields + [("outcome", "throttled")])
            var reply = ConsoleReply.error(429, "TooManySignInAttempts",
                                           "Too many failed sign-in attempts: try again in \(wait) seconds.")
            reply.headers.append(("Retry-After", String(wait)))
            return reply
        case .failed(let reason):
            gateway.logger.error("console_sign_in", fields + [("outcome", "failed"), ("error", reason)])
            return ConsoleReply.error(503, "SignInUnavailable", "Signing in failed on the server: try again.")
        }
    }

    /// A well-formed access key ID (20 upper-case letters and digits, `AKIA`/`ASIA`), else a placeholder.
    static func loggable(keyID: String) -> String {
        let wellFormed = keyID.utf8.count == 20 && (keyID.hasPrefix("AKIA") || keyID.hasPrefix("ASIA"))
            && keyID.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        return wellFormed ? keyID : "(not an access key ID)"
    }

    // MARK: - Forwarding

    private func startS3(rest: String) -> HTTPResponse? {
        guard let session else { return ConsoleReply.signInRequired("Sign in to use the console.", secure: head.isSecure) }
        let path = rest.isEmpty ? "/" : rest
        var unsigned: [(name: String, value: String)] = []
        for name in ["content-type", "content-length", "range", "content-md5"] {
            if let value = head.headers[name] { unsigned.append((name, value)) }
        }
        let segments = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: true)
        if head.method == "GET", segments.count == 2 {
            isObjectDownload = true
            objectName = String(segments[1].split(separator: "/").last ?? "download")
        }
        let signed = console.signedHead(head, session: session, method: head.method, rawPath: path, rawQuery: head.rawQuery, service: "s3",
                                        headers: [("x-amz-content-sha256", "UNSIGNED-PAYLOAD")], payloadHash: "UNSIGNED-PAYLOAD",
                                        unsigned: unsigned)
        let exchange = APIExchange(gateway: gateway, head: signed)
        inner = exchange
        return exchange.start().map(decorate)
    }

    private func forward(_ signed: HTTPRequestHead) -> HTTPResponse {
        let exchange = APIExchange(gateway: gateway, head: signed)
        inner = exchange
        if let early = exchange.start() { return decorate(early) }
        if let early = body.withUnsafeBytes({ exchange.receive($0) }) { return decorate(early) }
        return decorate(exchange.finish())
    }

    /// What the services answer is data, never a page of this origin: an object stored as HTML
    /// downloads instead of running here.
    private func decorate(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        response.headers.removeAll { $0.name.lowercased() == "content-disposition" }
        response.headers += [("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"),
                             ("Content-Security-Policy", "default-src 'none'; sandbox")]
        if isObjectDownload, response.status == 200 || response.status == 206 {
            response.headers.append(("Content-Disposition", "attachment; filename*=UTF-8''" + objectName))
        }
        return response
    }

    // MARK: - Helpers

    private func asset(_ name: String) -> HTTPResponse {
        guard let file = ConsoleAssets.file(name) else { return ConsoleReply.error(404, "NotFound", "No such console asset.") }
        return HTTPResponse(status: 200, headers: [("Content-Type", file.contentType), ("Cache-Control", "no-cache")] + Self.pageHeaders,
                            body: head.method == "HEAD" ? .empty : .bytes(file.bytes))
    }

    static let pageHeaders: [(name: String, value: String)] = [
        ("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer"),
    ]

    /// A browser names the page's origin on POSTs: one from another origin is refused even before
    /// the CSRF token is checked.
    private func crossSiteRefusal() -> HTTPResponse? {
        if head.headers["sec-fetch-site"] == "cross-site" {
            return ConsoleReply.error(403, "CrossSiteRequest", "The console accepts changes only from its own pages.")
        }
        guard let origin = head.headers["origin"], let host = head.headers["host"] else { return nil }
        let expected = (head.isSecure ? "https://" : "http://") + host
        return origin == expected ? nil : ConsoleReply.error(403, "CrossSiteRequest", "The console accepts changes only from its own pages.")
    }

    private func tooLarge(limit: Int) -> HTTPResponse? {
        if let length = head.headers["content-length"].flatMap(Int.init), length > limit {
            return ConsoleReply.error(413, "RequestEntityTooLarge", "The request body is larger than \(limit) bytes.")
        }
        return nil
    }
}
