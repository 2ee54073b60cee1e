import AnnealCore
import Foundation
import Synchronization

/// What ListTrainingJobs asks for: filters, order and one page.
public struct TrainingJobQuery: Sendable, Equatable {
    public enum SortKey: String, Sendable, CaseIterable {
        case name = "Name"
        case creationTime = "CreationTime"
        case status = "Status"
    }

    /// Case-insensitive substring of the name.
    public var nameContains: String?
    public var statusEquals: TrainingJobStatus?
    /// Strict bounds, in epoch seconds.
    public var creationTimeAfter: Double?
    public var creationTimeBefore: Double?
    public var lastModifiedTimeAfter: Double?
    public var lastModifiedTimeBefore: Double?
    /// `WarmPoolStatus.Status` equals this.
    public var warmPoolStatusEquals: String?
    /// Only the jobs a tuning job launched.
    public var tuningJobARN: String?
    public var sortBy: SortKey
    public var ascending: Bool
    /// 1...100.
    public var maxResults: Int
    /// The token of the previous page (opaque); it must come from a query with the same order.
    public var nextToken: String?

    public init(nameContains: String? = nil, statusEquals: TrainingJobStatus? = nil, creationTimeAfter: Double? = nil,
                creationTimeBefore: Double? = nil, lastModifiedTimeAfter: Double? = nil, lastModifiedTimeBefore: Double? = nil,
                warmPoolStatusEquals: String? = nil, tuningJobARN: String? = nil, sortBy: SortKey = .creationTime,
                ascending: Bool = true, maxResults: Int = 10, nextToken: String? = nil) {
        self.nameContains = nameContains
        self.statusEquals = statusEquals
        self.creationTimeAfter = creationTimeAfter
        self.creationTimeBefore = creationTimeBefore
        self.lastModifiedTimeAfter = lastModifiedTimeAfter
        self.lastModifiedTimeBefore = lastModifiedTimeBefore
        self.warmPoolStatusEquals = warmPoolStatusEquals
        self.tuningJobARN = tuningJobARN
        self.sortBy = sortBy
        self.ascending = ascending
        self.maxResults = maxResults
        self.nextToken = nextToken
    }
}

/// Training jobs and the tags of SageMaker resources, in SQLite. Every change is one transaction.
public struct TrainingJobStore: Sendable {
    public let database: Database
    /// Most tags one resource may carry (SageMaker's limit).
    public static let maximumTags = 50
    static let documentVersion: Int64 = 1

    public init(database: Database) { self.database = database }

    /// Stores a new job and the tags of its request. A name already taken (in any case) is a
    /// `.conflict`.
    public func create(_ job: TrainingJob) throws(StoreError) {
        let document = try TrainingJobStore.encode(job)
        try database.write { conn throws(StoreError) in
            do throws(StoreError) {
                try conn.run("""
                    INSERT INTO training_jobs (name, arn, status, secondary_status, warm_pool_status, tuning_job_arn,
                        creation_time, last_modified_time, document_version, document)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(job.name), .text(job.arn), .text(job.status.rawValue), .text(job.secondaryStatus.rawValue),
                          TrainingJobStore.warmPool(job), job.spec.tuningJobARN.map { .text($0) } ?? .null,
                          .real(job.creationTime), .real(job.lastModifiedTime), .integer(TrainingJobStore.documentVersion),
                          .text(document)])
            } catch where error.code == .constraint {
                throw StoreError(.conflict, "a training job named \(job.name) already exists", sqliteCode: error.sqliteCode)
            }
            try TrainingJobStore.insertTags(TrainingJobStore.requestTags(job), arn: job.arn, conn)
        }
    }

    /// The job with this name (in any case), or nil.
    public func job(named name: String) throws(StoreError) -> TrainingJob? {
        try database.read { conn throws(StoreError) in
            guard let row = try conn.query("SELECT name, document FROM training_jobs WHERE name = ?", [.text(name)]).first else { return nil }
            return try TrainingJobStore.decode(row)
        }
    }

    /// Read-modify-write in one transaction; returns the new value, or nil when the job does not exist.
    /// The name and ARN are the job's identity: changes `body` makes to them are discarded.
    /// `body` runs while the database is held: it must be quick and must not call the store.
    @discardableResult
    public func update(named name: String, durability: Database.Durability = .full,
                       _ body: (inout TrainingJob) -> Void) throws(StoreError) -> TrainingJob? {
        try database.write(durability: durability) { conn throws(StoreError) in
            guard let row = try conn.query("SELECT id, name, document FROM training_jobs WHERE name = ?", [.text(name)]).first else {
                return nil
            }
            let original = try TrainingJobStore.decode(row)
            var job = original
            body(&job)
            job.spec.name = original.spec.name
            job.arn = original.arn
            guard job != original else { return job }
            try conn.run("""
                UPDATE training_jobs SET status = ?, secondary_status = ?, warm_pool_status = ?, tuning_job_arn = ?,
                    last_modified_time = ?, document_version = ?, document = ?
                WHERE id = ?
                """, [.text(job.status.rawValue), .text(job.secondaryStatus.rawValue), TrainingJobStore.warmPool(job),
                      job.spec.tuningJobARN.map { .text($0) } ?? .null, .real(job.lastModifiedTime),
                      .integer(TrainingJobStore.documentVersion), .text(try TrainingJobStore.encode(job, remember: true)), row["id"]])
            return job
        }
    }

    /// One page of jobs. Pages are cut by the sort key and the row id (keyset pagination), so a page
    /// boundary stays put while jobs are created: no job is skipped or repeated.
    /// A token that is not one of ours, or that came from another order, is `.invalid`.
    public func list(_ query: TrainingJobQuery) throws(StoreError) -> (jobs: [TrainingJob], nextToken: String?) {
        guard (1...100).contains(query.maxResults) else { throw StoreError(.invalid, "MaxResults must be between 1 and 100") }
        let column = PageCursor.column(query.sortBy)
        var clauses: [String] = []
        var parameters: [SQLiteValue] = []
        func add(_ clause: String, _ values: SQLiteValue...) {
            clauses.append(clause)
            parameters += values
        }
        if let text = query.nameContains, !text.isEmpty { add("instr(lower(name), lower(?)) > 0", .text(text)) }
        if let status = query.statusEquals { add("status = ?", .text(status.rawValue)) }
        if let time = query.creationTimeAfter { add("creation_time > ?", .real(time)) }
        if let time = query.creationTimeBefore { add("creation_time < ?", .real(time)) }
        if let time = query.lastModifiedTimeAfter { add("last_modified_time > ?", .real(time)) }
        if let time = query.lastModifiedTimeBefore { add("last_modified_time < ?", .real(time)) }
        if let status = query.warmPoolStatusEquals { add("warm_pool_status = ?", .text(status)) }
        if let arn = query.tuningJobARN { add("tuning_job_arn = ?", .text(arn)) }
        if let token = query.nextToken {
            let cursor = try PageCursor(token: token, query: query)
            let comparison = query.ascending ? ">" : "<"
            add("(\(column) \(comparison) ? OR (\(column) = ? AND id \(comparison) ?))", cursor.key, cursor.key, .integer(cursor.id))
        }
        let direction = query.ascending ? "ASC" : "DESC"
        let sql = "SELECT id, name, status, creation_time, document FROM training_jobs"
            + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY \(column) \(direction), id \(direction) LIMIT \(query.maxResults + 1)"
        let rows = try database.read { conn throws(StoreError) in try conn.query(sql, parameters) }
        var jobs: [TrainingJob] = []
        for row in rows.prefix(query.maxResults) { jobs.append(try TrainingJobStore.decode(row)) }
        guard rows.count > query.maxResults, let last = rows.prefix(query.maxResults).last else { return (jobs, nil) }
        return (jobs, PageCursor(query: query, row: last).token)
    }

    /// InProgress and Stopping jobs, oldest first: what the runtime resumes after a restart.
    public func unfinished() throws(StoreError) -> [TrainingJob] {
        let rows = try database.read { conn throws(StoreError) in
            try conn.query("SELECT name, document FROM training_jobs WHERE status IN ('InProgress', 'Stopping') ORDER BY id")
        }
        var jobs: [TrainingJob] = []
        for row in rows { jobs.append(try TrainingJobStore.decode(row)) }
        return jobs
    }

    /// Deletes the job and its tags; false when there was no such job.
    public func delete(named name: String) throws(StoreError) -> Bool {
        try database.write { conn throws(StoreError) in
            guard let arn = try conn.query("SELECT arn FROM training_jobs WHERE name = ?", [.text(name)]).first?["arn"].string else {
                return false
            }
            try conn.run("DELETE FROM training_jobs WHERE arn = ?", [.text(arn)])
            try conn.run("DELETE FROM resource_tags WHERE resource_arn = ?", [.text(arn)])
            return true
        }
    }

    // MARK: - Documents

    /// The JSON of a job's spec, as its stored document holds it (encoded once per spec, not per call).
    public static func specJSON(_ job: TrainingJob) throws(StoreError) -> String {
        do { return try decoded.specDocument(job) } catch {
            throw StoreError(.invalid, "cannot encode training job \(job.name): \(error)")
        }
    }

    /// `remember`: the document is about to be stored, so the next read of it can skip decoding.
    static func encode(_ job: TrainingJob, remember: Bool = false) throws(StoreError) -> String {
        let document: String
        do {
            // The request part of a job never changes after it is accepted (save a warm pool's
            // keep-alive): its JSON is made once and the document is that plus the job's state.
            let spec = try decoded.specDocument(job)
            let state = JobState(job)
            let text = try state.json ?? String(decoding: JSONEncoder().encode(state), as: UTF8.self)
            document = "{\"spec\":" + spec + "," + text.dropFirst()
        } catch {
            throw StoreError(.invalid, "cannot encode training job \(job.name): \(error)")
        }
        if remember { decoded.remember(document, job) }
        return document
    }

    /// `row` holds `name` and `document`.
    static func decode(_ row: Row) throws(StoreError) -> TrainingJob {
        let document = row["document"].string ?? ""
        if let name = row["name"].string, let job = decoded.job(named: name, document: document) { return job }
        do {
            let job = try JSONDecoder().decode(TrainingJob.self, from: Data(document.utf8))
            decoded.remember(document, job)
            return job
        } catch {
            throw StoreError(.corrupt, "unreadable training job document: \(error)")
        }
    }

    /// Jobs already decoded, by name, each with the exact document it was decoded from: a running
    /// job's document is read and rewritten at every step of its life (a worker's report, a
    /// scheduling decision, a Describe), and decoding it was a tenth of the server's CPU per job.
    /// An entry is used only for the very same text, so it can never be stale, whoever wrote the row.
    static let decoded = DocumentCache()

    final class DocumentCache: Sendable {
        private let entries = Mutex<[String: (document: String, job: TrainingJob)]>([:])
        private let specs = Mutex<[String: (spec: TrainingJobSpec, json: String)]>([:])
        /// About the running and recently read jobs; past it the cache starts again.
        static let capacity = 1024

        func job(named name: String, document: String) -> TrainingJob? {
            entries.withLock { entries in
                guard let entry = entries[name], entry.document == document else { return nil }
                return entry.job
            }
        }

        func remember(_ document: String, _ job: TrainingJob) {
            entries.withLock { entries in
                if entries.count >= DocumentCache.capacity { entries.removeAll(keepingCapacity: true) }
                entries[job.name] = (document, job)
            }
        }

        /// The JSON of the job's spec, encoded again only when the spec changed.
        func specDocument(_ job: TrainingJob) throws -> String {
            if let cached = specs.withLock({ $0[job.name] }), cached.spec == job.spec { return cached.json }
            let json = String(decoding: try JSONEncoder().encode(job.spec), as: UTF8.self)
            specs.withLock { specs in
                if specs.count >= DocumentCache.capacity { specs.removeAll(keepingCapacity: true) }
                specs[job.name] = (job.spec, json)
            }
            return json
        }
    }

    /// Everything of a `TrainingJob` but its spec, under the same keys (the synthesized coding of
    /// TrainingJob): a document is `{"spec": ..., <these>}`. TrainingJobStoreTests checks that the
    /// two agree, so a field added to TrainingJob and not here fails a test.
    struct JobState: Encodable {
        var arn: String
        var status: TrainingJobStatus
        var secondaryStatus: SecondaryStatus
        var transitions: [StatusTransition]
        var failureReason: String?
        var creationTime: Double
        var lastModifiedTime: Double
        var trainingStartTime: Double?
        var trainingEndTime: Double?
        var modelArtifacts: String
        var finalMetrics: [MetricValue]
        var trainingTimeSeconds: Int?
        var billableTimeSeconds: Int?
        var warmPoolStatus: JSONValue?

        /// The same JSON as the synthesized encoding, written directly (the generic encoder was most of
        /// an update's cost); nil where a number is not finite, which only the encoder may refuse.
        var json: String? {
            var members: [String: JSONValue] = [
                "arn": .string(arn), "status": .string(status.rawValue), "secondaryStatus": .string(secondaryStatus.rawValue),
                "creationTime": .number(creationTime), "lastModifiedTime": .number(lastModifiedTime),
                "modelArtifacts": .string(modelArtifacts),
                "transitions": .array(transitions.map { transition in
                    var entry: [String: JSONValue] = ["status": .string(transition.status.rawValue), "startTime": .number(transition.startTime),
                                                      "statusMessage": .string(transition.statusMessage)]
                    if let end = transition.endTime { entry["endTime"] = .number(end) }
                    return .object(entry)
                }),
                "finalMetrics": .array(finalMetrics.map { metric in
                    .object(["metricName": .string(metric.metricName), "value": .number(metric.value), "timestamp": .number(metric.timestamp)])
                }),
            ]
            if let failureReason { members["failureReason"] = .string(failureReason) }
            if let trainingStartTime { members["trainingStartTime"] = .number(trainingStartTime) }
            if let trainingEndTime { members["trainingEndTime"] = .number(trainingEndTime) }
            if let trainingTimeSeconds { members["trainingTimeSeconds"] = .number(Double(trainingTimeSeconds)) }
            if let billableTimeSeconds { members["billableTimeSeconds"] = .number(Double(billableTimeSeconds)) }
            if let warmPoolStatus { members["warmPoolStatus"] = warmPoolStatus }
            let times: [Double] = [creationTime, lastModifiedTime, trainingStartTime ?? 0, trainingEndTime ?? 0]
            let steps: [Double] = transitions.flatMap { [$0.startTime, $0.endTime ?? 0] }
            let metrics: [Double] = finalMetrics.flatMap { [$0.value, $0.timestamp] }
            let numbers = times + steps + metrics
            guard numbers.allSatisfy(\.isFinite) else { return nil }
            return JSONValue.object(members).serialized
        }

        init(_ job: TrainingJob) {
            arn = job.arn
            status = job.status
            secondaryStatus = job.secondaryStatus
            transitions = job.transitions
            failureReason = job.failureReason
            creationTime = job.creationTime
            lastModifiedTime = job.lastModifiedTime
            trainingStartTime = job.trainingStartTime
            trainingEndTime = job.trainingEndTime
            modelArtifacts = job.modelArtifacts
            finalMetrics = job.finalMetrics
            trainingTimeSeconds = job.trainingTimeSeconds
            billableTimeSeconds = job.billableTimeSeconds
            warmPoolStatus = job.warmPoolStatus
        }
    }

    static func warmPool(_ job: TrainingJob) -> SQLiteValue {
        job.warmPoolStatus?["Status"]?.string.map { .text($0) } ?? .null
    }
}

// MARK: - Tags

extension TrainingJobStore {
    /// Adds tags to a resource, or replaces the values of keys it already has (which keep their
    /// place). More than 50 tags in all is `.invalid` and changes nothing.
    public func addTags(arn: String, _ tags: [(key: String, value: String)]) throws(StoreError) {
        try database.write { conn throws(StoreError) in try TrainingJobStore.insertTags(tags, arn: arn, conn) }
    }

    /// The same, for tags given as a dictionary (added in key order).
    public func addTags(arn: String, _ tags: [String: String]) throws(StoreError) {
        try addTags(arn: arn, tags.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
    }

    /// The resource's tags, in the order they were first added.
    public func tags(arn: String) throws(StoreError) -> [(key: String, value: String)] {
        let rows = try database.read { conn throws(StoreError) in
            try conn.query("SELECT key, value FROM resource_tags WHERE resource_arn = ? ORDER BY position", [.text(arn)])
        }
        return rows.map { (key: $0["key"].string ?? "", value: $0["value"].string ?? "") }
    }

    /// Removes these keys (absent ones are ignored, as SageMaker does).
    public func deleteTags(arn: String, keys: [String]) throws(StoreError) {
        try database.write { conn throws(StoreError) in
            for key in keys {
                try conn.run("DELETE FROM resource_tags WHERE resource_arn = ? AND key = ?", [.text(arn), .text(key)])
            }
        }
    }

    static func insertTags(_ tags: [(key: String, value: String)], arn: String, _ conn: SQLiteConnection) throws(StoreError) {
        guard !tags.isEmpty else { return }
        let existing = Set(try conn.query("SELECT key FROM resource_tags WHERE resource_arn = ?", [.text(arn)])
            .compactMap { $0["key"].string })
        let total = existing.union(tags.map(\.key)).count
        guard total <= maximumTags else {
            throw StoreError(.invalid, "A resource can have at most \(maximumTags) tags; this request would give \(arn) \(total).")
        }
        var position = try conn.query("SELECT max(position) AS top FROM resource_tags WHERE resource_arn = ?", [.text(arn)])
            .first?["top"].int ?? 0
        for tag in tags {
            position += 1
            try conn.run("""
                INSERT INTO resource_tags (resource_arn, key, value, position) VALUES (?, ?, ?, ?)
                ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value
                """, [.text(arn), .text(tag.key), .text(tag.value), .integer(position)])
        }
    }

    /// The request's tags in the order it listed them (the last value of a repeated key wins).
    static func requestTags(_ job: TrainingJob) -> [(key: String, value: String)] {
        (job.spec.request["Tags"]?.array ?? []).compactMap { tag in
            guard let key = tag["Key"]?.string else { return nil }
            return (key: key, value: job.spec.tags[key] ?? tag["Value"]?.string ?? "")
        }
    }
}

/// Where the next page starts: the sort key and id of the last job returned, tied to the order it
/// was returned in. Written as hex so clients treat it as opaque.
struct PageCursor {
    var key: SQLiteValue
    var id: Int64

    init(query: TrainingJobQuery, row: Row) {
        key = row[PageCursor.column(query.sortBy)]
        id = row["id"].int ?? 0
        sortBy = query.sortBy
        ascending = query.ascending
    }

    private var sortBy: TrainingJobQuery.SortKey
    private var ascending: Bool

    init(token: String, query: TrainingJobQuery) throws(StoreError) {
        let invalid = StoreError(.invalid, "The NextToken is not valid for this request.")
        guard let text = PageCursor.unhex(token) else { throw invalid }
        let fields = text.split(separator: "\u{1F}", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, fields[0] == "1", fields[1] == query.sortBy.rawValue, fields[2] == (query.ascending ? "A" : "D"),
              let id = Int64(fields[3]) else { throw invalid }
        if query.sortBy == .creationTime {
            guard let time = Double(fields[4]) else { throw invalid }
            key = .real(time)
        } else {
            key = .text(fields[4])
        }
        self.id = id
        sortBy = query.sortBy
        ascending = query.ascending
        // Only the exact text we hand out is accepted (strtod, for one, stops at a NUL).
        guard self.token == token else { throw invalid }
    }

    var token: String {
        let keyText = switch key {
        case .real(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .text(let value): value
        default: ""
        }
        return PageCursor.hex(["1", sortBy.rawValue, ascending ? "A" : "D", String(id), keyText].joined(separator: "\u{1F}"))
    }

    static func column(_ key: TrainingJobQuery.SortKey) -> String {
        switch key {
        case .name: "name"
        case .creationTime: "creation_time"
        case .status: "status"
        }
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hex(_ text: String) -> String {
        var out: [UInt8] = []
        for byte in text.utf8 {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ token: String) -> String? {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty, bytes.count % 2 == 0, bytes.count <= 8192 else { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let high = digits.firstIndex(of: bytes[index]), let low = digits.firstIndex(of: bytes[index + 1]) else { return nil }
            out.append(UInt8(high << 4 | low))
            index += 2
        }
        return String(validating: out, as: UTF8.self)
    }
}
