import AnnealCore
import AnnealStore
import Foundation
import Glibc

/// Spot interruptions, the once-a-second clock (MaxRuntime, MaxWait, MaxPending, the spot market)
/// and what `anneal capacity` shows.
extension Supervisor {
    /// Why a reclaim was refused.
    public struct ReclaimError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Takes a spot instance back (`anneal capacity reclaim`, or the spot market): its job gets the
    /// notice (its workers forward SIGTERM to the script, wait the grace period and sync checkpoints,
    /// uploading no final artifacts), is marked Interrupted, and restarts on new capacity.
    public func reclaim(_ instanceID: String, reason: String = "reclaimed by an operator") throws(ReclaimError) {
        let outcome: Result<[Int32], ReclaimError> = state.withLock { state in
            guard let (name, run) = state.runs.first(where: { $0.value.instances.values.contains { $0.id == instanceID } }),
                  let instance = run.instances.values.first(where: { $0.id == instanceID }) else {
                return .failure(ReclaimError(description: "no running instance is named \(instanceID)"))
            }
            guard instance.pool == .spot else {
                return .failure(ReclaimError(description: "\(instanceID) is an on-demand instance: only spot instances can be reclaimed"))
            }
            guard run.stopCause == nil, run.interruption == nil else { return .success([]) }
            state.runs[name]?.interruption = "Training job interrupted: spot instance \(instanceID) (algo-\(instance.host)) was \(reason)"
            state.market.released(instanceID)
            return .success(run.workers.filter { run.exits[$0.key] == nil }.map(\.value))
        }
        let workers = try outcome.get()
        note("instance_reclaimed", [("instance", instanceID), ("reason", reason)])
        signal(workers, SIGUSR1)
    }

    /// Every instance of an interrupted job has ended: Interrupted, then back in the queue for new
    /// capacity, unless MaxWaitTimeInSeconds has passed.
    func interrupted(_ job: TrainingJob, _ message: String) {
        let name = job.spec.name
        record(name, .interrupted(message))
        note("job_interrupted", [("job", name)])
        if let wait = job.spec.maxWaitSeconds, clock() >= job.creationTime + Double(wait) {
            record(name, .stopRequested)
            record(name, .stopped(cause: .maxWait))
            return
        }
        launch(name)
    }

    /// Called four times a second by the supervisor's thread.
    func tick() {
        let now = clock()
        let (expiredRuntime, expiredWait, reclaimed): ([String], [String], [String]) = state.withLock { state in
            let runtime = state.runs.filter { $0.value.stopCause == nil && now - $0.value.launchedAt > Double($0.value.maxRuntime) }.map(\.key)
            let wait = state.waitDeadlines.filter { now >= $0.value }.map(\.key)
            for name in wait { state.waitDeadlines[name] = nil }
            let due = state.market.due(at: now, elapsed: now - state.lastTick)
            state.lastTick = now
            return (runtime, wait, due)
        }
        for name in expiredRuntime {
            note("max_runtime_exceeded", [("job", name)])
            stop(name, cause: .maxRuntime, alreadyRecorded: false)
        }
        for name in expiredWait where (try? jobs.job(named: name))?.status == .inProgress {
            note("max_wait_exceeded", [("job", name)])
            stop(name, cause: .maxWait, alreadyRecorded: false)
        }
        for id in reclaimed { try? reclaim(id, reason: "reclaimed by the spot market") }
        decide { state in state.scheduler.expire(at: now) }
    }

    /// What the pools hold now, for `anneal capacity`.
    public struct Snapshot: Sendable, Codable {
        public struct Pool: Sendable, Codable {
            public var pool: String
            public var capacity: Resources
            public var used: Resources
            public var maxInstances: Int?
            public var quotas: [String: Int]
            public var instances: Int
        }

        public struct Waiting: Sendable, Codable {
            public var job: String
            public var pool: String
            public var instanceType: String
            public var count: Int
            public var priority: Int
            public var waitingSeconds: Double
        }

        /// A finished job's instances kept warm.
        public struct Warm: Sendable, Codable {
            public var job: String
            public var instances: [String]
            public var instanceType: String
            public var secondsLeft: Double
        }

        public var pools: [Pool]
        public var maxInstances: Int?
        public var queue: [Waiting]
        public var warm: [Warm]
        public var decisions: Int
        public var decisionMicrosecondsPerCall: Double
    }

    public func snapshot() -> Snapshot {
        let now = clock()
        let count = decisions.load(ordering: .relaxed)
        let nanos = decisionNanoseconds.load(ordering: .relaxed)
        return state.withLock { state in
            let scheduler = state.scheduler
            let pools = PoolKind.allCases.compactMap { kind -> Snapshot.Pool? in
                guard let pool = scheduler.pools[kind] else { return nil }
                return Snapshot.Pool(pool: kind.rawValue, capacity: pool.resources, used: scheduler.used(kind), maxInstances: pool.maxInstances,
                                     quotas: pool.quotas, instances: scheduler.placed.values.filter { $0.pool == kind }.count)
            }
            let queue = scheduler.queue.map {
                Snapshot.Waiting(job: $0.job, pool: $0.pool.rawValue, instanceType: $0.type.name, count: $0.count, priority: $0.priority,
                                 waitingSeconds: max(0, now - $0.submittedAt))
            }
            let warm = scheduler.warm.values.sorted { $0.retainedAt < $1.retainedAt }.map {
                Snapshot.Warm(job: $0.job, instances: $0.instances.map(\.id), instanceType: $0.instances.first?.type.name ?? "",
                              secondsLeft: max(0, $0.until - now))
            }
            return Snapshot(pools: pools, maxInstances: scheduler.maxInstances, queue: queue, warm: warm, decisions: count,
                            decisionMicrosecondsPerCall: count > 0 ? Double(nanos) / Double(count) / 1000 : 0)
        }
    }
}

/// This machine's cores, memory and GPUs: the default pools.
public enum MachineResources {
    /// vCPUs and memory handed out per core and per byte of this machine (see `CapacityPool`).
    public static let defaultOvercommit = 8.0

    public static func pool(_ kind: PoolKind, overcommit: Double) -> CapacityPool {
        CapacityPool.machine(kind, cores: ProcessInfo.processInfo.activeProcessorCount,
                             memoryMiB: Int(ProcessInfo.processInfo.physicalMemory >> 20), gpus: gpuCount(), overcommit: overcommit)
    }

    /// GPUs `nvidia-smi -L` lists; 0 without it.
    public static func gpuCount() -> Int {
        let candidates = ["/usr/bin/nvidia-smi", "/usr/local/bin/nvidia-smi"]
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return 0 }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-L"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return 0 }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return 0 }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("GPU ") }.count
    }
}
