import Testing
@testable import AnnealCore

@Suite struct CapacitySchedulerTests {
    let catalog = InstanceCatalog()
    var m5large: InstanceType { catalog["ml.m5.large"]! }
    var m52x: InstanceType { catalog["ml.m5.2xlarge"]! }
    var p3: InstanceType { catalog["ml.p3.2xlarge"]! }

    func pool(_ kind: PoolKind = .onDemand, vCPUs: Int = 8, memoryGiB: Int = 64, gpus: Int = 0, instances: Int? = nil,
              quotas: [String: Int] = [:]) -> CapacityPool {
        CapacityPool(kind: kind, resources: Resources(vCPUs: vCPUs, memoryMiB: memoryGiB * 1024, gpus: gpus), maxInstances: instances,
                     quotas: quotas)
    }

    func request(_ job: String, _ type: InstanceType, count: Int = 1, pool: PoolKind = .onDemand, at time: Double,
                 priority: Int = 0, group: String? = nil, maxPending: Int? = nil) -> CapacityRequest {
        CapacityRequest(job: job, type: type, count: count, pool: pool, priority: priority, group: group, submittedAt: time,
                        maxPendingSeconds: maxPending)
    }

    static func launched(_ decisions: [CapacityDecision]) -> [String] {
        decisions.compactMap { if case .launch(let job, _) = $0 { job } else { nil } }
    }

    @Test func tenJobsOnAPoolOfFourNeverOversubscribeAndAllRunInOrder() {
        var scheduler = CapacityScheduler(pools: [pool(vCPUs: 8)])
        var started: [String] = []
        for index in 0..<10 {
            started += Self.launched(scheduler.submit(request("job-\(index)", m5large, at: Double(index)), at: Double(index)))
        }
        #expect(started == ["job-0", "job-1", "job-2", "job-3"])
        #expect(scheduler.queue.count == 6)
        var time = 10.0
        while !scheduler.placed.isEmpty {
            #expect(scheduler.placed.count <= 4)
            #expect(scheduler.used(.onDemand).vCPUs <= 8)
            let oldest = scheduler.placed.values.min { $0.id < $1.id }!
            time += 1
            started += Self.launched(scheduler.release(oldest.id, at: time))
        }
        #expect(started == (0..<10).map { "job-\($0)" })
    }

    @Test func requestsThatCanNeverFitAreRejectedNamingTheLimit() {
        var scheduler = CapacityScheduler(pools: [pool(vCPUs: 16, memoryGiB: 40, instances: 3)], maxInstances: 10)
        let gpu = scheduler.submit(request("gpu", p3, at: 0), at: 0)
        guard case .reject(_, let reason) = gpu.first else { Issue.record("expected a rejection: \(gpu)"); return }
        #expect(reason.contains("'gpus' is 0"))
        let memory = scheduler.submit(request("big", m52x, count: 2, at: 0), at: 0)
        guard case .reject(_, let memoryReason) = memory.first else { Issue.record("expected a rejection"); return }
        #expect(memoryReason.contains("'memory-mib'"))
        let many = scheduler.submit(request("many", m5large, count: 4, at: 0), at: 0)
        guard case .reject(_, let countReason) = many.first else { Issue.record("expected a rejection"); return }
        #expect(countReason.contains("'instances' is 3"))
        let global = scheduler.submit(request("more", m5large, count: 11, at: 0), at: 0)
        guard case .reject(_, let globalReason) = global.first else { Issue.record("expected a rejection"); return }
        #expect(globalReason.contains("max-instances"))
        let spot = scheduler.submit(request("spot", m5large, pool: .spot, at: 0), at: 0)
        #expect(spot.first.map { if case .reject = $0 { true } else { false } } == true)
        #expect(scheduler.placed.isEmpty && scheduler.queue.isEmpty)
    }

    @Test func aMultiInstanceJobIsPlacedWholeOrNotAtAllAndIsNotOvertaken() {
        var scheduler = CapacityScheduler(pools: [pool(vCPUs: 8)])
        #expect(Self.launched(scheduler.submit(request("a", m5large, at: 0), at: 0)) == ["a"])
        // Three instances do not fit beside "a" (8 vCPUs): it waits, whole.
        let decisions = scheduler.submit(request("wide", m5large, count: 4, at: 1), at: 1)
        #expect(Self.launched(decisions).isEmpty)
        #expect(decisions.contains { if case .wait(let job, _) = $0 { job == "wide" } else { false } })
        // A small job behind it does not jump the queue (it would starve the wide one).
        #expect(Self.launched(scheduler.submit(request("small", m5large, at: 2), at: 2)).isEmpty)
        let id = scheduler.placed.keys.first!
        let next = scheduler.release(id, at: 3)
        #expect(Self.launched(next) == ["wide"])
        guard case .launch(_, let instances) = next.first(where: { if case .launch = $0 { true } else { false } }) else { return }
        #expect(instances.map(\.host) == [1, 2, 3, 4])
        #expect(Set(instances.map(\.id)).count == 4)
        #expect(scheduler.queue.map(\.job) == ["small"])
    }

    @Test func higherPriorityFirstThenFairAcrossTuningJobs() {
        var scheduler = CapacityScheduler(pools: [pool(vCPUs: 2)])
        _ = scheduler.submit(request("first", m5large, at: 0), at: 0)
        for index in 0..<3 { _ = scheduler.submit(request("tuneA-\(index)", m5large, at: 1, group: "A"), at: 1) }
        _ = scheduler.submit(request("tuneB-0", m5large, at: 2, group: "B"), at: 2)
        _ = scheduler.submit(request("urgent", m5large, at: 3, priority: 5), at: 3)
        var order: [String] = []
        for step in 0..<5 {
            let running = scheduler.placed.values.first!
            order += Self.launched(scheduler.release(running.id, at: 10 + Double(step)))
        }
        // Priority first; with one instance nothing else runs at each choice, so the shares are equal
        // and arrival decides.
        #expect(order == ["urgent", "tuneA-0", "tuneA-1", "tuneA-2", "tuneB-0"])
    }

    @Test func fairShareCountsRunningInstancesOfEachTuningJob() {
        var scheduler = CapacityScheduler(pools: [pool(vCPUs: 4)])
        // A holds both instances; B's trial arrives after A's next one but goes first.
        _ = scheduler.submit(request("A-0", m5large, at: 0, group: "A"), at: 0)
        _ = scheduler.submit(request("A-1", m5large, at: 0, group: "A"), at: 0)
        _ = scheduler.submit(request("A-2", m5large, at: 1, group: "A"), at: 1)
        _ = scheduler.submit(request("B-0", m5large, at: 2, group: "B"), at: 2)
        let id = scheduler.placed.values.first { $0.job == "A-0" }!.id
        #expect(Self.launched(scheduler.release(id, at: 3)) == ["B-0"])
    }

    @Test func pendingTimeIsHonoured() {
        var scheduler = CapacityScheduler(pools: [pool(vCPUs: 2)])
        _ = scheduler.submit(request("a", m5large, at: 0), at: 0)
        _ = scheduler.submit(request("b", m5large, at: 1, maxPending: 5), at: 1)
        #expect(scheduler.expire(at: 5.9).isEmpty)
        #expect(scheduler.expire(at: 6) == [.pendingExpired(job: "b")])
        #expect(scheduler.queue.isEmpty)
    }

    @Test func poolsAreIndependentAndQuotasHold() {
        var scheduler = CapacityScheduler(pools: [pool(vCPUs: 2), pool(.spot, vCPUs: 8, quotas: ["ml.m5.large": 2])])
        #expect(Self.launched(scheduler.submit(request("od", m5large, at: 0), at: 0)) == ["od"])
        #expect(Self.launched(scheduler.submit(request("od-2", m5large, at: 1), at: 1)).isEmpty)
        #expect(Self.launched(scheduler.submit(request("s1", m5large, pool: .spot, at: 2), at: 2)) == ["s1"])
        #expect(Self.launched(scheduler.submit(request("s2", m5large, pool: .spot, at: 3), at: 3)) == ["s2"])
        // The quota (2 × ml.m5.large), not the pool's vCPUs, holds the third back.
        #expect(Self.launched(scheduler.submit(request("s3", m5large, pool: .spot, at: 4), at: 4)).isEmpty)
        #expect(scheduler.used(.spot).vCPUs == 4)
    }

    @Test func spotMarketTraceReplaysAndRateIsSeeded() {
        var market = SpotMarket(trace: [.init(instance: 2, afterSeconds: 3)])
        market.launched("i-1", at: 0)
        market.launched("i-2", at: 1)
        #expect(market.due(at: 3.9, elapsed: 1).isEmpty)
        #expect(market.due(at: 4, elapsed: 1) == ["i-2"])
        #expect(market.due(at: 5, elapsed: 1).isEmpty)
        func run(seed: UInt64) -> [String] {
            var random = SpotMarket(ratePerHour: 3600, seed: seed)
            for index in 0..<20 { random.launched("i-\(index)", at: 0) }
            return random.due(at: 0.5, elapsed: 0.5)
        }
        #expect(run(seed: 7) == run(seed: 7))
        // 1 - e^-0.5 ≈ 39% of 20 instances.
        #expect((3...15).contains(run(seed: 7).count))
    }
}
