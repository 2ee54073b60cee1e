/// One Slurm job submitted for a training job's attempt.
public struct SlurmAllocation: Sendable, Equatable {
    public var tag: String
    public var job: String
    public var hosts: Int
    public var partition: String
    /// Nil between the intent and the cluster's answer (or when the platform stopped in between).
    public var slurmJobID: Int?
    public var submittedAt: Double
    public var endedAt: Double?
    public var endState: String?
}

/// The record of Slurm allocations (`slurm_allocations`).
public struct SlurmAllocationStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// The intent, committed before the submission is sent.
    public func intend(tag: String, job: String, hosts: Int, partition: String, at time: Double) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("INSERT INTO slurm_allocations (tag, job, hosts, partition, submitted_at) VALUES (?, ?, ?, ?, ?)",
                         [.text(tag), .text(job), .integer(Int64(hosts)), .text(partition), .real(time)])
        }
    }

    public func submitted(tag: String, slurmJobID: Int) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("UPDATE slurm_allocations SET slurm_job_id = ? WHERE tag = ?", [.integer(Int64(slurmJobID)), .text(tag)])
        }
    }

    public func ended(tag: String, state: String, at time: Double) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            try conn.run("UPDATE slurm_allocations SET ended_at = ?, end_state = ? WHERE tag = ? AND ended_at IS NULL",
                         [.real(time), .text(state), .text(tag)])
        }
    }

    /// Allocations not known to have ended (all jobs, or one job's), oldest first.
    public func open(job: String? = nil) throws(StoreError) -> [SlurmAllocation] {
        var sql = "SELECT * FROM slurm_allocations WHERE ended_at IS NULL"
        var values: [SQLiteValue] = []
        if let job {
            sql += " AND job = ?"
            values.append(.text(job))
        }
        let rows = try database.read { conn throws(StoreError) in try conn.query(sql + " ORDER BY submitted_at", values) }
        return rows.map { row in
            SlurmAllocation(tag: row["tag"].string ?? "", job: row["job"].string ?? "", hosts: Int(row["hosts"].int ?? 1),
                            partition: row["partition"].string ?? "", slurmJobID: row["slurm_job_id"].int.map { Int($0) },
                            submittedAt: row["submitted_at"].double ?? 0, endedAt: row["ended_at"].double, endState: row["end_state"].string)
        }
    }
}
