import AnnealCore
import Foundation

/// Hyperparameter tuning jobs in SQLite; every change is one transaction. Their trials are training
/// jobs (`TrainingJobStore.children(ofTuningJob:)`).
public struct TuningJobStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// Stores a new tuning job and its tags; a name already taken (in any case) is a `.conflict`.
    public func create(_ job: TuningJob) throws(StoreError) {
        let document = try Self.encode(job)
        try database.write { conn throws(StoreError) in
            do throws(StoreError) {
                try conn.run("""
                    INSERT INTO tuning_jobs (name, arn, status, creation_time, last_modified_time, document) VALUES (?, ?, ?, ?, ?, ?)
                    """, [.text(job.name), .text(job.arn), .text(job.status.rawValue), .real(job.creationTime),
                          .real(job.lastModifiedTime), .text(document)])
            } catch where error.code == .constraint {
                throw StoreError(.conflict, "a tuning job named \(job.name) already exists", sqliteCode: error.sqliteCode)
            }
            try TrainingJobStore.insertTags(job.spec.tagList, arn: job.arn, conn)
        }
    }

    public func job(named name: String) throws(StoreError) -> TuningJob? {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT document FROM tuning_jobs WHERE name = ?", [.text(name)]).first.map(Self.decode)
        }
    }

    /// Read-modify-write in one transaction; nil when the job does not exist. `body` must be quick.
    @discardableResult
    public func update(named name: String, _ body: (inout TuningJob) -> Void) throws(StoreError) -> TuningJob? {
        try database.write { conn throws(StoreError) in
            guard let row = try conn.query("SELECT id, document FROM tuning_jobs WHERE name = ?", [.text(name)]).first else { return nil }
            let original = try Self.decode(row)
            var job = original
            body(&job)
            job.spec = original.spec
            job.arn = original.arn
            guard job != original else { return job }
            try conn.run("UPDATE tuning_jobs SET status = ?, last_modified_time = ?, document = ? WHERE id = ?",
                         [.text(job.status.rawValue), .real(job.lastModifiedTime), .text(try Self.encode(job)), row["id"]])
            return job
        }
    }

    /// Every tuning job, oldest first (there are few: listing filters and pages them in memory).
    public func all() throws(StoreError) -> [TuningJob] {
        let rows = try database.read { conn throws(StoreError) in try conn.query("SELECT document FROM tuning_jobs ORDER BY id") }
        var jobs: [TuningJob] = []
        for row in rows { jobs.append(try Self.decode(row)) }
        return jobs
    }

    /// InProgress and Stopping tuning jobs: what the tuner resumes after a restart.
    public func unfinished() throws(StoreError) -> [TuningJob] {
        let rows = try database.read { conn throws(StoreError) in
            try conn.query("SELECT document FROM tuning_jobs WHERE status IN ('InProgress', 'Stopping') ORDER BY id")
        }
        var jobs: [TuningJob] = []
        for row in rows { jobs.append(try Self.decode(row)) }
        return jobs
    }

    /// Deletes the tuning job and its tags (its training jobs stay, as in SageMaker).
    public func delete(named name: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            guard let arn = try conn.query("SELECT arn FROM tuning_jobs WHERE name = ?", [.text(name)]).first?["arn"].string else {
                return false
            }
            try conn.run("DELETE FROM tuning_jobs WHERE arn = ?", [.text(arn)])
            try conn.run("DELETE FROM resource_tags WHERE resource_arn = ?", [.text(arn)])
            return true
        }
    }

    static func encode(_ job: TuningJob) throws(StoreError) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(job), as: UTF8.self)
        } catch {
            throw StoreError(.invalid, "cannot encode tuning job \(job.name): \(error)")
        }
    }

    static func decode(_ row: Row) throws(StoreError) -> TuningJob {
        do {
            return try JSONDecoder().decode(TuningJob.self, from: Data((row["document"].string ?? "").utf8))
        } catch {
            throw StoreError(.corrupt, "unreadable tuning job document: \(error)")
        }
    }
}

extension TrainingJobStore {
    /// The training jobs a tuning job launched, in launch order.
    public func children(ofTuningJob arn: String) throws(StoreError) -> [TrainingJob] {
        let rows = try database.read { conn throws(StoreError) in
            try conn.query("SELECT name, document FROM training_jobs WHERE tuning_job_arn = ? ORDER BY id", [.text(arn)])
        }
        var jobs: [TrainingJob] = []
        for row in rows { jobs.append(try TrainingJobStore.decode(row)) }
        return jobs
    }
}
