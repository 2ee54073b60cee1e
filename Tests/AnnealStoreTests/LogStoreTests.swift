import Foundation
import Testing
@testable import AnnealStore

private func makeStore() throws -> LogStore {
    LogStore(database: try Database(path: temporaryDirectory() + "/logs.db"))
}

private func lines(_ count: Int, from first: Int = 0, at timestamp: (Int) -> Int64) -> [(timestamp: Int64, message: String)] {
    (first..<(first + count)).map { (timestamp($0), "line \($0)") }
}

@Suite struct LogStoreTests {
    @Test func groupsAndStreamsAreCreatedOnceAndListedInOrder() throws {
        let store = try makeStore()
        try store.createGroup("/aws/sagemaker/TrainingJobs", at: 10)
        #expect(throws: StoreError.self) { try store.createGroup("/aws/sagemaker/TrainingJobs", at: 11) }
        try store.ensureGroup("/aws/sagemaker/TrainingJobs", at: 12)
        try store.ensureGroup("/aws/other", at: 13)
        #expect(try store.groups(prefix: nil, limit: 10, after: nil).map(\.name) == ["/aws/other", "/aws/sagemaker/TrainingJobs"])
        #expect(try store.groups(prefix: "/aws/s", limit: 10, after: nil).map(\.creationTime) == [10])
        #expect(try store.groups(prefix: nil, limit: 1, after: "/aws/other").map(\.name) == ["/aws/sagemaker/TrainingJobs"])
        #expect(try store.groups(prefix: nil, limit: 10, after: nil, contains: "SAGEMAKER").count == 1)

        let missing = #expect(throws: StoreError.self) { try store.createStream(group: "nope", name: "s", at: 1) }
        #expect(missing?.code == .notFound)
        let group = "/aws/sagemaker/TrainingJobs"
        for name in ["job-b/algo-1", "job-a/algo-2", "job-a/algo-1", "other"] {
            try store.createStream(group: group, name: name, at: 20)
        }
        let conflict = #expect(throws: StoreError.self) { try store.createStream(group: group, name: "other", at: 21) }
        #expect(conflict?.code == .conflict)
        try store.ensureStream(group: group, name: "other", at: 22)

        let byName = try store.streams(group: group, prefix: "job-a/", orderByLastEvent: false, descending: false, limit: 50, after: nil)
        #expect(byName.map(\.name) == ["job-a/algo-1", "job-a/algo-2"])
        let firstPage = try store.streams(group: group, prefix: nil, orderByLastEvent: false, descending: true, limit: 2, after: nil)
        #expect(firstPage.map(\.name) == ["other", "job-b/algo-1"])
        let secondPage = try store.streams(group: group, prefix: nil, orderByLastEvent: false, descending: true, limit: 2,
                                           after: firstPage.last?.pageCursor(orderByLastEvent: false))
        #expect(secondPage.map(\.name) == ["job-a/algo-2", "job-a/algo-1"])

        try store.append(group: group, stream: "job-a/algo-2", events: [(500, "x")], ingestionTime: 600)
        try store.append(group: group, stream: "job-b/algo-1", events: [(300, "y")], ingestionTime: 600)
        var ordered: [String] = []
        var cursor: String?
        repeat {
            let page = try store.streams(group: group, prefix: nil, orderByLastEvent: true, descending: true, limit: 1, after: cursor)
            ordered += page.map(\.name)
            cursor = page.last?.pageCursor(orderByLastEvent: true)
        } while cursor != nil
        #expect(ordered == ["job-a/algo-2", "job-b/algo-1", "other", "job-a/algo-1"])
        #expect(throws: StoreError.self) {
            _ = try store.streams(group: "nope", prefix: nil, orderByLastEvent: false, descending: false, limit: 1, after: nil)
        }
    }

    @Test func appendKeepsArrivalOrderWithinATimestampAndTracksTheStream() throws {
        let store = try makeStore()
        try store.ensureGroup("g", at: 1)
        try store.ensureStream(group: "g", name: "s", at: 1)
        // Timestamps out of order, and three lines in the same millisecond.
        try store.append(group: "g", stream: "s", events: [(30, "c"), (10, "a"), (20, "b1"), (20, "b2")], ingestionTime: 100)
        try store.append(group: "g", stream: "s", events: [(20, "b3"), (40, "d")], ingestionTime: 200)
        let page = try store.events(group: "g", stream: "s", start: nil, end: nil, after: nil, forward: true, limit: 100)
        #expect(page.events.map(\.message) == ["a", "b1", "b2", "b3", "c", "d"])
        #expect(page.events.map(\.ingestionTime) == [100, 100, 100, 200, 100, 200])
        let info = try #require(try store.stream(group: "g", name: "s"))
        #expect(info.firstEventTimestamp == 10 && info.lastEventTimestamp == 40 && info.lastIngestionTime == 200)
        #expect(info.storedBytes == 9)  // message bytes: a b1 b2 b3 c d
        #expect(try store.group("g")?.storedBytes == 9)
        let missing = #expect(throws: StoreError.self) {
            try store.append(group: "g", stream: "nope", events: [(1, "x")], ingestionTime: 1)
        }
        #expect(missing?.code == .notFound)
    }

    @Test func pagesForwardAndBackwardWithStablePositions() throws {
        let store = try makeStore()
        try store.ensureGroup("g", at: 1)
        try store.ensureStream(group: "g", name: "s", at: 1)
        try store.append(group: "g", stream: "s", events: lines(10) { Int64(1_000 + $0 / 2) }, ingestionTime: 5_000)

        // Forward in pages of 4 from the head, as the SageMaker SDK does, until an empty page.
        var seen: [String] = []
        var position: LogPosition?
        var pages = 0
        while true {
            let page = try store.events(group: "g", stream: "s", start: 0, end: nil, after: position, forward: true, limit: 4)
            pages += 1
            guard let last = page.last else { break }
            seen += page.events.map(\.message)
            position = last
        }
        #expect(seen == (0..<10).map { "line \($0)" } && pages == 4)
        // Nothing new: the same position gives an empty page again (the token does not move).
        let again = try store.events(group: "g", stream: "s", start: 0, end: nil, after: position, forward: true, limit: 4)
        #expect(again.events.isEmpty && again.last == nil)
        #expect(position.map { LogPosition(encoded: $0.encoded) } == position)
        // Lines appended later, even in the same millisecond as the last one read, come next.
        try store.append(group: "g", stream: "s", events: [(1_004, "late same ms"), (1_005, "later")], ingestionTime: 6_000)
        let more = try store.events(group: "g", stream: "s", start: 0, end: nil, after: position, forward: true, limit: 4)
        #expect(more.events.map(\.message) == ["late same ms", "later"])

        // Backward from the end (GetLogEvents without startFromHead): the last events, oldest first.
        let tail = try store.events(group: "g", stream: "s", start: nil, end: nil, after: nil, forward: false, limit: 3)
        #expect(tail.events.map(\.message) == ["line 9", "late same ms", "later"])
        let before = try store.events(group: "g", stream: "s", start: nil, end: nil, after: tail.first, forward: false, limit: 3)
        #expect(before.events.map(\.message) == ["line 6", "line 7", "line 8"])
        let next = try store.events(group: "g", stream: "s", start: nil, end: nil, after: before.last, forward: true, limit: 2)
        #expect(next.events.map(\.message) == ["line 9", "late same ms"])

        // A window [start, end) in both directions.
        let window = try store.events(group: "g", stream: "s", start: 1_001, end: 1_003, after: nil, forward: true, limit: 100)
        #expect(window.events.map(\.message) == ["line 2", "line 3", "line 4", "line 5"])
        let windowTail = try store.events(group: "g", stream: "s", start: 1_001, end: 1_003, after: nil, forward: false, limit: 3)
        #expect(windowTail.events.map(\.message) == ["line 3", "line 4", "line 5"])

        // The byte cap ends a page early but never empties it.
        let capped = try store.events(group: "g", stream: "s", start: nil, end: nil, after: nil, forward: true, limit: 100,
                                      maxBytes: 2 * (6 + LogStore.eventOverheadBytes))
        #expect(capped.events.count == 2)
        let single = try store.events(group: "g", stream: "s", start: nil, end: nil, after: nil, forward: true, limit: 100, maxBytes: 1)
        #expect(single.events.count == 1)
    }

    @Test func readsUseTheIndexWithoutSorting() throws {
        let store = try makeStore()
        let plan = try store.database.read { conn throws(StoreError) in
            try conn.query("""
                EXPLAIN QUERY PLAN SELECT sequence, timestamp, ingestion, message FROM log_events
                WHERE stream_id = ? AND timestamp >= ? AND NOT (timestamp = ? AND sequence < ?) AND timestamp < ?
                ORDER BY timestamp, sequence LIMIT ?
                """, [1, 2, 3, 4, 5, 6]).compactMap { $0["detail"].string }
        }
        #expect(plan.contains { $0.contains("USING INDEX log_events_by_time") }, "\(plan)")
        #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan)")
    }

    @Test func filterInterleavesStreamsByTimeAndPages() throws {
        let store = try makeStore()
        try store.ensureGroup("g", at: 1)
        for name in ["job/algo-1", "job/algo-2", "other"] { try store.ensureStream(group: "g", name: name, at: 1) }
        try store.append(group: "g", stream: "job/algo-1", events: [(10, "a1 epoch=1"), (30, "a3 epoch=2"), (30, "a4 ERROR")],
                         ingestionTime: 50)
        try store.append(group: "g", stream: "job/algo-2", events: [(20, "b2 epoch=1"), (30, "b3 ERROR")], ingestionTime: 60)
        try store.append(group: "g", stream: "other", events: [(5, "o0")], ingestionTime: 70)

        let all = try store.filter(group: "g", streams: nil, streamPrefix: nil, start: nil, end: nil, after: nil, limit: 100) { _ in true }
        #expect(all.events.map(\.event.message) == ["o0", "a1 epoch=1", "b2 epoch=1", "a3 epoch=2", "a4 ERROR", "b3 ERROR"])
        #expect(all.next == nil)
        #expect(Set(all.events.map(\.eventID)).count == 6)

        let errors = try store.filter(group: "g", streams: nil, streamPrefix: "job/", start: 0, end: nil, after: nil, limit: 100) {
            $0.contains("ERROR")
        }
        #expect(errors.events.map(\.stream) == ["job/algo-1", "job/algo-2"])
        let named = try store.filter(group: "g", streams: ["other", "job/algo-2"], streamPrefix: nil, start: 6, end: 30, after: nil,
                                     limit: 100) { _ in true }
        #expect(named.events.map(\.event.message) == ["b2 epoch=1"])

        // Pages of two, and a page cut short by the scan bound still carries on.
        var collected: [String] = []
        var position: LogPosition?
        repeat {
            let page = try store.filter(group: "g", streams: nil, streamPrefix: nil, start: nil, end: nil, after: position, limit: 2,
                                        maxScanned: 3) { $0.contains("epoch") || $0.contains("ERROR") }
            collected += page.events.map(\.event.message)
            position = page.next
        } while position != nil
        #expect(collected == ["a1 epoch=1", "b2 epoch=1", "a3 epoch=2", "a4 ERROR", "b3 ERROR"])
        // The same event keeps its id when read again.
        let again = try store.filter(group: "g", streams: nil, streamPrefix: nil, start: 30, end: nil, after: nil, limit: 100) { _ in true }
        #expect(again.events.map(\.eventID) == Array(all.events.suffix(3).map(\.eventID)))
    }

    @Test func retentionPurgesOldEventsOnlyWhereItIsSet() throws {
        let store = try makeStore()
        let day = LogStore.dayMilliseconds
        let now = 100 * day
        for group in ["kept", "short"] {
            try store.ensureGroup(group, at: 0)
            try store.ensureStream(group: group, name: "s", at: 0)
            try store.append(group: group, stream: "s", events: lines(30) { now - Int64(30 - $0) * day }, ingestionTime: now)
        }
        try store.setRetention(group: "short", days: 7)
        #expect(try store.group("short")?.retentionDays == 7)
        #expect(throws: StoreError.self) { try store.setRetention(group: "nope", days: 7) }
        let before = try #require(try store.group("short")?.storedBytes)
        let deleted = try store.purge(before: now, batch: 5)
        #expect(deleted == 23)  // days -30 ... -8 are older than 7 days
        let left = try store.events(group: "short", stream: "s", start: nil, end: nil, after: nil, forward: true, limit: 100)
        #expect(left.events.count == 7 && left.events.first?.timestamp == now - 7 * day)
        let info = try #require(try store.stream(group: "short", name: "s"))
        #expect(info.firstEventTimestamp == now - 7 * day)
        #expect(info.storedBytes == Int64(left.events.reduce(0) { $0 + $1.message.utf8.count }))
        #expect(try store.group("short")?.storedBytes == info.storedBytes && info.storedBytes < before)
        let kept = try store.events(group: "kept", stream: "s", start: nil, end: nil, after: nil, forward: true, limit: 100)
        #expect(kept.events.count == 30)
        #expect(try store.purge(before: now) == 0)
        try store.setRetention(group: "short", days: nil)
        #expect(try store.group("short")?.retentionDays == nil)

        try store.deleteGroup("short")
        #expect(try store.group("short") == nil)
        #expect(throws: StoreError.self) { try store.deleteGroup("short") }
        let orphans = try store.database.read { conn throws(StoreError) in
            try conn.query("SELECT count(*) AS n FROM log_events").first?["n"].int
        }
        #expect(orphans == 30)
    }

    @Test func appendsAHundredThousandLinesInOneCall() throws {
        let store = try makeStore()
        try store.ensureGroup("g", at: 1)
        try store.ensureStream(group: "g", name: "s", at: 1)
        let events = lines(100_000) { 1_700_000_000_000 + Int64($0 / 10) }
        let started = ContinuousClock.now
        try store.append(group: "g", stream: "s", events: events, ingestionTime: 1_700_000_100_000)
        let seconds = (ContinuousClock.now - started).seconds
        print("LogStore: appended 100,000 lines in one call in \(String(format: "%.3f", seconds)) s "
              + "(\(Int(100_000 / seconds)) lines/s)")
        #if DEBUG
        #expect(seconds < 5)
        #else
        #expect(seconds < 1)
        #endif
        let tail = try store.events(group: "g", stream: "s", start: nil, end: nil, after: nil, forward: false, limit: 2)
        #expect(tail.events.map(\.message) == ["line 99998", "line 99999"])
        #expect(try store.stream(group: "g", name: "s")?.lastEventTimestamp == 1_700_000_009_999)
    }

    /// The figure for the logs benchmark: `ANNEAL_LOG_BENCH=1 swift test -c release --filter appendRate`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ANNEAL_LOG_BENCH"] != nil))
    func appendRateOfAMillionLinesInBatchesOfTenThousand() throws {
        let store = try makeStore()
        try store.ensureGroup("g", at: 1)
        try store.ensureStream(group: "g", name: "s", at: 1)
        let message = "epoch 12 step 3456 loss=0.123456 accuracy=0.98765 lr=0.001 elapsed=12.5s"
        let started = ContinuousClock.now
        for batch in 0..<100 {
            let events = (0..<10_000).map { (timestamp: 1_700_000_000_000 + Int64(batch * 10_000 + $0) / 8, message: message) }
            try store.append(group: "g", stream: "s", events: events, ingestionTime: 1_700_000_000_000 + Int64(batch))
        }
        let seconds = (ContinuousClock.now - started).seconds
        print("LogStore: appended 1,000,000 lines (\(message.utf8.count) bytes each) in batches of 10,000 in "
              + "\(String(format: "%.2f", seconds)) s = \(Int(1_000_000 / seconds)) lines/s, "
              + "database \(store.database.sizeOnDisk / 1_048_576) MiB")
    }
}

private extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
