import AnnealClient
import Foundation

/// `anneal capacity [pools|instances|queue|cost] [--json]` and `anneal capacity reclaim INSTANCE`:
/// the operator's view of the capacity pools, through the signed internal API.
enum CapacityCommand {
    static let usage = """
        usage: anneal capacity [--json] [--all]      pools, running instances, the queue and cost so far
               anneal capacity instances [--job NAME] [--all] [--json]
               anneal capacity reclaim INSTANCE     take a spot instance back (its job is interrupted and restarts)
        options: --home DIR (default $ANNEAL_HOME or ~/.anneal)
                 --all: every instance ever launched, not only the running ones
        """

    static func main(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do { parsed = try Arguments(arguments, flags: ["help", "json", "all"], options: ["home", "job"]) } catch {
            printError("anneal capacity: \(error)\n\(usage)")
            return ExitCode.usage
        }
        if parsed.flags.contains("help") {
            print(usage)
            return ExitCode.success
        }
        let verb = parsed.positional.first ?? "show"
        let rest = Array(parsed.positional.dropFirst())
        guard ["show", "instances", "reclaim"].contains(verb) else {
            printError("anneal capacity: unknown verb '\(verb)'\n\(usage)")
            return ExitCode.usage
        }
        guard verb == "reclaim" ? rest.count == 1 : rest.isEmpty else {
            printError("anneal capacity \(verb): \(verb == "reclaim" ? "needs exactly one instance ID" : "takes no argument")\n\(usage)")
            return ExitCode.usage
        }
        let client: AWSClient
        do { client = try ClientProfile.load(home: parsed.options["home"]) } catch {
            printError("anneal capacity: \(error)")
            return ExitCode.failure
        }
        let target = "AnnealCapacity_20261204"
        return JobsCommand.run { () async throws -> Int32 in
            if verb == "reclaim" {
                _ = try await client.json(signingName: "sagemaker", target: "\(target).ReclaimInstance",
                                          body: try JobsCommand.body(["InstanceId": rest[0]]))
                print("Reclaimed \(rest[0]): its job is interrupted and will restart on new capacity")
                return ExitCode.success
            }
            var request: [String: Any] = ["Running": !parsed.flags.contains("all"), "MaxResults": 100_000]
            if let job = parsed.options["job"] { request["Job"] = job }
            let bytes = try await client.json(signingName: "sagemaker", target: "\(target).DescribeCapacity", body: try JobsCommand.body(request))
            let reply = JobsCommand.object(bytes)
            if parsed.flags.contains("json") {
                print(String(decoding: try JSONSerialization.data(withJSONObject: reply, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
                return ExitCode.success
            }
            if verb == "show" { printPools(reply) }
            let warm = reply["WarmPools"] as? [[String: Any]] ?? []
            printInstances(reply["Instances"] as? [[String: Any]] ?? [], warm: Set(warm.flatMap { $0["instances"] as? [String] ?? [] }))
            if verb == "show" { printWarmPools(warm) }
            if verb == "show" { printQueueAndCost(reply) }
            return ExitCode.success
        }
    }

    static func printPools(_ reply: [String: Any]) {
        print(JobsCommand.pad("POOL", 11) + JobsCommand.pad("INSTANCES", 11) + JobsCommand.pad("VCPUS", 12) + JobsCommand.pad("MEMORY MIB", 18)
            + "GPUS")
        for pool in reply["Pools"] as? [[String: Any]] ?? [] {
            let used = pool["used"] as? [String: Any] ?? [:]
            let capacity = pool["capacity"] as? [String: Any] ?? [:]
            func pair(_ key: String) -> String { "\(used[key] ?? 0)/\(capacity[key] ?? 0)" }
            let cap = (pool["maxInstances"] as? Int).map { "/\($0)" } ?? ""
            print(JobsCommand.pad(pool["pool"] as? String ?? "", 11) + JobsCommand.pad("\(pool["instances"] ?? 0)\(cap)", 11)
                + JobsCommand.pad(pair("vCPUs"), 12) + JobsCommand.pad(pair("memoryMiB"), 18) + pair("gpus"))
        }
        if let cap = reply["MaxInstances"] as? Int { print("at most \(cap) instances at once over all pools (--max-instances)") }
        if let cluster = reply["Cluster"] as? [String: Any] { printCluster(cluster) }
        print("")
    }

    static func printWarmPools(_ pools: [[String: Any]]) {
        guard !pools.isEmpty else { return }
        print("\nwarm pools: \(pools.count) (instances kept for a matching next job, KeepAlivePeriodInSeconds)")
        for pool in pools {
            let instances = (pool["instances"] as? [String] ?? []).joined(separator: ",")
            print("  \(pool["job"] as? String ?? "")  \(pool["instanceType"] as? String ?? "")  \(instances)  "
                + "\(Int(pool["secondsLeft"] as? Double ?? 0)) s left")
        }
    }

    static func printInstances(_ instances: [[String: Any]], warm: Set<String> = []) {
        print(JobsCommand.pad("INSTANCE", 12) + JobsCommand.pad("POOL", 11) + JobsCommand.pad("TYPE", 16) + JobsCommand.pad("HOST", 8)
            + JobsCommand.pad("JOB", 36) + "STATE")
        for instance in instances {
            let id = instance["instanceID"] as? String ?? ""
            let state = (instance["releasedAt"] as? Double) != nil ? "released (\(instance["releaseReason"] as? String ?? ""))"
                : warm.contains(id) ? "warm" : "running"
            print(JobsCommand.pad(instance["instanceID"] as? String ?? "", 12) + JobsCommand.pad(instance["pool"] as? String ?? "", 11)
                + JobsCommand.pad(instance["instanceType"] as? String ?? "", 16) + JobsCommand.pad("algo-\(instance["host"] ?? 0)", 8)
                + JobsCommand.pad(instance["job"] as? String ?? "", 36) + state)
        }
    }

    static func printQueueAndCost(_ reply: [String: Any]) {
        let queue = reply["Queue"] as? [[String: Any]] ?? []
        print("\nqueue: \(queue.count) job(s) waiting")
        for entry in queue {
            print("  " + JobsCommand.pad(entry["job"] as? String ?? "", 36) + JobsCommand.pad(entry["pool"] as? String ?? "", 11)
                + "\(entry["count"] ?? 1) × \(entry["instanceType"] ?? "") for \(Int(entry["waitingSeconds"] as? Double ?? 0)) s")
        }
        let cost = reply["Cost"] as? [String: Any] ?? [:]
        let onDemand = cost["OnDemandEquivalent"] as? Double ?? 0
        let actual = cost["Actual"] as? Double ?? 0
        let saved = cost["Saved"] as? Double ?? 0
        print(String(format: "\ncost so far: $%.6f on-demand equivalent, $%.6f actual, $%.6f saved (%.0f%%)", onDemand, actual, saved,
                     onDemand > 0 ? saved / onDemand * 100 : 0))
    }

    /// The Slurm cluster behind the pools: nodes in use per pool's partition.
    static func printCluster(_ cluster: [String: Any]) {
        print("\ncluster: \(cluster["cluster"] ?? "")")
        if cluster["reachable"] as? Bool != true {
            print("  unreachable: \(cluster["error"] ?? "")")
            return
        }
        print("  " + JobsCommand.pad("POOL", 11) + JobsCommand.pad("PARTITION", 14) + JobsCommand.pad("NODES IN USE", 14)
            + JobsCommand.pad("POWERED DOWN", 14) + JobsCommand.pad("CPUS", 12) + "ANNEAL JOBS (RUNNING/WAITING)")
        for pool in cluster["pools"] as? [[String: Any]] ?? [] {
            print("  " + JobsCommand.pad(pool["pool"] as? String ?? "", 11) + JobsCommand.pad(pool["partition"] as? String ?? "", 14)
                + JobsCommand.pad("\(pool["nodesInUse"] ?? 0)/\(pool["nodes"] ?? 0)", 14) + JobsCommand.pad("\(pool["nodesPoweredDown"] ?? 0)", 14)
                + JobsCommand.pad("\(pool["allocatedCPUs"] ?? 0)/\(pool["cpus"] ?? 0)", 12)
                + "\(pool["annealJobsRunning"] ?? 0)/\(pool["annealJobsWaiting"] ?? 0)")
        }
    }
}
