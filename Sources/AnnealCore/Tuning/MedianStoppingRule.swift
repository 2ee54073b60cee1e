/// SageMaker's `TrainingJobEarlyStoppingType` Auto: after emission `t` of the objective, stop the
/// trial if its value at `t` is worse than the median of the other trials' running averages over
/// emissions 1...t. Decides only once at least `minimumOtherTrials` other trials have reached `t`
/// (a median of one or two curves is noise) and never before emission `minimumSteps`.
/// Values are losses (lower is better), as the tuner orients them.
public struct MedianStoppingRule: EarlyStoppingRule {
    public var minimumOtherTrials: Int
    public var minimumSteps: Int

    public init(minimumOtherTrials: Int = 3, minimumSteps: Int = 1) {
        self.minimumOtherTrials = minimumOtherTrials
        self.minimumSteps = minimumSteps
    }

    public func shouldStop(series: [Double], others: [[Double]]) -> Bool {
        let t = series.count
        guard t >= max(minimumSteps, 1), let current = series.last, current.isFinite else { return false }
        var averages: [Double] = []
        for other in others where other.count >= t {
            var sum = 0.0
            for value in other.prefix(t) { sum += value }
            if sum.isFinite { averages.append(sum / Double(t)) }
        }
        guard averages.count >= max(minimumOtherTrials, 1) else { return false }
        averages.sort()
        let middle = averages.count / 2
        let median = averages.count % 2 == 1 ? averages[middle] : (averages[middle - 1] + averages[middle]) / 2
        return current > median
    }
}
