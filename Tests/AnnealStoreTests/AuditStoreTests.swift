import AnnealCore
import Testing
@testable import AnnealStore

@Suite struct AuditStoreTests {
    func event(_ index: Int, principal: String = "arn:aws:iam::1:user/a", outcome: AuditEvent.Outcome = .denied) -> AuditEvent {
        AuditEvent(timeMilliseconds: Int64(1_000_000 + index * 1000), principal: principal, accessKeyID: "AKIA\(index)",
                   action: "s3:GetObject", resource: "arn:aws:s3:::b/\(index)", outcome: outcome,
                   errorCode: outcome == .denied ? "AccessDenied" : nil, sourceIP: "127.0.0.1", requestID: "r\(index)")
    }

    @Test func pagesNewestFirstWithFilters() throws {
        let store = AuditStore(database: try Database(path: temporaryDirectory() + "/a.db"))
        for index in 0..<7 {
            try store.append(event(index, principal: index % 2 == 0 ? "arn:aws:iam::1:user/a" : "arn:aws:iam::1:user/b",
                                   outcome: index == 3 ? .allowed : .denied))
        }
        let first = try store.events(AuditQuery(maxResults: 3))
        #expect(first.events.map(\.requestID) == ["r6", "r5", "r4"])
        let token = try #require(first.nextToken)
        let second = try store.events(AuditQuery(maxResults: 3, beforeID: AuditPageToken.decode(token)))
        #expect(second.events.map(\.requestID) == ["r3", "r2", "r1"])
        let last = try store.events(AuditQuery(maxResults: 3, beforeID: second.nextToken.flatMap(AuditPageToken.decode)))
        #expect(last.events.map(\.requestID) == ["r0"] && last.nextToken == nil)
        #expect(try store.events(AuditQuery(principal: "arn:aws:iam::1:user/b")).events.map(\.requestID) == ["r5", "r3", "r1"])
        #expect(try store.events(AuditQuery(outcome: .allowed)).events.map(\.requestID) == ["r3"])
        #expect(try store.events(AuditQuery(startMilliseconds: 1_002_000, endMilliseconds: 1_004_000)).events.map(\.requestID)
            == ["r4", "r3", "r2"])
        let stored = try #require(try store.events(AuditQuery(maxResults: 1)).events.first)
        #expect(stored == event(6))
        let allowed = try #require(try store.events(AuditQuery(outcome: .allowed)).events.first)
        #expect(allowed.errorCode == nil)
    }

    @Test func pruneKeepsTheRetentionBound() throws {
        let store = AuditStore(database: try Database(path: temporaryDirectory() + "/a.db"))
        for index in 0..<10 { try store.append(event(index)) }
        #expect(try store.prune(olderThan: 1_003_000, keep: 100) == 3)  // r0, r1, r2 are older
        #expect(try store.prune(olderThan: 0, keep: 4) == 3)  // r3, r4, r5: beyond the newest four
        #expect(try store.events(AuditQuery()).events.map(\.requestID) == ["r9", "r8", "r7", "r6"])
        #expect(try store.prune(olderThan: 0, keep: 4) == 0)
    }
}
