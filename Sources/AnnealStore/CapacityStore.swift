import AnnealCore

/// One launched instance as recorded.
public struct InstanceRecord: Sendable, Equatable, Codable {
    public var sequence: Int
    public var instanceID: String
    public var job: String
    public var host: Int
    public var pool: String
    public var instanceType: String
    public var vCPUs: Int
    public var memoryMiB: Int
    public var gpus: Int
    public var pricePerHour: Double
    public var onDemandPricePerHour: Double
    public var launchedAt: Double
    public var releasedAt: Double?
    public var releaseReason: String?

    /// What it cost until `releasedAt` (or `now`), and what the same time on demand would have.
    public func cost(now: Double) -> (actual: Double, onDemand: Double) {
        let hours = max(0, (releasedAt ?? now) - launchedAt) / 3600
        return (hours * pricePerHour, hours * onDemandPricePerHour)
    }
}

/// The record of every instance launch and release (`capacity_instances`).
public struct CapacityStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// `durability`: `.process` where a full commit follows before the instance is acted on (the
    /// supervisor's launch path: the job's session credentials are stored with a full commit just
    /// before its worker starts, and carry this record to the disk with them).
    public func launched(_ instance: CapacityInstance, sequence: Int, at time: Double,
                         durability: Database.Durability = .full) throws(StoreError) {
        let price = instance.pool == .spot ? instance.type.spotPrice : instance.type.onDemandPrice
        try database.write(durability: durability) { conn throws(StoreError) in
            try conn.run("""
                INSERT INTO capacity_instances (sequence, instance_id, job, host, pool, instance_type, vcpus, memory_mib, gpus,
                    price_per_hour, on_demand_price_per_hour, launched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.integer(Int64(sequence)), .text(instance.id), .text(instance.job), .integer(Int64(instance.host)),
                      .text(instance.pool.rawValue), .text(instance.type.name), .integer(Int64(instance.type.vCPUs)),
                      .integer(Int64(instance.type.memoryMiB)), .integer(Int64(instance.type.gpus)), .real(price),
                      .real(instance.type.onDemandPrice), .real(time)])
        }
    }

    /// Marks the instance released (once: a second release keeps the first time and reason).
    public func released(_ id: String, reason: String, at time: Double, durability: Database.Durability = .full) throws(StoreError) {
        try database.write(durability: durability) { conn throws(StoreError) in
            try conn.run("UPDATE capacity_instances SET released_at = ?, release_reason = ? WHERE instance_id = ? AND released_at IS NULL",
                         [.real(time), .text(reason), .text(id)])
        }
    }

    /// A warm instance moved to another job: the record shows what it runs now.
    public func reassigned(_ id: String, to job: String) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("UPDATE capacity_instances SET job = ? WHERE instance_id = ? AND released_at IS NULL", [.text(job), .text(id)])
        }
    }

    /// At start: instances recorded as running lost their workers with the previous server.
    public func releaseAll(reason: String, at time: Double) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("UPDATE capacity_instances SET released_at = ?, release_reason = ? WHERE released_at IS NULL",
                         [.real(time), .text(reason)])
        }
    }

    /// The next unused sequence number (instance IDs stay unique across restarts).
    public func nextSequence() throws(StoreError) -> Int {
        try database.read { conn throws(StoreError) in
            Int(try conn.query("SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM capacity_instances").first?["next"].int ?? 1)
        }
    }

    /// Instances, newest first; only running ones when `running`; only one job's when `job` is set.
    public func instances(running: Bool = false, job: String? = nil, limit: Int = 1000) throws(StoreError) -> [InstanceRecord] {
        var sql = "SELECT * FROM capacity_instances WHERE 1 = 1"
        var values: [SQLiteValue] = []
        if running { sql += " AND released_at IS NULL" }
        if let job {
            sql += " AND job = ?"
            values.append(.text(job))
        }
        sql += " ORDER BY sequence DESC LIMIT ?"
        values.append(.integer(Int64(max(1, limit))))
        let rows = try database.read { conn throws(StoreError) in try conn.query(sql, values) }
        return rows.map { row in
            InstanceRecord(sequence: Int(row["sequence"].int ?? 0), instanceID: row["instance_id"].string ?? "",
                           job: row["job"].string ?? "", host: Int(row["host"].int ?? 0), pool: row["pool"].string ?? "",
                           instanceType: row["instance_type"].string ?? "", vCPUs: Int(row["vcpus"].int ?? 0),
                           memoryMiB: Int(row["memory_mib"].int ?? 0), gpus: Int(row["gpus"].int ?? 0),
                           pricePerHour: row["price_per_hour"].double ?? 0, onDemandPricePerHour: row["on_demand_price_per_hour"].double ?? 0,
                           launchedAt: row["launched_at"].double ?? 0, releasedAt: row["released_at"].double,
                           releaseReason: row["release_reason"].string)
        }
    }

    /// Cost of every instance so far: actual, and the same time at on-demand prices.
    public func totals(now: Double) throws(StoreError) -> (actual: Double, onDemand: Double) {
        let row = try database.read { conn throws(StoreError) in
            try conn.query("""
                SELECT SUM((COALESCE(released_at, ?) - launched_at) * price_per_hour) / 3600 AS actual,
                       SUM((COALESCE(released_at, ?) - launched_at) * on_demand_price_per_hour) / 3600 AS on_demand
                FROM capacity_instances
                """, [.real(now), .real(now)]).first
        }
        return (row?["actual"].double ?? 0, row?["on_demand"].double ?? 0)
    }
}
