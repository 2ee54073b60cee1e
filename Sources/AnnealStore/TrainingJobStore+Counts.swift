extension TrainingJobStore {
    /// What the platform's `/metrics` shows of the jobs: how many in each status, how many wait for
    /// capacity (InProgress and Pending), and the instances the others hold.
    public struct Counts: Sendable, Equatable {
        public var byStatus: [String: Int]
        public var pending: Int
        public var instancesInUse: Int
    }

    public func counts() throws(StoreError) -> Counts {
        try database.read { conn throws(StoreError) in
            var byStatus: [String: Int] = [:]
            for row in try conn.query("SELECT status, count(*) AS n FROM training_jobs GROUP BY status") {
                byStatus[row["status"].string ?? "?"] = Int(row["n"].int ?? 0)
            }
            let pending = try conn.query("""
                SELECT count(*) AS n FROM training_jobs WHERE status = 'InProgress' AND secondary_status = 'Pending'
                """).first?["n"].int ?? 0
            // Jobs that hold their instances: running (not waiting for capacity) or stopping.
            let instances = try conn.query("""
                SELECT coalesce(sum(coalesce(json_extract(document, '$.spec.instanceCount'), 1)), 0) AS n FROM training_jobs
                WHERE status IN ('InProgress', 'Stopping') AND secondary_status <> 'Pending'
                """).first?["n"].int ?? 0
            return Counts(byStatus: byStatus, pending: Int(pending), instancesInUse: Int(instances))
        }
    }
}
