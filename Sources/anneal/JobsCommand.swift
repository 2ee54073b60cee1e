import AnnealClient
import Foundation

/// `anneal jobs list|describe|stop|logs|metrics`: the training jobs of the server whose profile
/// `$ANNEAL_HOME/aws` holds (or the AWS_* variables), through the same signed API boto3 uses.
enum JobsCommand {
    static let usage = """
        usage: anneal jobs list [--json]
               anneal jobs describe NAME [--json]
               anneal jobs stop NAME
               anneal jobs logs NAME [--follow]
               anneal jobs metrics NAME [--json] [--plot FILE.svg]
        options: --home DIR (default $ANNEAL_HOME or ~/.anneal)
        metrics: the job's algorithm metrics (MetricDefinitions) and each instance's CPU, memory, disk
                 (and GPU) utilisation, as a table; --json for machines; --plot draws them as SVG
        """

    static func main(_ arguments: [String]) -> Int32 {
        let command: VerbCommand
        switch VerbCommand.parse(arguments, command: "anneal jobs", usage: usage, flags: ["json", "follow"], options: ["plot"], noun: "job") {
        case .exit(let code): return code
        case .ready(let ready): command = ready
        }
        let (parsed, verb, client) = (command.parsed, command.verb, command.client)
        let names = [command.name]
        return run { () async throws -> Int32 in
            switch verb {
            case "list": return try await list(client, json: parsed.flags.contains("json"))
            case "describe": return try await describe(client, names[0], json: parsed.flags.contains("json"))
            case "stop":
                _ = try await client.json(signingName: "sagemaker", target: "SageMaker.StopTrainingJob",
                                          body: try body(["TrainingJobName": names[0]]))
                print("Stopping \(names[0])")
                return ExitCode.success
            case "logs": return try await logs(client, names[0], follow: parsed.flags.contains("follow"))
            case "metrics":
                return try await JobsMetrics.run(client, names[0], json: parsed.flags.contains("json"), plot: parsed.options["plot"])
            default:
                printError("anneal jobs: unknown verb '\(verb)'\n\(usage)")
                return ExitCode.usage
            }
        }
    }

    static func body(_ object: [String: Any]) throws -> [UInt8] { Array(try JSONSerialization.data(withJSONObject: object)) }

    static func object(_ bytes: [UInt8]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
    }

    static func list(_ client: AWSClient, json: Bool) async throws -> Int32 {
        var summaries: [[String: Any]] = []
        var token: String?
        repeat {
            var request: [String: Any] = ["MaxResults": 100, "SortBy": "CreationTime", "SortOrder": "Descending"]
            if let token { request["NextToken"] = token }
            let reply = object(try await client.json(signingName: "sagemaker", target: "SageMaker.ListTrainingJobs", body: try body(request)))
            summaries += reply["TrainingJobSummaries"] as? [[String: Any]] ?? []
            token = reply["NextToken"] as? String
        } while token != nil
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: summaries, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return ExitCode.success
        }
        print(pad("NAME", 40) + pad("STATUS", 12) + pad("SECONDARY", 20) + "CREATED")
        for summary in summaries {
            let created = (summary["CreationTime"] as? Double).map { Date(timeIntervalSince1970: $0).description } ?? ""
            print(pad(summary["TrainingJobName"] as? String ?? "", 40) + pad(summary["TrainingJobStatus"] as? String ?? "", 12)
                + pad(summary["SecondaryStatus"] as? String ?? "", 20) + created)
        }
        return ExitCode.success
    }

    static func describe(_ client: AWSClient, _ name: String, json: Bool) async throws -> Int32 {
        let reply = try await client.json(signingName: "sagemaker", target: "SageMaker.DescribeTrainingJob",
                                          body: try body(["TrainingJobName": name]))
        let job = object(reply)
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: job, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return ExitCode.success
        }
        print("\(name): \(job["TrainingJobStatus"] as? String ?? "?") (\(job["SecondaryStatus"] as? String ?? "?"))")
        if let reason = job["FailureReason"] as? String { print("FailureReason: \(reason)") }
        for transition in job["SecondaryStatusTransitions"] as? [[String: Any]] ?? [] {
            print("  " + pad(transition["Status"] as? String ?? "", 14) + (transition["StatusMessage"] as? String ?? ""))
        }
        for metric in job["FinalMetricDataList"] as? [[String: Any]] ?? [] {
            print("  metric " + pad(metric["MetricName"] as? String ?? "", 20) + "\(metric["Value"] ?? "")")
        }
        if let artifacts = (job["ModelArtifacts"] as? [String: Any])?["S3ModelArtifacts"] as? String { print("Model: \(artifacts)") }
        return ExitCode.success
    }

    /// Every stream of the job, oldest line first; with --follow, new lines as they come until the job ends.
    static func logs(_ client: AWSClient, _ name: String, follow following: Bool) async throws -> Int32 {
        var follow = following
        var reader = JobLogReader(job: name)
        while true {
            for line in try await reader.next(client) { print(line.message) }
            fflush(nil)
            guard follow else { return ExitCode.success }
            let job = object(try await client.json(signingName: "sagemaker", target: "SageMaker.DescribeTrainingJob",
                                                   body: try body(["TrainingJobName": name])))
            if ["Completed", "Failed", "Stopped"].contains(job["TrainingJobStatus"] as? String ?? "") { follow = false }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    /// Runs async work from the synchronous CLI entry point and turns errors into messages.
    static func run(_ work: @escaping @Sendable () async throws -> Int32) -> Int32 {
        let result = ExitBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { result.set(try await work()) } catch {
                printError("anneal jobs: \(error)")
                result.set(ExitCode.failure)
            }
            done.signal()
        }
        done.wait()
        return result.get()
    }
}

/// The exit code handed from async work back to the synchronous main.
final class ExitBox: @unchecked Sendable {
    private var value: Int32 = 0
    private let lock = NSLock()
    func set(_ new: Int32) { lock.withLock { value = new } }
    func get() -> Int32 { lock.withLock { value } }
}

/// Credentials and endpoint from the profile `anneal serve` writes, or from AWS_* variables.
enum ClientProfile {
    struct Problem: Error, CustomStringConvertible { var description: String }

    static func load(home: String?) throws -> AWSClient {
        let environment = ProcessInfo.processInfo.environment
        let root = home ?? environment["ANNEAL_HOME"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.anneal")
        let config = ini(root + "/aws/config")["profile anneal"] ?? [:]
        let credentials = ini(root + "/aws/credentials")["anneal"] ?? [:]
        guard let endpoint = (environment["AWS_ENDPOINT_URL"] ?? config["endpoint_url"]).flatMap(URL.init(string:)),
              let key = environment["AWS_ACCESS_KEY_ID"] ?? credentials["aws_access_key_id"],
              let secret = environment["AWS_SECRET_ACCESS_KEY"] ?? credentials["aws_secret_access_key"] else {
            throw Problem(description: "no endpoint or credentials: start `anneal serve` (it writes \(root)/aws/), pass --home, "
                + "or set AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        return AWSClient(endpoint: endpoint, region: environment["AWS_REGION"] ?? config["region"] ?? "us-east-1",
                         credentials: ClientCredentials(accessKeyID: key, secret: secret, sessionToken: environment["AWS_SESSION_TOKEN"]))
    }

    static func ini(_ path: String) -> [String: [String: String]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var sections: [String: [String: String]] = [:]
        var current = ""
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast())
            } else if let equals = line.firstIndex(of: "="), !raw.hasPrefix(" ") {
                sections[current, default: [:]][line[..<equals].trimmingCharacters(in: .whitespaces)] =
                    line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return sections
    }
}
