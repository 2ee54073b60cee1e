import Testing
@testable import AnnealCore

/// Warm pools in the scheduler: kept instances stay placed, a matching request takes them (same IDs)
/// before anything else, others give way to a waiting job, and they end when their time is up.
@Suite struct WarmPoolSchedulerTests {
    let m5large = InstanceCatalog()["ml.m5.large"]!

    func scheduler(vCPUs: Int = 4) -> CapacityScheduler {
        CapacityScheduler(pools: [CapacityPool(kind: .onDemand, resources: Resources(vCPUs: vCPUs, memoryMiB: 64 * 1024, gpus: 0),
                                               maxInstances: nil, quotas: [:])])
    }

    func request(_ job: String, key: String?, at time: Double) -> CapacityRequest {
        CapacityRequest(job: job, type: m5large, count: 1, pool: .onDemand, submittedAt: time, warmKey: key)
    }

    @Test func aMatchingRequestTakesTheWarmInstanceAndOthersDoNot() {
        var capacity = scheduler()
        _ = capacity.submit(request("first", key: "k", at: 0), at: 0)
        let instance = capacity.instances(of: "first")[0]
        #expect(capacity.retain(job: "first", key: "k", seconds: 60, at: 10).isEmpty)
        #expect(capacity.placed.count == 1 && capacity.warm["first"] != nil)
        // Another key, or no key, gets a new instance; the matching one gets the warm one.
        let other = capacity.submit(request("other", key: "k2", at: 11), at: 11)
        guard case .launch(_, let fresh) = other.first else { Issue.record("expected a launch: \(other)"); return }
        #expect(fresh[0].id != instance.id)
        let matching = capacity.submit(request("second", key: "k", at: 12), at: 12)
        #expect(matching == [.reuse(job: "second", instances: [CapacityInstance(id: instance.id, job: "second", host: 1, pool: .onDemand,
                                                                                type: m5large)],
                                    from: "first", retainedAt: 10)])
        #expect(capacity.warm.isEmpty && capacity.placed.count == 2)
    }

    @Test func aRetainedPoolGoesAtOnceToAMatchingJobAlreadyWaiting() {
        var capacity = scheduler(vCPUs: 2)
        _ = capacity.submit(request("first", key: "k", at: 0), at: 0)
        let waiting = capacity.submit(request("second", key: "k", at: 1), at: 1)
        #expect(waiting.count == 1 && { if case .wait = waiting[0] { true } else { false } }())
        let decisions = capacity.retain(job: "first", key: "k", seconds: 60, at: 5)
        guard case .reuse(let job, _, let from, _) = decisions.first else { Issue.record("expected a reuse: \(decisions)"); return }
        #expect(job == "second" && from == "first")
    }

    @Test func warmPoolsEndWhenTheirTimeIsUpOrWhenSetToZero() {
        var capacity = scheduler()
        _ = capacity.submit(request("a", key: "k", at: 0), at: 0)
        _ = capacity.submit(request("b", key: "k", at: 0), at: 0)
        _ = capacity.retain(job: "a", key: "k", seconds: 30, at: 10)
        _ = capacity.retain(job: "b", key: "k", seconds: 300, at: 10)
        #expect(capacity.expire(at: 39).isEmpty)
        let expired = capacity.expire(at: 40)
        guard case .warmEnded("a", .expired, let instances, 10) = expired.first else { Issue.record("expected a's end: \(expired)"); return }
        #expect(instances.count == 1 && capacity.placed.count == 1)
        #expect(capacity.keepWarm(job: "b", seconds: 600, at: 50).isEmpty)
        #expect(capacity.warm["b"]?.until == 610)
        let ended = capacity.keepWarm(job: "b", seconds: 0, at: 60)
        guard case .warmEnded("b", .terminated, _, _) = ended.first else { Issue.record("expected b's end: \(ended)"); return }
        #expect(capacity.placed.isEmpty && capacity.warm.isEmpty)
        #expect(capacity.keepWarm(job: "b", seconds: 10, at: 61).isEmpty)
    }

    @Test func idleWarmCapacityGivesWayToAWaitingJobOldestFirst() {
        var capacity = scheduler(vCPUs: 4)
        _ = capacity.submit(request("old", key: "k", at: 0), at: 0)
        _ = capacity.submit(request("new", key: "k", at: 0), at: 0)
        _ = capacity.retain(job: "old", key: "k", seconds: 600, at: 5)
        _ = capacity.retain(job: "new", key: "k", seconds: 600, at: 6)
        let decisions = capacity.submit(request("cold", key: nil, at: 7), at: 7)
        #expect(decisions.count == 2)
        guard case .warmEnded("old", .capacityNeeded, _, _) = decisions.first,
              case .launch("cold", _) = decisions.last else { Issue.record("expected old to give way: \(decisions)"); return }
        #expect(capacity.warm.keys.sorted() == ["new"])
        #expect(capacity.used(.onDemand).vCPUs == 4)
    }
}
