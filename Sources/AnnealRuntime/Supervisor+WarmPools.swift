import AnnealCore
import AnnealStore
import Foundation
import Glibc

/// Warm pools (`ResourceConfig.KeepAlivePeriodInSeconds`), as SageMaker keeps them: when a job that
/// asks for one ends healthy (Completed, Stopped, or failed by its own algorithm or input), its
/// instances stay reserved, `Available`, for that long; the next job with the same role, instance
/// type and count, volume and network settings (`TrainingJobSpec.warmPoolKey`) takes them over
/// (`Reused` / `InUse`) and starts without staging again what has not changed. A pool no job took is
/// `Terminated` when its time runs out, when UpdateTrainingJob sets the period to 0, or when a waiting
/// job needs the capacity it holds.
extension Supervisor {
    /// Every instance of a job that asked for a warm pool has ended and its outcome is recorded:
    /// its instances are kept warm, or released.
    func settle(_ name: String, _ run: Run, at now: Double) {
        let instances = run.instances.values.sorted { $0.host < $1.host }
        let job = try? jobs.job(named: name)
        if let warm = run.warm, let job, run.interruption == nil, Self.leavesInstancesHealthy(job) {
            setWarmPoolStatus(name, ["Status": "Available"])
            note("warm_pool_available", [("job", name), ("instances", String(instances.count)), ("seconds", String(warm.seconds))])
            decide { state in state.scheduler.retain(job: name, key: warm.key, seconds: warm.seconds, at: now) }
            return
        }
        if job?.spec.warmPoolKey != nil, job?.status.isTerminal == true { setWarmPoolStatus(name, ["Status": "Terminated"]) }
        for instance in instances {
            discardInstanceDirectory(name, host: instance.host)
            try? records?.released(instance.id, reason: "ended", at: now)
            note("instance_released", [("job", name), ("instance", instance.id), ("host", "algo-\(instance.host)")])
        }
        decide { state in
            instances.flatMap { instance in
                state.market.released(instance.id)
                return state.scheduler.release(instance.id, at: now)
            }
        }
    }

    /// SageMaker keeps a warm pool after a job that completed or was stopped, or that failed because
    /// of its algorithm or its input; not after an internal failure that may have harmed the instances.
    static func leavesInstancesHealthy(_ job: TrainingJob) -> Bool {
        switch job.status {
        case .completed, .stopped: true
        case .failed:
            ["AlgorithmError", "ClientError", "OutOfMemory"].contains { (job.failureReason ?? "").hasPrefix($0) }
        default: false
        }
    }

    /// A warm pool moved to `name`: the previous job's pool is Reused, the new job's InUse.
    func reused(_ name: String, instances: [CapacityInstance], from previous: String, retainedAt: Double, at now: Double) -> TrainingJob? {
        setWarmPoolStatus(previous, ["Status": "Reused", "ReusedByJob": .string(name),
                                     "ResourceRetainedBillableTimeInSeconds": .number(Double(max(0, Int((now - retainedAt).rounded()))))])
        setWarmPoolStatus(name, ["Status": "InUse"])
        for instance in instances { try? records?.reassigned(instance.id, to: name) }
        note("warm_pool_reused", [("job", name), ("from", previous), ("instances", instances.map(\.id).joined(separator: ","))])
        return try? jobs.job(named: name)
    }

    /// A warm pool ended unused: its instances are released and their directories (staged data) removed.
    func warmEnded(_ name: String, reason: WarmPoolEnd, instances: [CapacityInstance], retainedAt: Double, at now: Double) {
        setWarmPoolStatus(name, ["Status": "Terminated",
                                 "ResourceRetainedBillableTimeInSeconds": .number(Double(max(0, Int((now - retainedAt).rounded()))))])
        let why = switch reason {
        case .expired: "warm pool expired"
        case .capacityNeeded: "warm pool released for a waiting job"
        case .terminated: "warm pool terminated"
        }
        for instance in instances {
            try? records?.released(instance.id, reason: why, at: now)
            discardInstanceDirectory(name, host: instance.host)
        }
        note("warm_pool_ended", [("job", name), ("reason", reason.rawValue)])
    }

    /// UpdateTrainingJob: a new KeepAlivePeriodInSeconds for the job's available warm pool (0 ends
    /// it). Returns why it cannot be done, or nil.
    public func keepWarm(_ name: String, seconds: Int) -> String? {
        guard state.withLock({ $0.scheduler.warm[name] != nil }) else {
            return "The training job \(name) has no available warm pool to update."
        }
        decide { state in state.scheduler.keepWarm(job: name, seconds: seconds, at: self.clock()) }
        return nil
    }

    /// At start: warm pools were lost with the previous server's instances.
    func terminateLostWarmPools() {
        var token: String?
        repeat {
            guard let page = try? jobs.list(TrainingJobQuery(warmPoolStatusEquals: "Available", maxResults: 100, nextToken: token)) else { return }
            for job in page.jobs { setWarmPoolStatus(job.spec.name, ["Status": "Terminated"]) }
            token = page.nextToken
        } while token != nil
    }

    func setWarmPoolStatus(_ name: String, _ status: JSONValue) {
        _ = try? jobs.update(named: name) { job in job.warmPoolStatus = status }
    }
}
