import AnnealClient
import Foundation

/// New lines of a training job's log streams (`/aws/sagemaker/TrainingJobs`, one stream per host,
/// `<job>/algo-<n>-<epoch>`), each stream read forward from where the previous call stopped.
struct JobLogReader {
    static let group = "/aws/sagemaker/TrainingJobs"
    let job: String
    private var tokens: [String: String] = [:]

    init(job: String) { self.job = job }

    struct Line {
        var stream: String
        var message: String
        /// When the worker saw the line, in seconds since 1970.
        var time: Double
        /// `algo-2` from `job/algo-2-1733338800`.
        var host: String {
            let last = stream.split(separator: "/").last.map(String.init) ?? stream
            guard let dash = last.lastIndex(of: "-"), last[last.index(after: dash)...].allSatisfy(\.isNumber) else { return last }
            return String(last[..<dash])
        }
    }

    mutating func next(_ client: AWSClient) async throws -> [Line] {
        let streams: [String]
        do {
            let reply = JobsCommand.object(try await client.json(signingName: "logs", target: "Logs_20140328.DescribeLogStreams",
                                                                 body: try JobsCommand.body(["logGroupName": Self.group, "logStreamNamePrefix": "\(job)/"])))
            streams = (reply["logStreams"] as? [[String: Any]] ?? []).compactMap { $0["logStreamName"] as? String }
        } catch let error as ClientError where error.code == "ResourceNotFoundException" {
            return []  // no job has logged anything yet
        }
        var lines: [Line] = []
        for stream in streams {
            while true {
                var request: [String: Any] = ["logGroupName": Self.group, "logStreamName": stream, "startFromHead": true]
                if let token = tokens[stream] { request["nextToken"] = token }
                let page = JobsCommand.object(try await client.json(signingName: "logs", target: "Logs_20140328.GetLogEvents",
                                                                    body: try JobsCommand.body(request)))
                let events = page["events"] as? [[String: Any]] ?? []
                lines += events.map {
                    Line(stream: stream, message: $0["message"] as? String ?? "", time: ($0["timestamp"] as? Double ?? 0) / 1000)
                }
                tokens[stream] = page["nextForwardToken"] as? String ?? tokens[stream]
                if events.isEmpty { break }
            }
        }
        return lines
    }
}

/// `anneal train --wait`: the job's secondary-status transitions and log lines as they come, until
/// it ends; the exit code is the outcome (0 Completed, 1 Failed, 2 Stopped).
struct JobFollower {
    let client: AWSClient
    let name: String
    let instanceCount: Int
    let json: Bool
    var interval: Duration = .milliseconds(500)

    struct Description: Decodable {
        struct Transition: Decodable {
            var Status: String
            var StatusMessage: String?
            var StartTime: Double?
        }
        var TrainingJobStatus: String
        var SecondaryStatus: String?
        var SecondaryStatusTransitions: [Transition]?
        var FailureReason: String?
        var ModelArtifacts: [String: String]?
        var TrainingTimeInSeconds: Int?
        var BillableTimeInSeconds: Int?
    }

    func say(_ line: String) {
        if json { printError(line) } else { print(line) }
    }

    /// Transitions and log lines in the order they happened. Lines reach the log store a little after
    /// the worker printed them, so a transition waits (up to `holdSeconds`) until a later line shows
    /// that everything before it has arrived.
    func follow() async throws -> Int32 {
        var logs = JobLogReader(job: name)
        var queued: [String] = []  // each transition's text as last queued, by index
        var held: [(time: Double, text: String)] = []
        var latestLine = 0.0
        while true {
            let job = try await client.call(signingName: "sagemaker", target: "SageMaker.DescribeTrainingJob",
                                            ["TrainingJobName": name], as: Description.self)
            let now = Date().timeIntervalSince1970
            for (index, transition) in (job.SecondaryStatusTransitions ?? []).enumerated() {
                let text = Self.format(transition)
                if index < queued.count {
                    if queued[index] == text { continue }
                    queued[index] = text
                } else {
                    queued.append(text)
                }
                held.append((transition.StartTime ?? now, text))
            }
            let ended = ["Completed", "Failed", "Stopped"].contains(job.TrainingJobStatus)
            // Read after the description, so an ended job's last lines are in.
            let lines = try await logs.next(client)
            latestLine = max(latestLine, lines.map(\.time).max() ?? 0)
            let due = held.filter { ended || $0.time <= latestLine || now - $0.time > Self.holdSeconds }
            held.removeAll { item in due.contains { $0 == item } }
            var events = due.enumerated().map { (time: $0.element.time, order: $0.offset, text: $0.element.text) }
            events += lines.enumerated().map { (time: $0.element.time, order: due.count + $0.offset,
                                               text: instanceCount > 1 ? "[\($0.element.host)] \($0.element.message)" : $0.element.message) }
            for event in events.sorted(by: { ($0.time, $0.order) < ($1.time, $1.order) }) { say(event.text) }
            fflush(nil)
            if ended { return try await finish(job) }
            try await Task.sleep(for: interval)
        }
    }

    static let holdSeconds = 2.0

    func finish(_ job: Description) async throws -> Int32 {
        let seconds = job.TrainingTimeInSeconds.map { " Training seconds: \($0). Billable seconds: \(job.BillableTimeInSeconds ?? $0)." } ?? ""
        switch job.TrainingJobStatus {
        case "Completed":
            say("Training job \(name) Completed.\(seconds)")
            if let model = job.ModelArtifacts?["S3ModelArtifacts"] { say("Model: \(model)") }
        case "Stopped":
            say("Training job \(name) Stopped (\(job.SecondaryStatus ?? "Stopped")).\(seconds)")
        default:
            say("Training job \(name) Failed.")
            printError("FailureReason: \(job.FailureReason ?? "(none given)")")
        }
        if json { _ = try await JobsCommand.describe(client, name, json: true) }
        fflush(nil)
        switch job.TrainingJobStatus {
        case "Completed": return ExitCode.success
        case "Stopped": return 2
        default: return ExitCode.failure
        }
    }

    static func format(_ transition: Description.Transition) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let time = transition.StartTime.map { formatter.string(from: Date(timeIntervalSince1970: $0)) } ?? ""
        return "\(time) \(transition.Status) - \(transition.StatusMessage ?? "")"
    }
}
