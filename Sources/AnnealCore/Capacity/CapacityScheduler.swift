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

    public init(job: String, type: InstanceType, count: Int, pool: PoolKind, priority: Int = 0, group: String? = nil,
                submittedAt: Double, maxPendingSeconds: Int? = nil) {
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

/// What the runtime must do.
public enum CapacityDecision: Sendable, Equatable {
    /// Start one worker per instance (hosts 1...n, all of them).
    case launch(job: String, instances: [CapacityInstance])
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

    /// A queued job left the queue (stopped before it started).
    public mutating func withdraw(_ job: String) {
        queue.removeAll { $0.job == job }
        waitingSaid.remove(job)
    }

    /// Queued jobs past their MaxPendingTimeInSeconds leave the queue.
    public mutating func expire(at time: Double) -> [CapacityDecision] {
        let expired = queue.filter { request in
            guard let limit = request.maxPendingSeconds else { return false }
            return time - request.submittedAt >= Double(limit)
        }
        guard !expired.isEmpty else { return [] }
        for request in expired { withdraw(request.job) }
        return expired.map { .pendingExpired(job: $0.job) } + schedule(at: time)
    }

    /// Places waiting requests in order while they fit.
    mutating func schedule(at time: Double) -> [CapacityDecision] {
        var decisions: [CapacityDecision] = []
        var blocked: Set<PoolKind> = []
        var shares: [String: Int] = [:]
        var inUse: [PoolKind: (resources: Resources, count: Int, types: [String: Int])] = [:]
        for instance in placed.values {
            shares[instance.group ?? instance.job, default: 0] += 1
            var entry = inUse[instance.pool] ?? (.zero, 0, [:])
            entry.resources = entry.resources + Resources(instance.type)
            entry.count += 1
            entry.types[instance.type.name, default: 0] += 1
            inUse[instance.pool] = entry
        }
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
                blocked.insert(request.pool)
                if waitingSaid.insert(request.job).inserted {
                    decisions.append(.wait(job: request.job, reason: "Waiting for capacity: the \(request.pool.rawValue) pool "
                        + "cannot place \(request.count) × \(request.type.name) until running instances are released"))
                }
            }
            guard let index = chosen else { break }
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
