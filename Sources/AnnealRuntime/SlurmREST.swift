import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// slurmrestd's OpenAPI v0.0.38 with JWT (`X-SLURM-USER-NAME`, `X-SLURM-USER-TOKEN`). The token
/// is read from its file at every request, so a renewed token file is used at once; it is never
/// logged or put in a message.
public struct SlurmREST: SlurmCluster {
    public let url: URL
    public let user: String
    let token: @Sendable () throws(SlurmError) -> String
    let timeout: TimeInterval

    public init(url: URL, user: String, timeout: TimeInterval = 10, token: @escaping @Sendable () throws(SlurmError) -> String) {
        self.url = url
        self.user = user
        self.timeout = timeout
        self.token = token
    }

    /// A token read from `path` at each request.
    public static func tokenFile(_ path: String) -> @Sendable () throws(SlurmError) -> String {
        { () throws(SlurmError) -> String in
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw SlurmError(.unauthorized, "cannot read the Slurm token file \(path): create it with `scontrol token username=USER` "
                    + "(the SLURM_JWT=... value) or pass --slurm-token")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return value.hasPrefix("SLURM_JWT=") ? String(value.dropFirst(10)) : value
        }
    }

    public var location: String { "slurmrestd at \(url.absoluteString) (user \(user))" }

    struct Reply: Decodable {
        struct Problem: Decodable {
            var error: String?
            var description: String?
            var error_number: Int?
            var error_code: Int?
            var errno: Int?
            var text: String { [error, description].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ") }
        }

        struct Job: Decodable {
            var job_id: Int
            var name: String?
            var comment: String?
            var job_state: String?
            var state_reason: String?
            var exit_code: Int?
            var preempt_time: Int?
            var restart_cnt: Int?
            var partition: String?
            var nodes: String?
        }

        struct Node: Decodable {
            var name: String
            var state: String?
            var state_flags: [String]?
            var partitions: [String]?
            var cpus: Int?
            var alloc_cpus: Int?
        }

        var errors: [Problem]?
        var job_id: Int?
        var jobs: [Job]?
        var nodes: [Node]?
        var partitions: [Partition]?

        struct Partition: Decodable {
            var name: String?
            var total_nodes: Int?
            var total_cpus: Int?
        }
    }

    func call(_ method: String, _ path: String, body: Data? = nil) throws(SlurmError) -> Reply {
        let secret = try token()
        guard let target = URL(string: url.absoluteString.trimmingSuffix("/") + "/slurm/v0.0.38" + path) else {
            throw SlurmError(.malformed, "\(url.absoluteString) is not a usable slurmrestd URL")
        }
        var request = URLRequest(url: target, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue(user, forHTTPHeaderField: "X-SLURM-USER-NAME")
        request.setValue(secret, forHTTPHeaderField: "X-SLURM-USER-TOKEN")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let outcome = Self.perform(request)
        guard case .success(let (data, status)) = outcome else {
            if case .failure(let error) = outcome {
                throw SlurmError(.unreachable, "\(location) is unreachable: \(error.localizedDescription)")
            }
            throw SlurmError(.unreachable, "\(location) is unreachable")
        }
        if status == 401 || status == 403 {
            throw SlurmError(.unauthorized, "\(location) refused the token (HTTP \(status)): issue a new one with "
                + "`scontrol token username=\(user)` and write it to the token file")
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: data) else {
            let text = String(decoding: data.prefix(300), as: UTF8.self)
            throw SlurmError(status >= 500 ? .unreachable : .malformed, "\(location) answered HTTP \(status) with no Slurm reply: \(text)")
        }
        if let problem = reply.errors?.first {
            let text = problem.text
            if text.contains("Invalid job id") { throw SlurmError(.notFound, text) }
            if text.contains("unable to load") || text.contains("Protocol authentication error") || text.contains("authentication") {
                throw SlurmError(.unauthorized, "\(location): \(text). The token is invalid or expired (issue a new one with "
                    + "`scontrol token username=\(user)`), or slurmctld is down")
            }
            if text.contains("Unable to contact slurm controller") || text.contains("Socket timed out") || text.contains("Connection refused") {
                throw SlurmError(.unreachable, "\(location): slurmctld does not answer (\(text))")
            }
            throw SlurmError.refusal(text)
        }
        guard (200..<300).contains(status) else {
            throw SlurmError(status >= 500 ? .unreachable : .rejected, "\(location) answered HTTP \(status)")
        }
        return reply
    }

    /// One request through URLSession's completion handler, waited for on this (non-pool) thread.
    static func perform(_ request: URLRequest) -> Result<(Data, Int), any Error> {
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                box.result = .failure(error)
            } else {
                box.result = .success((data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        return box.result ?? .failure(URLError(.unknown))
    }

    private final class Box: @unchecked Sendable {
        var result: Result<(Data, Int), any Error>?
    }

    public func ping() throws(SlurmError) {
        _ = try call("GET", "/ping")
    }

    public func submit(_ submission: SlurmSubmission) throws(SlurmError) -> Int {
        let body: Data
        do { body = try JSONEncoder().encode(submission) } catch { throw SlurmError(.malformed, "cannot encode the job: \(error)") }
        let reply = try call("POST", "/job/submit", body: body)
        guard let id = reply.job_id, id > 0 else { throw SlurmError(.rejected, "\(location) accepted the job but gave no job ID") }
        return id
    }

    public func jobs() throws(SlurmError) -> [SlurmJobInfo] {
        (try call("GET", "/jobs").jobs ?? []).map(Self.info)
    }

    public func job(_ id: Int) throws(SlurmError) -> SlurmJobInfo? {
        do {
            return try call("GET", "/job/\(id)").jobs?.first.map(Self.info)
        } catch where error.code == .notFound {
            return nil
        }
    }

    static func info(_ job: Reply.Job) -> SlurmJobInfo {
        SlurmJobInfo(id: job.job_id, name: job.name ?? "", comment: job.comment ?? "", state: job.job_state ?? "UNKNOWN",
                     reason: job.state_reason ?? "", exitCode: job.exit_code ?? 0, preemptTime: job.preempt_time ?? 0,
                     restarts: job.restart_cnt ?? 0, partition: job.partition ?? "", nodes: job.nodes ?? "")
    }

    public func signal(_ id: Int, _ name: String) throws(SlurmError) {
        _ = try call("DELETE", "/job/\(id)?signal=\(name)")
    }

    public func cancel(_ id: Int) throws(SlurmError) {
        _ = try call("DELETE", "/job/\(id)")
    }

    public func partitionExists(_ name: String) throws(SlurmError) -> Bool {
        do {
            return !(try call("GET", "/partition/\(name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)").partitions ?? []).isEmpty
        } catch where error.code == .rejected && error.message.contains("Invalid partition") {
            return false
        }
    }

    public func nodes() throws(SlurmError) -> [SlurmNode] {
        (try call("GET", "/nodes").nodes ?? []).map {
            SlurmNode(name: $0.name, state: ([$0.state ?? "unknown"] + ($0.state_flags ?? [])).joined(separator: "+").lowercased(),
                      partitions: $0.partitions ?? [], cpus: $0.cpus ?? 0, allocatedCPUs: $0.alloc_cpus ?? 0)
        }
    }

    public func partitions() throws(SlurmError) -> [SlurmPartition] {
        (try call("GET", "/partitions").partitions ?? []).compactMap { partition in
            partition.name.map { SlurmPartition(name: $0, nodes: partition.total_nodes ?? 0, cpus: partition.total_cpus ?? 0) }
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
