import AnnealCore
import Foundation
import Testing
@testable import AnnealStore

private func spec(_ name: String, tags: [(String, String)] = []) -> TrainingJobSpec {
    var request: [String: JSONValue] = ["TrainingJobName": .string(name), "ResourceConfig": ["InstanceCount": 1, "VolumeSizeInGB": 30]]
    if !tags.isEmpty { request["Tags"] = .array(tags.map { ["Key": .string($0.0), "Value": .string($0.1)] }) }
    return TrainingJobSpec(name: name, request: .object(request), roleARN: "arn:aws:iam::123456789012:role/R", trainingImage: "image",
                           inputMode: "File", outputS3Path: "s3://b/out", instanceType: "ml.m5.large",
                           tags: Dictionary(tags, uniquingKeysWith: { _, last in last }))
}

private func job(_ name: String, at time: Double, tags: [(String, String)] = []) -> TrainingJob {
    TrainingJob.new(spec: spec(name, tags: tags), accountID: "123456789012", region: "us-west-2", at: time)
}

private func databasePath() -> String {
    let directory = NSTemporaryDirectory() + "anneal-jobs-" + UUID().uuidString
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory + "/jobs.db"
}

private func store() throws -> TrainingJobStore {
    TrainingJobStore(database: try Database(path: databasePath()))
}

/// Every page of `query`, following NextToken.
private func allPages(_ store: TrainingJobStore, _ query: TrainingJobQuery) throws -> [[String]] {
    var query = query
    var pages: [[String]] = []
    while true {
        let page = try store.list(query)
        pages.append(page.jobs.map(\.name))
        guard let token = page.nextToken else { return pages }
        query.nextToken = token
    }
}

@Suite struct TrainingJobStoreTests {
    @Test func createReadAndReopen() throws {
        let path = databasePath()
        var original = job("Job-1", at: 1_700_000_000.123, tags: [("team", "sorts")])
        _ = original.apply(.metrics([MetricValue(metricName: "loss", value: 0.25, timestamp: 1_700_000_001)]), at: 1_700_000_001)
        original.warmPoolStatus = ["Status": "Available", "ResourceRetainedBillableTimeInSeconds": 10]
        do {
            let database = try Database(path: path)
            try TrainingJobStore(database: database).create(original)
            database.close()
        }
        let reopened = TrainingJobStore(database: try Database(path: path))
        #expect(try reopened.job(named: "Job-1") == original)
        #expect(try reopened.job(named: "job-1") == original, "names are found regardless of case")
        #expect(try reopened.job(named: "job-2") == nil)
        // The request is kept byte for byte: integers stay integers.
        #expect(try reopened.job(named: "Job-1")?.spec.request.serialized.contains(#""InstanceCount":1,"#) == true)
    }

    /// A document is the spec's cached JSON and `JobState` spliced together: it must hold exactly
    /// what the synthesized coding of TrainingJob writes (a field added to TrainingJob and not to
    /// JobState fails here), and decode to the same job.
    @Test func documentsAgreeWithTheSynthesizedCoding() throws {
        var full = job("Doc-1", at: 1_700_000_000.5, tags: [("team", "sorts")])
        _ = full.apply(.training, at: 1_700_000_002)
        _ = full.apply(.metrics([MetricValue(metricName: "loss", value: 0.5, timestamp: 1_700_000_003)]), at: 1_700_000_003)
        _ = full.apply(.failed(reason: "AlgorithmError: boom"), at: 1_700_000_004)
        full.warmPoolStatus = ["Status": "Available"]
        full.billableTimeSeconds = 3
        for candidate in [job("Doc-2", at: 1), full] {
            let document = try TrainingJobStore.encode(candidate)
            let reference = try JSONSerialization.jsonObject(with: JSONEncoder().encode(candidate)) as? NSDictionary
            let spliced = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? NSDictionary
            #expect(spliced == reference)
            #expect(try JSONDecoder().decode(TrainingJob.self, from: Data(document.utf8)) == candidate)
            // The state written directly holds what the encoder writes for it.
            let state = TrainingJobStore.JobState(candidate)
            let direct = try JSONSerialization.jsonObject(with: Data(try #require(state.json).utf8)) as? NSDictionary
            let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(state)) as? NSDictionary
            #expect(direct == encoded)
        }
        // A changed spec is encoded again, not taken from the cache.
        var changed = full
        changed.spec.hyperParameters["lr"] = "0.1"
        let document = try TrainingJobStore.encode(changed)
        #expect(try JSONDecoder().decode(TrainingJob.self, from: Data(document.utf8)).spec.hyperParameters["lr"] == "0.1")
    }

    @Test func aNameIsTakenInAnyCase() throws {
        let jobs = try store()
        try jobs.create(job("Job-1", at: 1))
        let error = try #require(throws: StoreError.self) { try jobs.create(job("JOB-1", at: 2)) }
        #expect(error.code == .conflict)
        #expect(try jobs.list(TrainingJobQuery()).jobs.count == 1)
    }

    @Test func updateIsAReadModifyWriteTransaction() throws {
        let jobs = try store()
        try jobs.create(job("counter", at: 1))
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25 {
                _ = try? jobs.update(named: "counter") { job in
                    let count = Int(job.spec.hyperParameters["n"] ?? "0") ?? 0
                    job.spec.hyperParameters["n"] = String(count + 1)
                }
            }
        }
        #expect(try jobs.job(named: "counter")?.spec.hyperParameters["n"] == "200")
    }

    @Test func updateKeepsIdentityAndReportsMissingJobs() throws {
        let jobs = try store()
        try jobs.create(job("Job-1", at: 1))
        let updated = try jobs.update(named: "job-1") { job in
            _ = job.apply(.training, at: 5)
            job.spec.name = "renamed"
            job.arn = "arn:bogus"
        }
        #expect(updated?.name == "Job-1" && updated?.arn.hasSuffix("training-job/job-1") == true)
        #expect(try jobs.job(named: "Job-1") == updated)
        #expect(try jobs.job(named: "Job-1")?.secondaryStatus == .training)
        #expect(try jobs.update(named: "nope") { _ in } == nil)
    }

    @Test func listFilters() throws {
        let jobs = try store()
        for (index, name) in ["alpha-1", "beta-2", "Alpha-3", "gamma-4"].enumerated() {
            try jobs.create(job(name, at: 100 + Double(index)))
        }
        try jobs.update(named: "beta-2") { job in
            _ = job.apply(.training, at: 200)
            _ = job.apply(.completed, at: 201)
        }
        try jobs.update(named: "gamma-4") { job in
            job.warmPoolStatus = ["Status": "Available"]
            job.lastModifiedTime = 300
        }
        func names(_ query: TrainingJobQuery) throws -> [String] { try jobs.list(query).jobs.map(\.name) }
        #expect(try names(TrainingJobQuery(nameContains: "ALPHA")) == ["alpha-1", "Alpha-3"])
        #expect(try names(TrainingJobQuery(statusEquals: .completed)) == ["beta-2"])
        #expect(try names(TrainingJobQuery(statusEquals: .inProgress)) == ["alpha-1", "Alpha-3", "gamma-4"])
        #expect(try names(TrainingJobQuery(creationTimeAfter: 101)) == ["Alpha-3", "gamma-4"])
        #expect(try names(TrainingJobQuery(creationTimeBefore: 101)) == ["alpha-1"])
        #expect(try names(TrainingJobQuery(creationTimeAfter: 100, creationTimeBefore: 103)) == ["beta-2", "Alpha-3"])
        #expect(try names(TrainingJobQuery(lastModifiedTimeAfter: 150)) == ["beta-2", "gamma-4"])
        #expect(try names(TrainingJobQuery(lastModifiedTimeBefore: 250)) == ["alpha-1", "beta-2", "Alpha-3"])
        #expect(try names(TrainingJobQuery(warmPoolStatusEquals: "Available")) == ["gamma-4"])
        #expect(try names(TrainingJobQuery(nameContains: "%")) == [], "no LIKE wildcards")
    }

    @Test func listSorts() throws {
        let jobs = try store()
        for (index, name) in ["b", "C", "a", "d"].enumerated() { try jobs.create(job(name, at: 10 - Double(index))) }
        try jobs.update(named: "C") { job in _ = job.apply(.failed(reason: "x"), at: 20) }
        try jobs.update(named: "d") { job in _ = job.apply(.stopRequested, at: 20) }
        func names(_ sort: TrainingJobQuery.SortKey, _ ascending: Bool) throws -> [String] {
            try jobs.list(TrainingJobQuery(sortBy: sort, ascending: ascending)).jobs.map(\.name)
        }
        #expect(try names(.creationTime, true) == ["d", "a", "C", "b"])
        #expect(try names(.creationTime, false) == ["b", "C", "a", "d"])
        #expect(try names(.name, true) == ["a", "b", "C", "d"])
        #expect(try names(.name, false) == ["d", "C", "b", "a"])
        #expect(try names(.status, true) == ["C", "b", "a", "d"])  // Failed, InProgress (by id), Stopping
        #expect(try names(.status, false) == ["d", "a", "b", "C"])
    }

    @Test(arguments: TrainingJobQuery.SortKey.allCases, [true, false])
    func paginationVisitsEveryJobOnceEvenWhileJobsAreCreated(sort: TrainingJobQuery.SortKey, ascending: Bool) throws {
        let jobs = try store()
        // Equal creation times and statuses force ties, which the id must break.
        for index in 0..<23 { try jobs.create(job(String(format: "job-%02d", index), at: Double(index / 4))) }
        var query = TrainingJobQuery(sortBy: sort, ascending: ascending, maxResults: 5)
        var seen: [String] = []
        var pages = 0
        var inserted = 0
        while true {
            let page = try jobs.list(query)
            seen += page.jobs.map(\.name)
            pages += 1
            // New jobs sort both before and after the cursor.
            try jobs.create(job("new-\(inserted)-a", at: -1))
            try jobs.create(job("zz-new-\(inserted)-b", at: 100))
            inserted += 1
            guard let token = page.nextToken else { break }
            query.nextToken = token
        }
        let originals = seen.filter { $0.hasPrefix("job-") }
        #expect(originals.count == 23 && Set(originals).count == 23, "\(seen)")
        #expect(Set(seen).count == seen.count, "no job twice")
        #expect(pages >= 5)
    }

    @Test func pagesAndTokens() throws {
        let jobs = try store()
        for index in 0..<7 { try jobs.create(job("j\(index)", at: Double(index))) }
        #expect(try allPages(jobs, TrainingJobQuery(maxResults: 3)) == [["j0", "j1", "j2"], ["j3", "j4", "j5"], ["j6"]])
        #expect(try allPages(jobs, TrainingJobQuery(maxResults: 7)) == [["j0", "j1", "j2", "j3", "j4", "j5", "j6"]])
        #expect(try jobs.list(TrainingJobQuery()).nextToken == nil)
        let token = try #require(try jobs.list(TrainingJobQuery(maxResults: 3)).nextToken)
        for bad in ["zz", "abc", "", token + "00", "6869"] {
            let error = try #require(throws: StoreError.self) { try jobs.list(TrainingJobQuery(maxResults: 3, nextToken: bad)) }
            #expect(error.code == .invalid)
        }
        // A token belongs to its order.
        let other = try #require(throws: StoreError.self) {
            try jobs.list(TrainingJobQuery(sortBy: .name, maxResults: 3, nextToken: token))
        }
        #expect(other.code == .invalid)
        #expect(throws: StoreError.self) { try jobs.list(TrainingJobQuery(maxResults: 0)) }
        #expect(throws: StoreError.self) { try jobs.list(TrainingJobQuery(maxResults: 101)) }
    }

    @Test func unfinishedJobsAreInProgressOrStopping() throws {
        let jobs = try store()
        for name in ["running", "stopping", "done", "failed", "stopped"] { try jobs.create(job(name, at: 1)) }
        try jobs.update(named: "stopping") { _ = $0.apply(.stopRequested, at: 2) }
        try jobs.update(named: "done") { job in _ = job.apply(.training, at: 2); _ = job.apply(.completed, at: 3) }
        try jobs.update(named: "failed") { _ = $0.apply(.failed(reason: "x"), at: 2) }
        try jobs.update(named: "stopped") { _ = $0.apply(.stopped(cause: .maxRuntime), at: 2) }
        #expect(try jobs.unfinished().map(\.name) == ["running", "stopping"])
    }

    @Test func deleteRemovesTheJobAndItsTags() throws {
        let jobs = try store()
        let created = job("Job-1", at: 1, tags: [("a", "1")])
        try jobs.create(created)
        #expect(try jobs.tags(arn: created.arn).count == 1)
        #expect(try jobs.delete(named: "JOB-1"))
        #expect(try jobs.job(named: "Job-1") == nil)
        #expect(try jobs.tags(arn: created.arn).isEmpty)
        #expect(try !jobs.delete(named: "Job-1"))
        try jobs.create(job("job-1", at: 2))
        #expect(try jobs.tags(arn: created.arn).isEmpty, "a new job of the same name starts untagged")
    }

    @Test func tagsKeepTheirOrderAndLimit() throws {
        let jobs = try store()
        let created = job("Job-1", at: 1, tags: [("z", "1"), ("a", "2")])
        try jobs.create(created)
        let arn = created.arn
        try jobs.addTags(arn: arn, [(key: "m", value: "3"), (key: "z", value: "updated")])
        #expect(try jobs.tags(arn: arn).map { "\($0.key)=\($0.value)" } == ["z=updated", "a=2", "m=3"])
        try jobs.deleteTags(arn: arn, keys: ["a", "absent"])
        #expect(try jobs.tags(arn: arn).map(\.key) == ["z", "m"])
        try jobs.addTags(arn: arn, (0..<48).map { (key: "k\($0)", value: "") })
        #expect(try jobs.tags(arn: arn).count == 50)
        let error = try #require(throws: StoreError.self) { try jobs.addTags(arn: arn, [(key: "one-too-many", value: "")]) }
        #expect(error.code == .invalid)
        #expect(try jobs.tags(arn: arn).count == 50, "nothing added")
        try jobs.addTags(arn: arn, ["z": "again"])
        #expect(try jobs.tags(arn: arn).first?.value == "again", "replacing a value is not a new tag")
    }
}
