import AnnealClient
import Foundation

/// `anneal tune SPEC.json` and `anneal tunes list|describe|stop|trials`: hyperparameter tuning jobs
/// through the same signed SageMaker API boto3 uses.
enum TunesCommand {
    static let usage = """
        usage: anneal tune SPEC.json [--name NAME] [--wait] [--json]
               anneal tunes list [--json]
               anneal tunes describe NAME [--json]
               anneal tunes stop NAME
               anneal tunes trials NAME [--json]
        SPEC.json is a CreateHyperParameterTuningJob request (the API's shape: HyperParameterTuningJobConfig,
        TrainingJobDefinition, ...); --name sets or overrides HyperParameterTuningJobName. --wait follows
        the job (trials launched and finished, best objective so far) and exits 0 when it completes.
        trials ranks the training jobs by their objective, best first.
        options: --home DIR (default $ANNEAL_HOME or ~/.anneal)
        """

    /// `anneal tune SPEC.json`.
    static func tune(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do { parsed = try Arguments(arguments, flags: ["help", "json", "wait"], options: ["home", "name"]) } catch {
            printError("anneal tune: \(error)\n\(usage)")
            return ExitCode.usage
        }
        guard !parsed.flags.contains("help"), parsed.positional.count == 1, let path = parsed.positional.first else {
            print(usage)
            return parsed.flags.contains("help") ? ExitCode.success : ExitCode.usage
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("anneal tune: cannot read \(path)")
            return ExitCode.usage
        }
        guard var request = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            printError("anneal tune: \(path) is not a JSON object (expected a CreateHyperParameterTuningJob request)")
            return ExitCode.usage
        }
        if let name = parsed.options["name"] { request["HyperParameterTuningJobName"] = name }
        guard let name = request["HyperParameterTuningJobName"] as? String else {
            printError("anneal tune: give the tuning job a name: --name NAME, or HyperParameterTuningJobName in \(path)")
            return ExitCode.usage
        }
        let client: AWSClient
        do { client = try ClientProfile.load(home: parsed.options["home"]) } catch {
            printError("anneal tune: \(error)")
            return ExitCode.failure
        }
        let json = parsed.flags.contains("json")
        let body: [UInt8]
        do { body = try JobsCommand.body(request) } catch {
            printError("anneal tune: cannot encode the request: \(error)")
            return ExitCode.usage
        }
        return JobsCommand.run { () async throws -> Int32 in
            let reply = JobsCommand.object(try await client.json(signingName: "sagemaker", target: "SageMaker.CreateHyperParameterTuningJob",
                                                                 body: body))
            if !json { print("Created \(reply["HyperParameterTuningJobArn"] as? String ?? name)") }
            guard parsed.flags.contains("wait") else {
                if json { try printJSON(reply) }
                return ExitCode.success
            }
            return try await follow(client, name, json: json)
        }
    }

    /// `anneal tunes ...`.
    static func main(_ arguments: [String]) -> Int32 {
        let command: VerbCommand
        switch VerbCommand.parse(arguments, command: "anneal tunes", usage: usage, flags: ["json"], options: [], noun: "tuning job") {
        case .exit(let code): return code
        case .ready(let ready): command = ready
        }
        let (parsed, verb, client) = (command.parsed, command.verb, command.client)
        let names = [command.name]
        let json = parsed.flags.contains("json")
        return JobsCommand.run { () async throws -> Int32 in
            switch verb {
            case "list": return try await list(client, json: json)
            case "describe":
                let job = try await describe(client, names[0])
                if json { try printJSON(job) } else { printSummary(job) }
                return ExitCode.success
            case "stop":
                _ = try await client.json(signingName: "sagemaker", target: "SageMaker.StopHyperParameterTuningJob",
                                          body: try JobsCommand.body(["HyperParameterTuningJobName": names[0]]))
                print("Stopping \(names[0])")
                return ExitCode.success
            case "trials": return try await trials(client, names[0], json: json)
            default:
                printError("anneal tunes: unknown verb '\(verb)'\n\(usage)")
                return ExitCode.usage
            }
        }
    }

    static func describe(_ client: AWSClient, _ name: String) async throws -> [String: Any] {
        JobsCommand.object(try await client.json(signingName: "sagemaker", target: "SageMaker.DescribeHyperParameterTuningJob",
                                                 body: try JobsCommand.body(["HyperParameterTuningJobName": name])))
    }

    static func printJSON(_ value: Any) throws {
        print(String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
    }

    static func counters(_ job: [String: Any]) -> [String: Int] {
        (job["TrainingJobStatusCounters"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    static func best(_ job: [String: Any]) -> (name: String, value: Double)? {
        guard let best = job["BestTrainingJob"] as? [String: Any], let name = best["TrainingJobName"] as? String,
              let value = (best["FinalHyperParameterTuningJobObjectiveMetric"] as? [String: Any])?["Value"] as? Double else { return nil }
        return (name, value)
    }

    static func printSummary(_ job: [String: Any]) {
        let config = job["HyperParameterTuningJobConfig"] as? [String: Any] ?? [:]
        let objective = config["HyperParameterTuningJobObjective"] as? [String: Any] ?? [:]
        let limits = config["ResourceLimits"] as? [String: Any] ?? [:]
        print("\(job["HyperParameterTuningJobName"] as? String ?? "")  \(job["HyperParameterTuningJobStatus"] as? String ?? "")")
        print("  strategy   \(config["Strategy"] as? String ?? "")  objective \(objective["Type"] as? String ?? "") "
            + "\(objective["MetricName"] as? String ?? "")")
        print("  limits     \(limits["MaxNumberOfTrainingJobs"] ?? "-") jobs, \(limits["MaxParallelTrainingJobs"] ?? "-") in parallel")
        let count = counters(job)
        print("  trials     " + ["Completed", "InProgress", "Stopped", "RetryableError", "NonRetryableError"]
            .map { "\($0) \(count[$0] ?? 0)" }.joined(separator: ", "))
        if let best = best(job) { print("  best       \(best.name)  \(best.value)") }
        if let reason = job["FailureReason"] as? String { print("  failure    \(reason)") }
    }

    /// Prints progress until the tuning job ends; 0 when it completed.
    static func follow(_ client: AWSClient, _ name: String, json: Bool) async throws -> Int32 {
        var last = ""
        while true {
            let job = try await describe(client, name)
            let status = job["HyperParameterTuningJobStatus"] as? String ?? ""
            let count = counters(job)
            let line = "\(status): \(count["Completed"] ?? 0) completed, \(count["InProgress"] ?? 0) running, "
                + "\(count["Stopped"] ?? 0) stopped, \((count["RetryableError"] ?? 0) + (count["NonRetryableError"] ?? 0)) failed"
                + (best(job).map { "; best \($0.value) (\($0.name))" } ?? "")
            if line != last && !json { print(line) }
            last = line
            if ["Completed", "Failed", "Stopped"].contains(status) {
                if json { try printJSON(job) }
                if let reason = job["FailureReason"] as? String { printError("anneal tune: \(name) failed: \(reason)") }
                return status == "Completed" ? ExitCode.success : ExitCode.failure
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    static func list(_ client: AWSClient, json: Bool) async throws -> Int32 {
        var summaries: [[String: Any]] = []
        var token: String?
        repeat {
            var request: [String: Any] = ["MaxResults": 100, "SortBy": "CreationTime", "SortOrder": "Descending"]
            if let token { request["NextToken"] = token }
            let reply = JobsCommand.object(try await client.json(signingName: "sagemaker", target: "SageMaker.ListHyperParameterTuningJobs",
                                                                 body: try JobsCommand.body(request)))
            summaries += reply["HyperParameterTuningJobSummaries"] as? [[String: Any]] ?? []
            token = reply["NextToken"] as? String
        } while token != nil
        if json {
            try printJSON(summaries)
            return ExitCode.success
        }
        print(JobsCommand.pad("NAME", 34) + JobsCommand.pad("STATUS", 12) + JobsCommand.pad("STRATEGY", 11) + "TRIALS (done/running)")
        for summary in summaries {
            let count = counters(summary)
            let done = (count["Completed"] ?? 0) + (count["Stopped"] ?? 0) + (count["RetryableError"] ?? 0) + (count["NonRetryableError"] ?? 0)
            print(JobsCommand.pad(summary["HyperParameterTuningJobName"] as? String ?? "", 34)
                + JobsCommand.pad(summary["HyperParameterTuningJobStatus"] as? String ?? "", 12)
                + JobsCommand.pad(summary["Strategy"] as? String ?? "", 11) + "\(done)/\(count["InProgress"] ?? 0)")
        }
        return ExitCode.success
    }

    /// The trials ranked by objective (best first), then those without one.
    static func trials(_ client: AWSClient, _ name: String, json: Bool) async throws -> Int32 {
        let job = try await describe(client, name)
        let config = job["HyperParameterTuningJobConfig"] as? [String: Any] ?? [:]
        let minimize = (config["HyperParameterTuningJobObjective"] as? [String: Any])?["Type"] as? String != "Maximize"
        var summaries: [[String: Any]] = []
        var token: String?
        repeat {
            var request: [String: Any] = ["HyperParameterTuningJobName": name, "MaxResults": 100]
            if let token { request["NextToken"] = token }
            let reply = JobsCommand.object(try await client.json(signingName: "sagemaker",
                                                                 target: "SageMaker.ListTrainingJobsForHyperParameterTuningJob",
                                                                 body: try JobsCommand.body(request)))
            summaries += reply["TrainingJobSummaries"] as? [[String: Any]] ?? []
            token = reply["NextToken"] as? String
        } while token != nil
        let value = { (summary: [String: Any]) in (summary["FinalHyperParameterTuningJobObjectiveMetric"] as? [String: Any])?["Value"] as? Double }
        summaries.sort { a, b in
            switch (value(a), value(b)) {
            case (let x?, let y?): return minimize ? x < y : x > y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return (a["TrainingJobName"] as? String ?? "") < (b["TrainingJobName"] as? String ?? "")
            }
        }
        if json {
            try printJSON(summaries)
            return ExitCode.success
        }
        print(JobsCommand.pad("RANK", 6) + JobsCommand.pad("TRAINING JOB", 44) + JobsCommand.pad("STATUS", 11) + JobsCommand.pad("OBJECTIVE", 14)
            + "HYPERPARAMETERS")
        for (index, summary) in summaries.enumerated() {
            let tuned = (summary["TunedHyperParameters"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            print(JobsCommand.pad(value(summary) == nil ? "-" : String(index + 1), 6) + JobsCommand.pad(summary["TrainingJobName"] as? String ?? "", 44)
                + JobsCommand.pad(summary["TrainingJobStatus"] as? String ?? "", 11)
                + JobsCommand.pad(value(summary).map { String($0) } ?? "-", 14) + tuned)
        }
        return ExitCode.success
    }
}
