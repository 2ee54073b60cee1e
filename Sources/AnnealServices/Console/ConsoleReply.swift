import AnnealHTTP
import Foundation

/// The console's own JSON replies (sign-in, session, its errors), shaped like JSON-protocol AWS
/// errors (`__type`, `message`) so the pages read every error the same way.
enum ConsoleReply {
    struct Identity: Encodable {
        var User: String
        var Arn: String
        var AccountId: String
        var CsrfToken: String
        var ExpiresAt: Int64
        var IdleSeconds: Int64

        init(_ session: ConsoleSession, limits: ConsoleSessionLimits) {
            User = session.userName
            Arn = session.principalARN
            AccountId = session.accountID
            CsrfToken = session.csrfToken
            ExpiresAt = session.createdAt + limits.absoluteSeconds
            IdleSeconds = limits.idleSeconds
        }
    }

    private struct Failure: Encodable {
        var __type: String
        var message: String
    }

    static func json<T: Encodable>(_ status: Int, _ value: T) -> HTTPResponse {
        let bytes = (try? JSONEncoder().encode(value)).map(Array.init) ?? Array("{}".utf8)
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                                                      ("X-Content-Type-Options", "nosniff")], body: .bytes(bytes))
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        json(status, Failure(__type: code, message: message))
    }

    static func signInRequired(_ message: String, secure: Bool) -> HTTPResponse {
        var reply = error(401, "ConsoleSignInRequired", message)
        reply.headers.append(("Set-Cookie", ConsoleCookie.clear(secure: secure)))
        return reply
    }
}
