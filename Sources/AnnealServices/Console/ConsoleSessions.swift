import AnnealCrypto
import Synchronization

/// How long console sessions live. Short on purpose: the cookie stands for the user's access key.
public struct ConsoleSessionLimits: Sendable {
    /// A session unused this long is over.
    public var idleSeconds: Int64 = 30 * 60
    /// A session is over this long after sign-in, however busy.
    public var absoluteSeconds: Int64 = 8 * 3600
    /// At most this many live sessions; the least recently used goes first.
    public var maximumSessions = 10_000

    public init() {}
}

/// One signed-in browser. The signing credentials stay on the server: the browser holds only the
/// opaque cookie (HttpOnly) and the CSRF token it must echo on every request that changes state.
public struct ConsoleSession: Sendable {
    public var principalARN: String
    public var userName: String
    public var accountID: String
    /// How the user signed in: the session ends when that key stops resolving, or when that
    /// password is changed or removed.
    public var signIn: ConsoleSignIn
    public var csrfToken: String
    /// Temporary credentials of the user's own (GetSessionToken-style) that the console signs with,
    /// so every request goes through the same authentication and IAM evaluation as boto3's.
    public var credentials: SessionCredentials
    public var createdAt: Int64
    public var lastSeen: Int64
}

public enum ConsoleSignIn: Sendable, Equatable {
    case accessKey(String)
    /// The user's ID and the password hash at sign-in.
    case password(userID: String, hash: String)
}

/// The live console sessions, by the SHA-256 of their cookie (so a timing side channel on the
/// dictionary lookup leaks nothing about a valid cookie).
public final class ConsoleSessions: Sendable {
    public enum Lookup: Sendable {
        case valid(ConsoleSession)
        case expired
        case unknown
    }

    public let limits: ConsoleSessionLimits
    private let clock: @Sendable () -> Int64
    private let random: @Sendable (Int) -> [UInt8]
    private let table = Mutex<[String: ConsoleSession]>([:])

    public init(limits: ConsoleSessionLimits = ConsoleSessionLimits(), clock: @escaping @Sendable () -> Int64,
                random: @escaping @Sendable (Int) -> [UInt8] = { SecureRandom.bytes($0) }) {
        self.limits = limits
        self.clock = clock
        self.random = random
    }

    public var now: Int64 { clock() }

    /// Starts a session; returns the cookie value (shown to the browser once, never stored) and the session.
    public func open(principalARN: String, userName: String, accountID: String, signIn: ConsoleSignIn,
                     credentials: SessionCredentials) -> (cookie: String, session: ConsoleSession) {
        let now = clock()
        let cookie = Self.token(random(32))
        let session = ConsoleSession(principalARN: principalARN, userName: userName, accountID: accountID, signIn: signIn,
                                     csrfToken: Self.token(random(24)), credentials: credentials, createdAt: now, lastSeen: now)
        table.withLock { sessions in
            sessions = sessions.filter { !isOver($0.value, now: now) }
            if sessions.count >= limits.maximumSessions,
               let oldest = sessions.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
                sessions.removeValue(forKey: oldest)
            }
            sessions[Self.key(cookie)] = session
        }
        return (cookie, session)
    }

    /// The session behind a cookie, marked as used now; an expired one is forgotten.
    public func session(cookie: String) -> Lookup {
        guard !cookie.isEmpty else { return .unknown }
        let now = clock()
        let key = Self.key(cookie)
        return table.withLock { sessions in
            guard var session = sessions[key] else { return .unknown }
            if isOver(session, now: now) {
                sessions.removeValue(forKey: key)
                return .expired
            }
            session.lastSeen = now
            sessions[key] = session
            return .valid(session)
        }
    }

    /// Ends a session (sign-out, or its key no longer resolves).
    public func close(cookie: String) {
        _ = table.withLock { $0.removeValue(forKey: Self.key(cookie)) }
    }

    public var count: Int { table.withLock { $0.count } }

    /// Whether a request's CSRF header is the session's token (constant time).
    public static func csrfMatches(_ session: ConsoleSession, header: String?) -> Bool {
        guard let header, !header.isEmpty else { return false }
        return ConstantTime.equals(Array(header.utf8), Array(session.csrfToken.utf8))
    }

    private func isOver(_ session: ConsoleSession, now: Int64) -> Bool {
        now - session.lastSeen >= limits.idleSeconds || now - session.createdAt >= limits.absoluteSeconds
            || now >= session.credentials.expiration
    }

    static func key(_ cookie: String) -> String { SHA256.hex(Array(cookie.utf8)) }

    /// URL- and cookie-safe base64 without padding.
    static func token(_ bytes: [UInt8]) -> String {
        String(Base64.encode(bytes).compactMap { character -> Character? in
            switch character {
            case "+": "-"
            case "/": "_"
            case "=": nil
            default: character
            }
        })
    }
}
