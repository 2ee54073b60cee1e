import Foundation
import Glibc

/// The CPU and memory one instance may use, enforced on its training process tree: a cgroup (v1
/// hierarchies where the memory controller is mounted as v1, otherwise v2 where it delegates memory
/// and cpu), or, where neither can be written, RLIMIT_AS as a memory fallback. The training process
/// joins the group between fork and exec, so every descendant is accounted from its first instruction.
public struct ResourceLimits: Sendable {
    public enum Mechanism: String, Sendable {
        case cgroupV1 = "cgroup v1"
        case cgroupV2 = "cgroup v2"
        case rlimit = "rlimit"
    }

    public let mechanism: Mechanism
    /// Groups made for this instance, removed by `release()`.
    let groups: [String]
    /// Open `cgroup.procs` files the child writes itself into.
    let procsDescriptors: [Int32]
    let addressSpaceLimit: Int
    /// Where the memory controller counts OOM kills (`memory.oom_control` or `memory.events`).
    let oomCounter: String?

    /// Creates the groups for instance `name` (unique on this machine) with `cpus` worth of CPU time
    /// and `memoryBytes` of memory.
    public static func apply(name: String, cpus: Int, memoryBytes: Int, hierarchy: CgroupHierarchy = .current()) -> ResourceLimits {
        let leaf = "anneal-" + String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
        if let memory = hierarchy.v1["memory"] {
            var groups: [String] = []
            var settings: [(String, String)] = []
            let memoryGroup = memory + "/" + leaf
            groups.append(memoryGroup)
            settings.append((memoryGroup + "/memory.limit_in_bytes", String(memoryBytes)))
            if FileManager.default.fileExists(atPath: memory + "/memory.memsw.limit_in_bytes") {
                settings.append((memoryGroup + "/memory.memsw.limit_in_bytes", String(memoryBytes)))
            }
            if let cpu = hierarchy.v1["cpu"] {
                let cpuGroup = cpu + "/" + leaf
                groups.append(cpuGroup)
                settings.append((cpuGroup + "/cpu.cfs_period_us", "100000"))
                settings.append((cpuGroup + "/cpu.cfs_quota_us", String(cpus * 100_000)))
                settings.append((cpuGroup + "/cpu.shares", String(Self.trainingShares)))
            }
            if let pids = hierarchy.v1["pids"] {
                let pidsGroup = pids + "/" + leaf
                groups.append(pidsGroup)
                settings.append((pidsGroup + "/pids.max", String(Self.maxProcesses)))
            }
            if let limits = make(groups: groups, settings: settings, mechanism: .cgroupV1, oomCounter: memoryGroup + "/memory.oom_control") {
                return limits
            }
        }
        if let unified = hierarchy.v2, hierarchy.v2Controllers.isSuperset(of: ["memory", "cpu"]) {
            let group = unified + "/" + leaf
            let settings = [(group + "/memory.max", String(memoryBytes)), (group + "/memory.swap.max", "0"),
                            (group + "/cpu.max", "\(cpus * 100_000) 100000"), (group + "/cpu.weight", String(Self.trainingWeight)),
                            (group + "/pids.max", String(Self.maxProcesses))]
            if let limits = make(groups: [group], settings: settings, mechanism: .cgroupV2, oomCounter: group + "/memory.events") {
                return limits
            }
        }
        return ResourceLimits(mechanism: .rlimit, groups: [], procsDescriptors: [], addressSpaceLimit: memoryBytes, oomCounter: nil)
    }

    /// The training process's weight against the platform's own threads (a worker reading and
    /// shipping its lines, the server ingesting them), ten times the default: the platform takes the
    /// CPU the script leaves rather than slowing it down, and still gets a share on a busy machine.
    static let trainingShares = 10 * 1024
    static let trainingWeight = 10 * 100

    /// A guard against fork bombs well above what any training script starts.
    static let maxProcesses = 16_384

    private static func make(groups: [String], settings: [(String, String)], mechanism: Mechanism, oomCounter: String) -> ResourceLimits? {
        var made: [String] = []
        var descriptors: [Int32] = []
        func undo() -> ResourceLimits? {
            descriptors.forEach { close($0) }
            for group in made.reversed() { rmdir(group) }
            return nil
        }
        for group in groups {
            // A group left by a worker that was killed is reused (it is empty once its processes are gone).
            guard mkdir(group, 0o755) == 0 || errno == EEXIST else { return undo() }
            made.append(group)
        }
        for (file, value) in settings {
            // memory.memsw / memory.swap need swap accounting; the limit without them still holds.
            let optional = file.hasSuffix("memsw.limit_in_bytes") || file.hasSuffix("swap.max") || file.hasSuffix("pids.max")
                || file.hasSuffix("cpu.shares") || file.hasSuffix("cpu.weight")
            guard write(value, to: file) || optional else { return undo() }
        }
        for group in made {
            let descriptor = open(group + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return undo() }
            descriptors.append(descriptor)
        }
        return ResourceLimits(mechanism: mechanism, groups: made, procsDescriptors: descriptors, addressSpaceLimit: 0, oomCounter: oomCounter)
    }

    static func write(_ value: String, to file: String) -> Bool {
        let descriptor = open(file, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return value.withCString { Glibc.write(descriptor, $0, strlen($0)) } == value.utf8.count
    }

    /// How many processes of the group the kernel killed for want of memory.
    public func outOfMemoryKills() -> Int {
        guard let counter = oomCounter, let text = try? String(contentsOfFile: counter, encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == "oom_kill", let count = Int(fields[1]) { return count }
        }
        return 0
    }

    /// Removes the empty `anneal-*` groups older than `age` seconds: those of workers that were
    /// killed before they could remove their own (a group in use always holds a process, and a new
    /// one is joined within moments of being made). Returns how many it removed.
    @discardableResult
    public static func removeStale(olderThan age: Double, hierarchy: CgroupHierarchy = .current()) -> Int {
        var removed = 0
        let now = Date()
        for parent in Array(hierarchy.v1.values) + [hierarchy.v2].compactMap({ $0 }) {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where entry.hasPrefix("anneal-") {
                let group = parent + "/" + entry
                guard let modified = (try? FileManager.default.attributesOfItem(atPath: group))?[.modificationDate] as? Date,
                      now.timeIntervalSince(modified) > age,
                      ((try? String(contentsOfFile: group + "/cgroup.procs", encoding: .utf8)) ?? "x").isEmpty else { continue }
                if rmdir(group) == 0 { removed += 1 }
            }
        }
        return removed
    }

    /// Kills whatever is left in the groups and removes them.
    public func release() {
        procsDescriptors.forEach { close($0) }
        for group in groups.reversed() {
            for attempt in 0..<50 {
                if rmdir(group) == 0 || errno == ENOENT { break }
                let pids = ((try? String(contentsOfFile: group + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n")
                for pid in pids.compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
                usleep(useconds_t(min(100, 10 * (attempt + 1)) * 1000))
            }
        }
    }
}

/// Where this process's cgroups are: for each v1 controller the directory of our own group, and
/// the v2 group with the controllers it may delegate.
public struct CgroupHierarchy: Sendable {
    public var v1: [String: String]
    public var v2: String?
    public var v2Controllers: Set<String>

    public static func current() -> CgroupHierarchy {
        let membership = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        var hierarchy = parse(membership: membership, mountinfo: mounts)
        if let group = hierarchy.v2 {
            let available = (try? String(contentsOfFile: group + "/cgroup.controllers", encoding: .utf8)) ?? ""
            hierarchy.v2Controllers = Set(available.split(whereSeparator: \.isWhitespace).map(String.init))
        }
        return hierarchy
    }

    /// From /proc/self/cgroup (`id:controllers:path`) and /proc/self/mountinfo (mount root, mount
    /// point, file system type and super options).
    static func parse(membership: String, mountinfo: String) -> CgroupHierarchy {
        var v1Mounts: [String: (root: String, point: String)] = [:]
        var v2Mount: (root: String, point: String)?
        for line in mountinfo.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let fields = halves[0].split(separator: " ")
            let tail = halves[1].split(separator: " ")
            guard fields.count >= 5, tail.count >= 3 else { continue }
            let root = String(fields[3]), point = String(fields[4])
            if tail[0] == "cgroup2" {
                v2Mount = (root, point)
            } else if tail[0] == "cgroup" {
                for option in tail[2].split(separator: ",") where ["memory", "cpu", "pids"].contains(String(option)) {
                    v1Mounts[String(option)] = (root, point)
                }
            }
        }
        var hierarchy = CgroupHierarchy(v1: [:], v2: nil, v2Controllers: [])
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2])
            if parts[1].isEmpty {
                if let mount = v2Mount { hierarchy.v2 = join(mount, path) }
                continue
            }
            for controller in parts[1].split(separator: ",") {
                if let mount = v1Mounts[String(controller)] { hierarchy.v1[String(controller)] = join(mount, path) }
            }
        }
        return hierarchy
    }

    private static func join(_ mount: (root: String, point: String), _ path: String) -> String {
        var relative = path
        if mount.root != "/" && relative.hasPrefix(mount.root) { relative = String(relative.dropFirst(mount.root.count)) }
        if relative == "/" { relative = "" }
        return mount.point + relative
    }
}
