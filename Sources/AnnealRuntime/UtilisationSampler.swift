import AnnealClient
import Foundation
import Glibc
import Synchronization

/// Samples what an instance uses, as SageMaker reports it for a training host: CPUUtilization (100
/// per busy core), MemoryUtilization (resident memory of the process tree, percent of the
/// machine's), DiskUtilization (percent used of the job directory's filesystem), and
/// GPUUtilization / GPUMemoryUtilization where `nvidia-smi` exists. The process tree is the
/// worker's own: the worker and everything below it (the training process, in or out of the sandbox).
public final class UtilisationSampler: Sendable {
    public struct Sample: Sendable, Equatable {
        public var cpu: Double
        public var memory: Double
        public var disk: Double
        public var gpu: Double?
        public var gpuMemory: Double?
    }

    struct Baseline {
        var time: Double
        var ticks: [Int32: UInt64]
    }

    let root: Int32
    let directory: String
    let procRoot: String
    let ticksPerSecond: Double
    let nvidiaSMI: String?
    private let baseline = Mutex<Baseline?>(nil)

    public init(root: Int32 = getpid(), directory: String, procRoot: String = "/proc",
                nvidiaSMI: String? = UtilisationSampler.findNvidiaSMI()) {
        self.root = root
        self.directory = directory
        self.procRoot = procRoot
        self.nvidiaSMI = nvidiaSMI
        ticksPerSecond = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    }

    /// One sample at `now` (seconds, monotonic or wall: only differences count). CPU is measured
    /// since the previous call: the first call returns nil and sets the baseline.
    public func sample(now: Double) -> Sample? {
        let processes = Self.tree(root: root, procRoot: procRoot)
        let ticks = processes.mapValues(\.ticks)
        let previous = baseline.withLock { state -> Baseline? in
            defer { state = Baseline(time: now, ticks: ticks) }
            return state
        }
        guard let previous, now > previous.time else { return nil }
        // Per process, so a child that ended (its ticks gone from the tree) does not make the sum drop;
        // a process new since the baseline counts all its ticks (it started within the period).
        var used: UInt64 = 0
        for (pid, current) in ticks {
            let before = previous.ticks[pid] ?? 0
            used += current >= before ? current - before : current
        }
        let cpu = Double(used) / ticksPerSecond / (now - previous.time) * 100
        let resident = processes.values.reduce(UInt64(0)) { $0 + $1.residentBytes }
        let total = Self.memoryTotal(procRoot: procRoot)
        let memory = total > 0 ? Double(resident) / Double(total) * 100 : 0
        var sample = Sample(cpu: cpu, memory: memory, disk: Self.diskUsed(directory))
        if let nvidiaSMI, let gpus = Self.gpus(nvidiaSMI) {
            sample.gpu = gpus.utilisation
            sample.gpuMemory = gpus.memory
        }
        return sample
    }

    // MARK: - /proc

    struct ProcessUse {
        var parent: Int32
        var ticks: UInt64
        var residentBytes: UInt64
    }

    /// `root` and its descendants, from /proc/<pid>/stat (utime + stime, rss).
    static func tree(root: Int32, procRoot: String) -> [Int32: ProcessUse] {
        let pageSize = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 1))
        var all: [Int32: ProcessUse] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: procRoot)) ?? [] {
            guard let pid = Int32(entry), let use = stat(pid: pid, procRoot: procRoot, pageSize: pageSize) else { continue }
            all[pid] = use
        }
        var children: [Int32: [Int32]] = [:]
        for (pid, use) in all { children[use.parent, default: []].append(pid) }
        var result: [Int32: ProcessUse] = [:]
        var queue = [root]
        while let pid = queue.popLast() {
            guard let use = all[pid], result[pid] == nil else { continue }
            result[pid] = use
            queue += children[pid] ?? []
        }
        return result
    }

    static func stat(pid: Int32, procRoot: String, pageSize: UInt64) -> ProcessUse? {
        guard let text = try? String(contentsOfFile: "\(procRoot)/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)": state(0) ppid(1) ... utime(11) stime(12) ... rss(21).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 21, let parent = Int32(fields[1]), let user = UInt64(fields[11]), let system = UInt64(fields[12]),
              let rss = Int64(fields[21]) else { return nil }
        return ProcessUse(parent: parent, ticks: user + system, residentBytes: UInt64(max(rss, 0)) * pageSize)
    }

    static func memoryTotal(procRoot: String) -> UInt64 {
        guard let text = try? String(contentsOfFile: "\(procRoot)/meminfo", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kilobytes = UInt64(parts[1]) { return kilobytes * 1024 }
        }
        return 0
    }

    /// Percent used of the filesystem, as df counts it (blocks reserved for root left out).
    static func diskUsed(_ path: String) -> Double {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        let used = Double(info.f_blocks) - Double(info.f_bfree)
        let available = used + Double(info.f_bavail)
        return available > 0 ? used / available * 100 : 0
    }

    // MARK: - GPUs

    public static func findNvidiaSMI() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/local/nvidia/bin"] {
            let candidate = "\(directory)/nvidia-smi"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Utilisation summed over the GPUs (100 per busy GPU, as SageMaker) and memory used, percent of
    /// all GPU memory. Read through popen: the worker's reaper may collect the child before pclose
    /// does, which loses nothing once the output has been read.
    static func gpus(_ nvidiaSMI: String) -> (utilisation: Double, memory: Double)? {
        guard let pipe = popen("\(nvidiaSMI) --query-gpu=utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits 2>/dev/null", "r") else {
            return nil
        }
        var output = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil {
            let length = buffer.firstIndex(of: 0) ?? buffer.count
            output += String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        pclose(pipe)
        return parseGPUs(output)
    }

    static func parseGPUs(_ output: String) -> (utilisation: Double, memory: Double)? {
        var utilisation = 0.0
        var used = 0.0
        var total = 0.0
        var seen = 0
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3, let gpu = Double(fields[0]), let memoryUsed = Double(fields[1]),
                  let memoryTotal = Double(fields[2]) else { continue }
            utilisation += gpu
            used += memoryUsed
            total += memoryTotal
            seen += 1
        }
        guard seen > 0 else { return nil }
        return (utilisation, total > 0 ? used / total * 100 : 0)
    }
}

extension UtilisationSampler {
    static let namespace = "/aws/sagemaker/TrainingJobs"

    public static let defaultPeriod = 10.0

    /// Samples every `period` seconds (the control plane's `--worker-metrics-period`, sent with the
    /// assignment) until the task is cancelled, sending each sample with PutMetricData (dimension
    /// `Host=<job>/algo-<n>`). A failed send is reported once and retried with the next sample.
    public func report(client: AWSClient, job: String, host: Int, period: Double) async {
        let period = max(period, 0.1)
        _ = sample(now: Self.monotonicSeconds())
        var warned = false
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(period * 1000)))
            guard !Task.isCancelled, let sample = sample(now: Self.monotonicSeconds()) else { continue }
            let body = Self.putMetricData(sample, job: job, host: host, at: Date().timeIntervalSince1970)
            do {
                _ = try await client.json(signingName: "monitoring", target: "GraniteServiceVersion20100801.PutMetricData",
                                          body: body, jsonVersion: "1.0")
            } catch {
                if !warned { print("anneal worker: cannot send utilisation metrics: \(error)") }
                warned = true
            }
        }
    }

    static func putMetricData(_ sample: Sample, job: String, host: Int, at time: Double) -> [UInt8] {
        var metrics: [(String, Double)] = [("CPUUtilization", sample.cpu), ("MemoryUtilization", sample.memory),
                                           ("DiskUtilization", sample.disk)]
        if let gpu = sample.gpu { metrics.append(("GPUUtilization", gpu)) }
        if let gpuMemory = sample.gpuMemory { metrics.append(("GPUMemoryUtilization", gpuMemory)) }
        let data: [[String: Any]] = metrics.map { name, value in
            ["MetricName": name, "Value": value.isFinite ? value : 0, "Unit": "Percent", "Timestamp": time, "StorageResolution": 1,
             "Dimensions": [["Name": "Host", "Value": "\(job)/algo-\(host)"]]]
        }
        let body: [String: Any] = ["Namespace": namespace, "MetricData": data]
        return Array((try? JSONSerialization.data(withJSONObject: body)) ?? Data("{}".utf8))
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
