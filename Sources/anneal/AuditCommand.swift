import AnnealClient
import AnnealCore
import AnnealServices
import Foundation

/// `anneal audit`: the audit log (denied requests, IAM changes, STS sessions), newest first, through
/// the same signed `ListAuditEvents` the web console calls.
enum AuditCommand {
    static let usage = """
        usage: anneal audit [--since WHEN] [--denied] [--principal ARN] [--limit N] [--json]
        options: --since WHEN     only events since then: a duration back (90s, 15m, 2h, 7d), epoch
                                  seconds, or an ISO 8601 time (2026-12-04T21:00:00Z)
                 --denied         only denied requests
                 --principal ARN  only this caller's events
                 --limit N        at most N events (default 100)
                 --json           the events as JSON, as ListAuditEvents returns them
                 --home DIR       (default $ANNEAL_HOME or ~/.anneal)
        """

    static func main(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, flags: ["help", "json", "denied"], options: ["home", "since", "principal", "limit"])
        } catch {
            printError("anneal audit: \(error)\n\(usage)")
            return ExitCode.usage
        }
        if parsed.flags.contains("help") {
            print(usage)
            return ExitCode.success
        }
        guard parsed.positional.isEmpty else {
            printError("anneal audit: unexpected argument '\(parsed.positional[0])'\n\(usage)")
            return ExitCode.usage
        }
        var request: [String: Any] = [:]
        if let since = parsed.options["since"] {
            guard let start = AuditQuery.since(since, nowMilliseconds: Int64(Date().timeIntervalSince1970 * 1000)) else {
                printError("anneal audit: --since \(since) is not a duration (90s, 15m, 2h, 7d), epoch seconds or an ISO 8601 time\n\(usage)")
                return ExitCode.usage
            }
            request["StartTime"] = Double(start) / 1000
        }
        if parsed.flags.contains("denied") { request["Outcome"] = "Denied" }
        if let principal = parsed.options["principal"] { request["Principal"] = principal }
        var limit = 100
        if let text = parsed.options["limit"] {
            guard let value = Int(text), value >= 1 else {
                printError("anneal audit: --limit must be a positive integer\n\(usage)")
                return ExitCode.usage
            }
            limit = value
        }
        let client: AWSClient
        do { client = try ClientProfile.load(home: parsed.options["home"]) } catch {
            printError("anneal audit: \(error)")
            return ExitCode.failure
        }
        let json = parsed.flags.contains("json")
        let base = request
        let result = ExitBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { result.set(try await list(client, base, limit: limit, json: json)) } catch {
                printError("anneal audit: \(error)")
                result.set(ExitCode.failure)
            }
            done.signal()
        }
        done.wait()
        return result.get()
    }

    static func list(_ client: AWSClient, _ base: [String: Any], limit: Int, json: Bool) async throws -> Int32 {
        var events: [[String: Any]] = []
        var token: String?
        repeat {
            var request = base
            request["MaxResults"] = min(1000, limit - events.count)
            if let token { request["NextToken"] = token }
            let reply = JobsCommand.object(try await client.json(signingName: "anneal", target: "\(AuditService.prefix).ListAuditEvents",
                                                                 body: try JobsCommand.body(request)))
            events += reply["AuditEvents"] as? [[String: Any]] ?? []
            token = reply["NextToken"] as? String
        } while token != nil && events.count < limit
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: events, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return ExitCode.success
        }
        let pad = JobsCommand.pad
        print(pad("TIME", 25) + pad("OUTCOME", 8) + pad("ERROR", 24) + pad("ACTION", 32) + pad("PRINCIPAL", 48) + pad("SOURCE", 16) + "RESOURCE")
        let format = ISO8601DateFormatter()
        for event in events {
            let time = (event["EventTime"] as? Double).map { format.string(from: Date(timeIntervalSince1970: $0)) } ?? ""
            print(pad(time, 25) + pad(event["Outcome"] as? String ?? "", 8) + pad(event["ErrorCode"] as? String ?? "-", 24)
                + pad(event["Action"] as? String ?? "", 32) + pad(event["Principal"] as? String ?? "", 48)
                + pad(event["SourceIp"] as? String ?? "", 16) + (event["Resource"] as? String ?? ""))
        }
        if events.isEmpty { print("(no audit events)") }
        return ExitCode.success
    }
}
