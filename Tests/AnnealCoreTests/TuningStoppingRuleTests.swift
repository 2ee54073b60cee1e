import Testing
@testable import AnnealCore

@Suite("Tuning: early stopping")
struct TuningStoppingRuleTests {
    @Test("median rule: stop when worse than the median of the others' running averages up to t")
    func median() {
        let rule = MedianStoppingRule()
        let others: [[Double]] = [[1, 1, 1], [2, 2, 2], [10, 10, 10]]
        #expect(rule.shouldStop(series: [5, 4, 3], others: others))           // 3 > median(1, 2, 10)
        #expect(!rule.shouldStop(series: [5, 4, 1.5], others: others))
        #expect(!rule.shouldStop(series: [5, 4, 2], others: others))          // equal is not worse
        // Running averages, not values at t: [9, 1, 1] averages to 11/3.
        #expect(!rule.shouldStop(series: [9, 9, 3], others: [[9, 1, 1], [9, 1, 1], [9, 1, 1]]))
        // Only others that reached t count; too few, no decision.
        #expect(!rule.shouldStop(series: [5, 4, 9], others: [[1, 1, 1], [2, 2, 2], [1, 1]]))
        #expect(rule.shouldStop(series: [5, 4, 9], others: [[1, 1, 1], [2, 2, 2], [1, 1, 1, 1]]))
        #expect(!rule.shouldStop(series: [], others: others))
        #expect(!MedianStoppingRule(minimumOtherTrials: 3, minimumSteps: 4).shouldStop(series: [5, 4, 9], others: others))
    }

    @Test("Hyperband rule: rungs at MinResource * 3^k, top third kept, MaxResource always stops")
    func hyperband() {
        let rule = HyperbandRule(minResource: 1, maxResource: 27)
        #expect(rule.rungs == [1, 3, 9])
        #expect(rule.shouldStop(series: Array(repeating: 0, count: 27), others: []))
        let others: [[Double]] = [[9, 9, 1], [9, 9, 2], [9, 9, 3], [9, 9, 4], [9, 9, 6]]
        // At rung 3: six values (five others and its own); the best two continue.
        #expect(rule.shouldStop(series: [0, 0, 5], others: others))
        #expect(!rule.shouldStop(series: [0, 0, 1.5], others: others))
        #expect(!rule.shouldStop(series: [0, 0, 0.5], others: others))
        // Between rungs, no decision; the first trial at a rung continues.
        #expect(!rule.shouldStop(series: [0, 0, 5, 5], others: others))
        #expect(!rule.shouldStop(series: [0, 0, 5], others: []))
        // Never before MinResource.
        let late = HyperbandRule(minResource: 3, maxResource: 81)
        #expect(late.rungs == [3, 9, 27])
        #expect(!late.shouldStop(series: [100], others: [[0], [0], [0]]))
        #expect(late.shouldStop(series: [100, 100, 100], others: [[0, 0, 0], [0, 0, 0], [0, 0, 0]]))
    }
}
