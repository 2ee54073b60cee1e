import AnnealCore
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
    /// vCPUs and memory the default pools hand out per core and per byte of this machine.
    var overcommit = 8.0
    /// `--on-demand-pool` / `--spot-pool` settings over the machine's default pool.
    var poolSettings: [PoolKind: String] = [:]
    /// Spot interruptions per spot instance-hour (0: none), a trace file, and the seed of the rate model.
    var spotInterruptionRate = 0.0
    var spotTrace: String?
    var spotSeed: UInt64 = 1
    /// `--executor slurm` and its `--slurm-*` settings (ServeConfig+Slurm.swift).
    var slurm = SlurmServeSettings()

    static let options: Set<String> = Set([
        "home", "host", "port", "region", "threads", "connection-timeout", "per-ip-connection-limit", "connection-limit",
        "tls-cert", "tls-key", "tls-ca", "endpoint-url", "log-level", "stop-grace", "max-instances",
        "worker-metrics-period", "metric-retention-days", "retention-interval", "overcommit", "on-demand-pool", "spot-pool",
        "spot-interruption-rate", "spot-trace", "spot-seed",
    ]).union(SlurmServeSettings.options)

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
          --overcommit F              the default on-demand and spot pools each hand out this machine's
                                      cores × F vCPUs and memory × F (default 8; GPUs are never overcommitted)
          --on-demand-pool SPEC       override the on-demand pool, e.g. vcpus=8,memory-gib=64,gpus=0,instances=4,
          --spot-pool SPEC            quota:ml.m5.large=2 (any subset; the rest keeps the default)
          --spot-interruption-rate R  spot interruptions per spot instance-hour, at random (default 0)
          --spot-trace FILE           replay interruptions: a JSON array of {"instance": N, "afterSeconds": S}
                                      (the Nth spot instance launched is taken back S seconds after launch)
          --spot-seed N               seed of the random interruptions (default 1)
        """ + "\n" + SlurmServeSettings.help

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
        case "max-instances":
            maxInstances = try number(1...10_000)
            slurm.maxInstancesSet = true
        case "worker-metrics-period":
            guard let seconds = Double(value), seconds >= 0.1, seconds <= 3600 else {
                throw UsageError("--worker-metrics-period must be a number of seconds in 0.1...3600, not '\(value)'")
            }
            workerMetricsPeriod = seconds
        case "metric-retention-days": metricRetentionDays = try number(1...36_500)
        case "retention-interval": retentionInterval = try number(1...86_400)
        case "overcommit":
            guard let factor = Double(value), factor >= 0.01, factor <= 1000 else {
                throw UsageError("--overcommit must be a number in 0.01...1000, not '\(value)'")
            }
            overcommit = factor
        case "on-demand-pool", "spot-pool":
            let kind: PoolKind = name == "spot-pool" ? .spot : .onDemand
            _ = try Self.pool(value, over: CapacityPool(kind: kind, resources: .zero), option: name)
            poolSettings[kind] = value
        case "spot-interruption-rate":
            guard let rate = Double(value), rate >= 0, rate <= 1_000_000 else {
                throw UsageError("--spot-interruption-rate must be a number of interruptions per instance-hour, not '\(value)'")
            }
            spotInterruptionRate = rate
        case "spot-trace": spotTrace = value
        case "spot-seed":
            guard let seed = UInt64(value) else { throw UsageError("--spot-seed must be a whole number, not '\(value)'") }
            spotSeed = seed
        default: try slurm.set(name, value)
        }
    }

    private func validate() throws(UsageError) {
        if (tlsCert == nil) != (tlsKey == nil) { throw UsageError("--tls-cert and --tls-key go together") }
        guard ["debug", "info", "warning", "error"].contains(logLevel) else {
            throw UsageError("--log-level must be debug, info, warning or error")
        }
        try slurm.validate()
        guard region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), !region.isEmpty else {
            throw UsageError("--region '\(region)' is not a region name (like us-east-1)")
        }
    }

    /// A pool setting (`vcpus=8,memory-gib=64,gpus=0,instances=4,quota:ml.m5.large=2`) applied over `base`.
    static func pool(_ setting: String, over base: CapacityPool, option: String) throws(UsageError) -> CapacityPool {
        var pool = base
        for part in setting.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let number = Double(pair[1]), number >= 0, number <= 1e9 else {
                throw UsageError("--\(option): '\(part)' is not KEY=NUMBER (keys: vcpus, memory-gib, memory-mib, gpus, instances, quota:TYPE)")
            }
            switch pair[0] {
            case "vcpus": pool.resources.vCPUs = Int(number)
            case "memory-gib": pool.resources.memoryMiB = Int(number * 1024)
            case "memory-mib": pool.resources.memoryMiB = Int(number)
            case "gpus": pool.resources.gpus = Int(number)
            case "instances": pool.maxInstances = Int(number)
            case let key where key.hasPrefix("quota:ml."): pool.quotas[String(key.dropFirst(6))] = Int(number)
            default:
                throw UsageError("--\(option): unknown key '\(pair[0])' (keys: vcpus, memory-gib, memory-mib, gpus, instances, quota:TYPE)")
            }
        }
        return pool
    }

    /// The spot market's trace, read once at start.
    func spotMarketTrace() throws(UsageError) -> [SpotMarket.Interruption] {
        guard let path = spotTrace else { return [] }
        guard let data = FileManager.default.contents(atPath: path),
              let trace = try? JSONDecoder().decode([SpotMarket.Interruption].self, from: data) else {
            throw UsageError("--spot-trace \(path) cannot be read as a JSON array of {\"instance\": N, \"afterSeconds\": S}")
        }
        return trace
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
