/// One job's ask for capacity: `count` instances of one type, all placed together.
public struct CapacityRequest: Sendable, Equatable {
    public var job: String
    public var type: InstanceType
    public var count: Int
    public var pool: PoolKind
    /// Higher goes first (the job's `anneal:priority` tag; 0 when absent).
    public var priority: Int
    /// Jobs of one tuning job share one fair share (its ARN); a standalone job is its own.
    public var group: String?
    public var submittedAt: Double
    /// `StoppingCondition.MaxPendingTimeInSeconds`, counted from `submittedAt`.
    public var maxPendingSeconds: Int?
    /// Set when the job may take a warm pool (`TrainingJobSpec.warmPoolKey`): one whose key is equal.
    public var warmKey: String?

    public init(job: String, type: InstanceType, count: Int, pool: PoolKind, priority: Int = 0, group: String? = nil,
                submittedAt: Double, maxPendingSeconds: Int? = nil, warmKey: String? = nil) {
        self.warmKey = warmKey
        self.job = job
        self.type = type
        self.count = max(1, count)
        self.pool = pool
        self.priority = priority
        self.group = group
        self.submittedAt = submittedAt
        self.maxPendingSeconds = maxPendingSeconds
    }
}

/// An instance: a reservation of its type's resources in a pool, for one host of one job.
public struct CapacityInstance: Sendable, Equatable, Codable {
    public var id: String
    public var job: String
    public var host: Int
    public var pool: PoolKind
    public var type: InstanceType
    /// The fair share it counts against (its tuning job's ARN, or nil for a standalone job).
    public var group: String?

    public init(id: String, job: String, host: Int, pool: PoolKind, type: InstanceType, group: String? = nil) {
        self.id = id
        self.group = group
        self.job = job
        self.host = host
        self.pool = pool
        self.type = type
    }
}

/// A finished job's instances, kept (KeepAlivePeriodInSeconds) for a matching next job.
public struct WarmPool: Sendable, Equatable {
    /// The job whose instances these were.
    public var job: String
    public var key: String
    public var instances: [CapacityInstance]
    public var retainedAt: Double
    public var until: Double
}

/// Why a warm pool ended without being reused.
public enum WarmPoolEnd: String, Sendable, Equatable {
    /// KeepAlivePeriodInSeconds passed with no matching job.
    case expired
    /// A waiting job needed the capacity it held.
    case capacityNeeded
    /// KeepAlivePeriodInSeconds was set to 0 (UpdateTrainingJob).
    case terminated
}

/// What the runtime must do.
public enum CapacityDecision: Sendable, Equatable {
    /// Start one worker per instance (hosts 1...n, all of them).
    case launch(job: String, instances: [CapacityInstance])
    /// A warm pool kept since `retainedAt` moves to a matching job: the same instances (same IDs
    /// and hosts) now run `job`.
    case reuse(job: String, instances: [CapacityInstance], from: String, retainedAt: Double)
    /// A warm pool kept since `retainedAt` ended unused: its instances were released.
    case warmEnded(job: String, reason: WarmPoolEnd, instances: [CapacityInstance], retainedAt: Double)
    /// The request can never fit: the job fails with ResourceLimitExceeded and this reason.
    case reject(job: String, reason: String)
    /// The job waits (Pending) with this reason; said once, when it first has to wait.
    case wait(job: String, reason: String)
    /// MaxPendingTimeInSeconds passed before capacity was found.
    case pendingExpired(job: String)
}

/// The scheduler: a pure state machine over requests and reservations. The runtime feeds it
/// submissions, releases and the time, and carries out the decisions it returns.
///
/// Order: higher priority first; within a priority, the request whose fair share (its tuning job,
/// or itself) holds the fewest instances; then first come, first served. The first request of a
/// pool that does not fit yet blocks that pool (no backfill), so a multi-instance job is never
/// starved by smaller ones behind it; other pools go on. A job's instances are placed all at once
/// or not at all, and no pool ever hands out more than it has.
public struct CapacityScheduler: Sendable {
    public private(set) var pools: [PoolKind: CapacityPool]
    /// Instances running at once over all pools (`anneal serve --max-instances`).
    public var maxInstances: Int?
    public private(set) var queue: [CapacityRequest] = []
    public private(set) var placed: [String: CapacityInstance] = [:]
    /// Warm pools by the job whose instances they hold (their instances are in `placed` too).
    public private(set) var warm: [String: WarmPool] = [:]
    /// Instance IDs are `i-` and a sequence number, unique for the store's lifetime.
    public private(set) var nextSequence: Int
    private var waitingSaid: Set<String> = []

    public init(pools: [CapacityPool], maxInstances: Int? = nil, nextSequence: Int = 1) {
        self.pools = Dictionary(pools.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
        self.maxInstances = maxInstances
        self.nextSequence = nextSequence
    }

    /// Why the request can never be placed (naming the limit), or nil.
    public func neverFits(_ type: InstanceType, count: Int, pool kind: PoolKind) -> String? {
        guard let pool = pools[kind] else { return "There is no \(kind.rawValue) pool on this platform." }
        if let cap = maxInstances, count > cap {
            return "The platform's limit 'max-instances' is \(cap) instances, and \(count) × \(type.name) asks for \(count) "
                + "instances: the request can never be placed. An operator can raise it (anneal serve --max-instances)."
        }
        return pool.neverFits(type, count: count)
    }

    public func used(_ kind: PoolKind) -> Resources {
        placed.values.filter { $0.pool == kind }.reduce(.zero) { $0 + Resources($1.type) }
    }

    public func instances(of job: String) -> [CapacityInstance] {
        placed.values.filter { $0.job == job }.sorted { $0.host < $1.host }
    }

    public func isQueued(_ job: String) -> Bool { queue.contains { $0.job == job } }

    /// A job asks for capacity: rejected, placed now, or queued.
    public mutating func submit(_ request: CapacityRequest, at time: Double) -> [CapacityDecision] {
        if let reason = neverFits(request.type, count: request.count, pool: request.pool) {
            return [.reject(job: request.job, reason: reason)]
        }
        queue.removeAll { $0.job == request.job }
        queue.append(request)
        return schedule(at: time)
    }

    /// An instance ended: its resources go back to its pool, and waiting jobs may start.
    public mutating func release(_ id: String, at time: Double) -> [CapacityDecision] {
        guard placed.removeValue(forKey: id) != nil else { return [] }
        return schedule(at: time)
    }

    /// A job ended and keeps its instances warm for `seconds` (its instances must still be placed).
    /// A queued job that matches takes them at once.
    public mutating func retain(job: String, key: String, seconds: Int, at time: Double) -> [CapacityDecision] {
        let instances = instances(of: job)
        guard !instances.isEmpty, seconds > 0 else { return [] }
        warm[job] = WarmPool(job: job, key: key, instances: instances, retainedAt: time, until: time + Double(seconds))
        return schedule(at: time)
    }

    /// UpdateTrainingJob: a new KeepAlivePeriodInSeconds for an available warm pool (counted from
    /// when it was retained); 0 ends it now.
    public mutating func keepWarm(job: String, seconds: Int, at time: Double) -> [CapacityDecision] {
        guard var pool = warm[job] else { return [] }
        guard seconds > 0 else { return endWarm(job, .terminated, at: time) }
        pool.until = pool.retainedAt + Double(seconds)
        warm[job] = pool
        return expire(at: time)
    }

    private mutating func endWarm(_ job: String, _ reason: WarmPoolEnd, at time: Double) -> [CapacityDecision] {
        guard let pool = warm.removeValue(forKey: job) else { return [] }
        for instance in pool.instances { placed[instance.id] = nil }
        return [.warmEnded(job: job, reason: reason, instances: pool.instances, retainedAt: pool.retainedAt)] + schedule(at: time)
    }

    /// A queued job left the queue (stopped before it started).
    public mutating func withdraw(_ job: String) {
        queue.removeAll { $0.job == job }
        waitingSaid.remove(job)
    }

    /// Queued jobs past their MaxPendingTimeInSeconds leave the queue; warm pools past their
    /// KeepAlivePeriodInSeconds end.
    public mutating func expire(at time: Double) -> [CapacityDecision] {
        var decisions: [CapacityDecision] = []
        for pool in warm.values.sorted(by: { $0.until < $1.until }) where pool.until <= time {
            decisions += endWarm(pool.job, .expired, at: time)
        }
        let expired = queue.filter { request in
            guard let limit = request.maxPendingSeconds else { return false }
            return time - request.submittedAt >= Double(limit)
        }
        guard !expired.isEmpty else { return decisions }
        for request in expired { withdraw(request.job) }
        return decisions + expired.map { .pendingExpired(job: $0.job) } + schedule(at: time)
    }

    /// Queued jobs that match a warm pool take it: no new capacity is needed, so before anything
    /// else (the oldest pool first).
    private mutating func reuseWarmPools() -> [CapacityDecision] {
        var decisions: [CapacityDecision] = []
        for request in queue where request.warmKey != nil {
            guard let pool = warm.values.filter({ $0.key == request.warmKey && $0.instances.first?.pool == request.pool })
                .min(by: { ($0.retainedAt, $0.job) < ($1.retainedAt, $1.job) }) else { continue }
            warm[pool.job] = nil
            queue.removeAll { $0.job == request.job }
            waitingSaid.remove(request.job)
            let instances = pool.instances.map {
                CapacityInstance(id: $0.id, job: request.job, host: $0.host, pool: $0.pool, type: $0.type, group: request.group)
            }
            for instance in instances { placed[instance.id] = instance }
            decisions.append(.reuse(job: request.job, instances: instances, from: pool.job, retainedAt: pool.retainedAt))
        }
        return decisions
    }

    /// Places waiting requests in order while they fit.
    mutating func schedule(at time: Double) -> [CapacityDecision] {
        var decisions = reuseWarmPools()
        var blocked: Set<PoolKind> = []
        var shares: [String: Int] = [:]
        var inUse: [PoolKind: (resources: Resources, count: Int, types: [String: Int])] = [:]
        func count() {
            shares = [:]
            inUse = [:]
            for instance in placed.values {
                shares[instance.group ?? instance.job, default: 0] += 1
                var entry = inUse[instance.pool] ?? (.zero, 0, [:])
                entry.resources = entry.resources + Resources(instance.type)
                entry.count += 1
                entry.types[instance.type.name, default: 0] += 1
                inUse[instance.pool] = entry
            }
        }
        count()
        var total = placed.count
        while true {
            let order = queue.indices.sorted { a, b in
                let (x, y) = (queue[a], queue[b])
                if x.priority != y.priority { return x.priority > y.priority }
                let (sx, sy) = (shares[x.group ?? x.job, default: 0], shares[y.group ?? y.job, default: 0])
                if sx != sy { return sx < sy }
                if x.submittedAt != y.submittedAt { return x.submittedAt < y.submittedAt }
                return a < b
            }
            var chosen: Int?
            for index in order where !blocked.contains(queue[index].pool) {
                let request = queue[index]
                let pool = pools[request.pool]!
                let current = inUse[request.pool] ?? (.zero, 0, [:])
                let fits = (current.resources + Resources(request.type, count: request.count)).fits(within: pool.resources)
                    && pool.maxInstances.map { current.count + request.count <= $0 } ?? true
                    && pool.quotas[request.type.name].map { current.types[request.type.name, default: 0] + request.count <= $0 } ?? true
                    && maxInstances.map { total + request.count <= $0 } ?? true
                if fits {
                    chosen = index
                    break
                }
                // Idle warm capacity gives way to a job that waits for it (the oldest pool first).
                if let pool = warm.values.filter({ $0.instances.first?.pool == request.pool })
                    .min(by: { ($0.retainedAt, $0.job) < ($1.retainedAt, $1.job) }) {
                    warm[pool.job] = nil
                    for instance in pool.instances { placed[instance.id] = nil }
                    decisions.append(.warmEnded(job: pool.job, reason: .capacityNeeded, instances: pool.instances, retainedAt: pool.retainedAt))
                    count()
                    total = placed.count
                    chosen = -1
                    break
                }
                blocked.insert(request.pool)
                if waitingSaid.insert(request.job).inserted {
                    decisions.append(.wait(job: request.job, reason: "Waiting for capacity: the \(request.pool.rawValue) pool "
                        + "cannot place \(request.count) × \(request.type.name) until running instances are released"))
                }
            }
            guard let index = chosen else { break }
            if index < 0 { continue }
            let request = queue.remove(at: index)
            waitingSaid.remove(request.job)
            var instances: [CapacityInstance] = []
            for host in 1...request.count {
                let instance = CapacityInstance(id: Self.instanceID(nextSequence), job: request.job, host: host, pool: request.pool,
                                                type: request.type, group: request.group)
                nextSequence += 1
                placed[instance.id] = instance
                instances.append(instance)
            }
            var entry = inUse[request.pool] ?? (.zero, 0, [:])
            entry.resources = entry.resources + Resources(request.type, count: request.count)
            entry.count += request.count
            entry.types[request.type.name, default: 0] += request.count
            inUse[request.pool] = entry
            total += request.count
            shares[request.group ?? request.job, default: 0] += request.count
            decisions.append(.launch(job: request.job, instances: instances))
        }
        return decisions
    }

    public static func instanceID(_ sequence: Int) -> String {
        let digits = String(sequence)
        return "i-" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
