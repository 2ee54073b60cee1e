import AnnealServices
import Foundation

/// Everything `anneal serve` is configured with: defaults < `$ANNEAL_HOME/config.json` <
/// environment (`ANNEAL_*`) < flags. Validated once, at start.
struct ServeConfig {
    var home: String
    var host = "127.0.0.1"
    var port: UInt16 = 8717
    var region = "us-east-1"
    var threads = max(2, ProcessInfo.processInfo.activeProcessorCount)
    var connectionTimeout = 30
    var perIPConnectionLimit = 256
    var connectionLimit = 1000
    var tlsCert: String?
    var tlsKey: String?
    var tlsCA: String?
    var endpointURL: String?
    var logLevel = "info"
    var stopGraceSeconds = 120
    var maxInstances = max(2, ProcessInfo.processInfo.activeProcessorCount)
    /// Seconds between each instance's utilisation samples (CPU, memory, disk, GPU).
    var workerMetricsPeriod = 10.0
    /// Days CloudWatch datapoints are kept (CloudWatch itself keeps them 15 months, coarsened).
    var metricRetentionDays = 455
    /// Seconds between retention passes over logs and metrics (one also runs at start).
    var retentionInterval = 3600

    static let options: Set<String> = [
        "home", "host", "port", "region", "threads", "connection-timeout", "per-ip-connection-limit", "connection-limit",
        "tls-cert", "tls-key", "tls-ca", "endpoint-url", "log-level", "stop-grace", "max-instances",
        "worker-metrics-period", "metric-retention-days", "retention-interval",
    ]

    static let help = """
        usage: anneal serve [options]

        Runs the platform in the foreground with embedded defaults (SQLite, filesystem objects).
        Every option may also be set as ANNEAL_<NAME> (e.g. ANNEAL_PORT) or in $ANNEAL_HOME/config.json.

          --home DIR                  data directory (default $ANNEAL_HOME or ~/.anneal)
          --host ADDR                 address to bind (default 127.0.0.1)
          --port N                    port (default 8717; 0 picks a free one)
          --region NAME               region in ARNs and the generated profile (default us-east-1)
          --threads N                 server threads (default: one per CPU, at least 2)
          --connection-timeout S      close connections silent for S seconds (default 30)
          --per-ip-connection-limit N connections per client address (default 256)
          --connection-limit N        connections in all (default 1000)
          --tls-cert FILE --tls-key FILE   serve HTTPS with this PEM certificate and key
          --tls-ca FILE               CA bundle written to the AWS profile (default: the certificate;
                                      "none" for a certificate from a public CA)
          --endpoint-url URL          endpoint written to the AWS profile (default from host and port)
          --log-level LEVEL           debug, info, warning or error (default info)
          --stop-grace S              seconds between SIGTERM and SIGKILL when a job stops (default 120)
          --max-instances N           training instances running at once on this machine; later jobs wait
                                      in order, Pending (default: one per CPU, at least 2)
          --worker-metrics-period S   seconds between each instance's CPU, memory, disk (and GPU)
                                      utilisation samples (default 10)
          --metric-retention-days N   days CloudWatch datapoints are kept (default 455)
          --retention-interval S      seconds between passes that delete logs and metrics past their
                                      retention (default 3600; one pass also runs at start)
        """

    /// Resolves the layers. `environment` and `fileContents` are passed in so this stays testable.
    static func resolve(arguments: Arguments, environment: [String: String]) throws(UsageError) -> ServeConfig {
        let home = arguments.options["home"] ?? environment["ANNEAL_HOME"]
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.anneal")
        var config = ServeConfig(home: home)
        var layers: [[String: String]] = []
        if let data = FileManager.default.contents(atPath: home + "/config.json") {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw UsageError("\(home)/config.json is not a JSON object; fix or remove it")
            }
            layers.append(object.mapValues { "\($0)" })
        }
        var fromEnvironment: [String: String] = [:]
        for name in options {
            let key = "ANNEAL_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
            if let value = environment[key] { fromEnvironment[name] = value }
        }
        layers.append(fromEnvironment)
        layers.append(arguments.options)
        for layer in layers {
            for (name, value) in layer where name != "home" { try config.set(name, value) }
        }
        try config.validate()
        return config
    }

    private mutating func set(_ name: String, _ value: String) throws(UsageError) {
        func number(_ range: ClosedRange<Int>) throws(UsageError) -> Int {
            guard let parsed = Int(value), range.contains(parsed) else {
                throw UsageError("--\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(value)'")
            }
            return parsed
        }
        switch name {
        case "host": host = value
        case "port": port = UInt16(try number(0...65535))
        case "region": region = value
        case "threads": threads = try number(1...256)
        case "connection-timeout": connectionTimeout = try number(1...3600)
        case "per-ip-connection-limit": perIPConnectionLimit = try number(1...100_000)
        case "connection-limit": connectionLimit = try number(1...100_000)
        case "tls-cert": tlsCert = value
        case "tls-key": tlsKey = value
        case "tls-ca": tlsCA = value
        case "endpoint-url": endpointURL = value
        case "log-level": logLevel = value
        case "stop-grace": stopGraceSeconds = try number(0...3600)
        case "max-instances": maxInstances = try number(1...10_000)
        case "worker-metrics-period":
            guard let seconds = Double(value), seconds >= 0.1, seconds <= 3600 else {
                throw UsageError("--worker-metrics-period must be a number of seconds in 0.1...3600, not '\(value)'")
            }
            workerMetricsPeriod = seconds
        case "metric-retention-days": metricRetentionDays = try number(1...36_500)
        case "retention-interval": retentionInterval = try number(1...86_400)
        default: throw UsageError("unknown setting '\(name)'")
        }
    }

    private func validate() throws(UsageError) {
        if (tlsCert == nil) != (tlsKey == nil) { throw UsageError("--tls-cert and --tls-key go together") }
        guard ["debug", "info", "warning", "error"].contains(logLevel) else {
            throw UsageError("--log-level must be debug, info, warning or error")
        }
        guard region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), !region.isEmpty else {
            throw UsageError("--region '\(region)' is not a region name (like us-east-1)")
        }
    }

    var isTLS: Bool { tlsCert != nil }

    /// The endpoint clients should use, once the port is known.
    func endpoint(boundPort: UInt16) -> String {
        if let endpointURL { return endpointURL }
        let advertised = (host == "0.0.0.0" || host == "::") ? "127.0.0.1" : host
        let hostPart = advertised.contains(":") ? "[\(advertised)]" : advertised
        return "\(isTLS ? "https" : "http")://\(hostPart):\(boundPort)"
    }
}
