import Foundation

/// The Slurm commands (sbatch, squeue, sinfo, scontrol, scancel) on this machine, for clusters
/// without slurmrestd. They authenticate with munge as the user `anneal serve` runs as, so jobs
/// run as that user. `squeue --json` and `sinfo --json` answer in the same shapes as slurmrestd.
public struct SlurmCLI: SlurmCluster {
    /// SLURM_CONF for the commands (nil: theirs).
    public let configuration: String?
    let timeout: TimeInterval

    public init(configuration: String?, timeout: TimeInterval = 20) {
        self.configuration = configuration
        self.timeout = timeout
    }

    public var location: String { "the Slurm commands" + (configuration.map { " (SLURM_CONF=\($0))" } ?? "") }

    struct Output {
        var status: Int32
        var out: Data
        var err: String
    }

    func run(_ tool: String, _ arguments: [String], input: String? = nil, environment extra: [String: String] = [:]) throws(SlurmError) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        var environment = ProcessInfo.processInfo.environment
        if let configuration { environment["SLURM_CONF"] = configuration }
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin
        do { try process.run() } catch {
            throw SlurmError(.unreachable, "cannot run \(tool): \(error) (install slurm-client)")
        }
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        let killer = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        killer.cancel()
        return Output(status: process.terminationStatus, out: data, err: message.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A failed command's error: the controller down is `unreachable` (jobs wait), anything else is the cluster's answer.
    func failure(_ tool: String, _ output: Output) -> SlurmError {
        let text = output.err.split(separator: "\n").map { $0.replacingOccurrences(of: "\(tool): error: ", with: "") }.joined(separator: "; ")
        if text.contains("Unable to contact slurm controller") || text.contains("Connection refused") || text.contains("Socket timed out")
            || text.contains("Munge") || text.contains("munge") {
            return SlurmError(.unreachable, "\(location): \(tool) cannot reach slurmctld (\(text))")
        }
        if text.contains("Invalid job id") { return SlurmError(.notFound, text) }
        return text.isEmpty ? SlurmError(.rejected, "\(tool) exited with status \(output.status)") : SlurmError.refusal(text)
    }

    public func ping() throws(SlurmError) {
        let output = try run("scontrol", ["ping"])
        guard output.status == 0, String(decoding: output.out, as: UTF8.self).contains("UP") else {
            throw SlurmError(.unreachable, "\(location): slurmctld is not UP (\(String(decoding: output.out, as: UTF8.self)) \(output.err))")
        }
    }

    public func submit(_ submission: SlurmSubmission) throws(SlurmError) -> Int {
        let output = try run("sbatch", submission.sbatchArguments, input: submission.script, environment: submission.job.environment)
        guard output.status == 0 else { throw failure("sbatch", output) }
        let text = String(decoding: output.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let id = Int(text.split(separator: ";").first ?? "") else {
            throw SlurmError(.malformed, "sbatch printed no job ID: \(text)")
        }
        return id
    }

    public func jobs() throws(SlurmError) -> [SlurmJobInfo] {
        let output = try run("squeue", ["--json", "--states=all"])
        guard output.status == 0 else { throw failure("squeue", output) }
        return try decode(output.out).jobs?.map(SlurmREST.info) ?? []
    }

    public func job(_ id: Int) throws(SlurmError) -> SlurmJobInfo? {
        let output = try run("squeue", ["--json", "--states=all", "--jobs=\(id)"])
        guard output.status == 0 else {
            let error = failure("squeue", output)
            if error.code == .notFound { return nil }
            throw error
        }
        return try decode(output.out).jobs?.first { $0.job_id == id }.map(SlurmREST.info)
    }

    func decode(_ data: Data) throws(SlurmError) -> SlurmREST.Reply {
        guard let reply = try? JSONDecoder().decode(SlurmREST.Reply.self, from: data) else {
            throw SlurmError(.malformed, "\(location): cannot read the JSON of squeue/sinfo")
        }
        return reply
    }

    public func signal(_ id: Int, _ name: String) throws(SlurmError) {
        // --full: the batch shell too, as slurmrestd signals it (the script ignores USR1/USR2).
        let output = try run("scancel", ["--full", "--signal=\(name)", String(id)])
        guard output.status == 0 else { throw failure("scancel", output) }
    }

    public func cancel(_ id: Int) throws(SlurmError) {
        let output = try run("scancel", [String(id)])
        guard output.status == 0 else { throw failure("scancel", output) }
    }

    public func partitionExists(_ name: String) throws(SlurmError) -> Bool {
        let output = try run("scontrol", ["show", "partition", name])
        if output.status == 0 { return true }
        if output.err.contains("not found") { return false }
        throw failure("scontrol", output)
    }

    public func nodes() throws(SlurmError) -> [SlurmNode] {
        let output = try run("sinfo", ["--json"])
        guard output.status == 0 else { throw failure("sinfo", output) }
        return (try decode(output.out).nodes ?? []).map {
            SlurmNode(name: $0.name, state: ([$0.state ?? "unknown"] + ($0.state_flags ?? [])).joined(separator: "+").lowercased(),
                      partitions: $0.partitions ?? [], cpus: $0.cpus ?? 0, allocatedCPUs: $0.alloc_cpus ?? 0)
        }
    }

    /// From `scontrol show partition --oneliner` (22.05's scontrol has no --json):
    /// `PartitionName=batch ... TotalCPUs=64 TotalNodes=4 ...`, one line per partition.
    public func partitions() throws(SlurmError) -> [SlurmPartition] {
        let output = try run("scontrol", ["show", "partition", "--oneliner"])
        guard output.status == 0 else { throw failure("scontrol", output) }
        return String(decoding: output.out, as: UTF8.self).split(separator: "\n").compactMap { line in
            var fields: [Substring: Substring] = [:]
            for field in line.split(separator: " ") {
                guard let equals = field.firstIndex(of: "=") else { continue }
                fields[field[..<equals]] = field[field.index(after: equals)...]
            }
            guard let name = fields["PartitionName"] else { return nil }
            return SlurmPartition(name: String(name), nodes: fields["TotalNodes"].flatMap { Int($0) } ?? 0,
                                  cpus: fields["TotalCPUs"].flatMap { Int($0) } ?? 0)
        }
    }
}
