import AnnealCore
import Foundation
import Glibc
import Testing
@testable import AnnealRuntime

@Suite struct CgroupHierarchyTests {
    @Test func v1ControllersResolveToOurOwnGroups() {
        let membership = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/\n0::/\n"
        let mountinfo = """
            30 25 0:26 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
            31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
            32 25 0:28 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
            33 25 0:29 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
            """
        let hierarchy = CgroupHierarchy.parse(membership: membership, mountinfo: mountinfo)
        #expect(hierarchy.v1["memory"] == "/sys/fs/cgroup/memory/process_api/abc")
        #expect(hierarchy.v1["cpu"] == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(hierarchy.v1["pids"] == "/sys/fs/cgroup/pids")
        #expect(hierarchy.v2 == "/sys/fs/cgroup/unified")
    }

    @Test func aContainerMountRootIsStrippedFromThePath() {
        let membership = "0::/kubepods/pod1/ctr\n"
        let mountinfo = "40 30 0:30 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        let hierarchy = CgroupHierarchy.parse(membership: membership, mountinfo: mountinfo)
        #expect(hierarchy.v2 == "/sys/fs/cgroup/ctr")
        #expect(hierarchy.v1.isEmpty)
    }
}

@Suite(.serialized) struct ResourceLimitsTests {
    func run(_ command: [String], limits: ResourceLimits) async throws -> (ProcessExit, String) {
        let processes = ChildProcesses()
        let output = NSTemporaryDirectory() + "limits-" + UUID().uuidString
        let descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { unlink(output) }
        let exit: ProcessExit = try await withCheckedThrowingContinuation { continuation in
            do {
                _ = try processes.spawn(command, environment: ["PATH": "/usr/bin:/bin"], stdout: descriptor, stderr: descriptor,
                                        limits: limits, onExit: { continuation.resume(returning: $0) })
            } catch {
                continuation.resume(throwing: error)
            }
            close(descriptor)
        }
        return (exit, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }

    /// As root on a machine with a writable cgroup hierarchy (CI runs as root), the child is in a new
    /// group with the limits; elsewhere the RLIMIT_AS fallback applies. Either way the limit holds.
    @Test func theChildRunsInsideItsLimits() async throws {
        let name = "test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let limits = ResourceLimits.apply(name: name, cpus: 1, memoryBytes: 96 << 20)
        defer { limits.release() }
        if getuid() == 0, let memory = CgroupHierarchy.current().v1["memory"], access(memory, W_OK) == 0 {
            #expect(limits.mechanism == .cgroupV1, "root with a writable v1 memory hierarchy must get a cgroup")
        }
        switch limits.mechanism {
        case .cgroupV1:
            let (exit, output) = try await run(["/bin/sh", "-c", "cat /proc/self/cgroup"], limits: limits)
            #expect(exit == .exited(0))
            #expect(output.contains("memory:") && output.contains("anneal-\(name)"))
            let limit = try String(contentsOfFile: CgroupHierarchy.current().v1["memory"]! + "/anneal-\(name)/memory.limit_in_bytes",
                                   encoding: .utf8)
            #expect(Int(limit.trimmingCharacters(in: .whitespacesAndNewlines)) == 96 << 20)
            if let cpu = CgroupHierarchy.current().v1["cpu"] {
                let shares = try String(contentsOfFile: cpu + "/anneal-\(name)/cpu.shares", encoding: .utf8)
                #expect(Int(shares.trimmingCharacters(in: .whitespacesAndNewlines)) == ResourceLimits.trainingShares)
            }
        case .cgroupV2:
            let (exit, output) = try await run(["/bin/sh", "-c", "cat /proc/self/cgroup"], limits: limits)
            #expect(exit == .exited(0) && output.contains("anneal-\(name)"))
        case .rlimit:
            let (exit, output) = try await run(["/bin/sh", "-c", "ulimit -v"], limits: limits)
            #expect(exit == .exited(0))
            #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == String(96 << 10))
        }
    }

    @Test func exceedingTheMemoryLimitIsReportedAsOutOfMemory() async throws {
        let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else { Issue.record("no python3 to allocate memory with"); return }
        let limits = ResourceLimits.apply(name: "oom-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", cpus: 1, memoryBytes: 64 << 20)
        defer { limits.release() }
        let (exit, output) = try await run([python, "-c", "b = bytearray(256 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\nprint('survived')"],
                                           limits: limits)
        #expect(!output.contains("survived"))
        #expect(exit != .exited(0))
        if limits.mechanism == .rlimit {
            #expect(output.contains("MemoryError"))
        } else {
            #expect(exit == .signaled(SIGKILL))
            #expect(limits.outOfMemoryKills() >= 1)
        }
    }

    @Test func releaseRemovesTheGroups() {
        let limits = ResourceLimits.apply(name: "release-\(getpid())", cpus: 2, memoryBytes: 1 << 30)
        let groups = limits.groups
        limits.release()
        for group in groups { #expect(!FileManager.default.fileExists(atPath: group)) }
    }

    /// A killed worker leaves its groups behind: the sweep at start removes the old empty ones and
    /// leaves a recent one (a worker that has just made it) alone.
    @Test func staleGroupsAreRemovedAndRecentOnesKept() throws {
        let old = ResourceLimits.apply(name: "stale-\(getpid())", cpus: 1, memoryBytes: 1 << 30)
        let recent = ResourceLimits.apply(name: "recent-\(getpid())", cpus: 1, memoryBytes: 1 << 30)
        defer {
            old.release()
            recent.release()
        }
        guard old.mechanism != .rlimit else { return }
        let hourAgo = Date(timeIntervalSinceNow: -3600)
        for group in old.groups { try FileManager.default.setAttributes([.modificationDate: hourAgo], ofItemAtPath: group) }
        #expect(ResourceLimits.removeStale(olderThan: 600) >= old.groups.count)
        for group in old.groups { #expect(!FileManager.default.fileExists(atPath: group)) }
        for group in recent.groups { #expect(FileManager.default.fileExists(atPath: group)) }
    }
}

@Suite struct InstanceCatalogTests {
    @Test func familiesUsersNameAreKnown() {
        let catalog = InstanceCatalog()
        for name in ["ml.m5.large", "ml.c5.xlarge", "ml.r5.2xlarge", "ml.t3.medium", "ml.g4dn.xlarge", "ml.g5.12xlarge", "ml.p3.2xlarge"] {
            #expect(catalog[name] != nil, "\(name)")
        }
        #expect(catalog["ml.m5.large"]?.vCPUs == 2 && catalog["ml.m5.large"]?.memoryMiB == 8192)
        #expect(catalog["ml.g5.12xlarge"]?.gpus == 4)
        let m5 = catalog["ml.m5.xlarge"]!
        #expect(m5.spotPrice < m5.onDemandPrice && m5.spotPrice > 0)
    }

    /// Every training instance type of the SageMaker model in the families the catalog claims.
    @Test func theCatalogCoversTheModelsFamilies() throws {
        guard case .enumeration(let names) = SageMakerModel.trainingInstanceType else {
            Issue.record("TrainingInstanceType is not an enumeration")
            return
        }
        let families = ["t3", "m4", "m5", "c5", "r5", "g4dn", "g5", "p3", "p4d", "p2", "g6", "c4", "c5n", "m6i", "c6i", "r5d", "m7i", "c7i", "r7i"]
        let catalog = InstanceCatalog()
        for name in names where families.contains(name.split(separator: ".").dropFirst().first.map(String.init) ?? "") {
            #expect(catalog[name] != nil, "\(name) is missing from the catalog")
        }
    }

    @Test func overridesReplaceBuiltInEntries() {
        var catalog = InstanceCatalog()
        catalog.merge([InstanceType(name: "ml.m5.large", vCPUs: 1, memoryMiB: 512, onDemandPrice: 0.01)])
        #expect(catalog["ml.m5.large"]?.vCPUs == 1 && catalog["ml.m5.large"]?.memoryMiB == 512)
    }
}
