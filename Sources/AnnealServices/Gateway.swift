import AnnealAWS
import AnnealCore
import AnnealCrypto
import AnnealHTTP
import Glibc

public struct GatewayConfig: Sendable {
    /// Largest body accepted by the JSON and Query services (S3 streams instead).
    public var maxRequestBody = 10 * 1024 * 1024
    /// Wall clock in epoch seconds, for signature skew and expiry.
    public var clock: @Sendable () -> Int64 = { Int64(time(nil)) }

    public init() {}
}

/// The one HTTP handler behind the port: operations endpoints, then SigV4 authentication, then the
/// service that the request's protocol selects.
public final class Gateway: HTTPHandler {
    let services: ServiceDirectory
    let credentials: CredentialResolver
    let policy: any AccessPolicy
    let metrics: PlatformMetrics
    let logger: Logger
    let config: GatewayConfig
    let gauges: @Sendable () -> [(name: String, help: String, value: Double)]
    /// The web console under `/console/` (none: those paths are S3's).
    let console: Console?
    /// Where denied requests and IAM changes are recorded (none: nothing is).
    let audit: AuditTrail?

    public init(services: ServiceDirectory, credentials: CredentialResolver, policy: any AccessPolicy,
                metrics: PlatformMetrics, logger: Logger, config: GatewayConfig = GatewayConfig(), console: Console? = nil,
                audit: AuditTrail? = nil,
                gauges: @escaping @Sendable () -> [(name: String, help: String, value: Double)] = { [] }) {
        self.services = services
        self.credentials = credentials
        self.policy = policy
        self.metrics = metrics
        self.logger = logger
        self.config = config
        self.gauges = gauges
        self.console = console
        self.audit = audit
    }

    public func exchange(for head: HTTPRequestHead) -> any HTTPExchange {
        if let console, Console.claims(head) { return ConsoleExchange(console: console, gateway: self, head: head) }
        return APIExchange(gateway: self, head: head)
    }
}

/// Where a request goes, decided from its headers alone.
enum Route {
    case operations
    case json(any JSONService, operation: String)
    case unknownTarget(String)
    case query
    case s3
}

enum RequestClassifier {
    static func route(_ head: HTTPRequestHead, services: ServiceDirectory) -> (Route, AWSProtocol) {
        if let target = head.headers["x-amz-target"] {
            if let (service, operation) = services.jsonService(target: target) {
                return (.json(service, operation: operation), service.wire)
            }
            let wire: AWSProtocol = target.hasPrefix("GraniteServiceVersion20100801") ? .json10 : .json11
            return (.unknownTarget(target), wire)
        }
        let isRoot = head.rawPath == "/" || head.rawPath.isEmpty
        let contentType = head.headers["content-type"]?.lowercased() ?? ""
        if isRoot && head.method == "POST" && contentType.hasPrefix("application/x-www-form-urlencoded") {
            return (.query, .query)
        }
        if isRoot && (head.method == "GET" || head.method == "POST") && queryHasAction(head.rawQuery) {
            return (.query, .query)
        }
        if isUnsigned(head) && head.method == "GET" && (head.rawPath == "/healthz" || head.rawPath == "/metrics") {
            return (.operations, .restXML)
        }
        return (.s3, .restXML)
    }

    static func queryHasAction(_ query: String) -> Bool {
        query.hasPrefix("Action=") || query.contains("&Action=")
    }

    static func isUnsigned(_ head: HTTPRequestHead) -> Bool {
        head.headers["authorization"] == nil && !head.rawQuery.contains("X-Amz-Credential=")
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}
