/// SageMaker's Hyperband strategy as asynchronous successive halving (ASHA, stopping variant):
/// resource is the number of emissions of the objective metric. Rungs sit at
/// `minResource * eta^k` emissions below `maxResource`. When a trial reaches a rung, it continues
/// only if its value there is within the top `1/eta` of the values recorded at that rung by every
/// trial that reached it (itself included, at least one kept), so early trials are never blocked
/// waiting for a full rung. Never stops before `minResource`; always stops at `maxResource`.
/// The tuner asks after every emission; between rungs the answer is to continue.
public struct HyperbandRule: EarlyStoppingRule {
    public var minResource: Int
    public var maxResource: Int
    public var eta: Int

    public init(minResource: Int = 1, maxResource: Int, eta: Int = 3) {
        self.minResource = max(minResource, 1)
        self.maxResource = max(maxResource, self.minResource)
        self.eta = max(eta, 2)
    }

    /// The emission counts at which trials are compared.
    public var rungs: [Int] {
        var rungs: [Int] = []
        var level = minResource
        while level < maxResource {
            rungs.append(level)
            let (next, overflow) = level.multipliedReportingOverflow(by: eta)
            if overflow { break }
            level = next
        }
        return rungs
    }

    public func shouldStop(series: [Double], others: [[Double]]) -> Bool {
        let resource = series.count
        if resource >= maxResource { return true }
        guard resource >= minResource, rungs.contains(resource), let current = series.last else { return false }
        let recorded = others.filter { $0.count >= resource }.map { $0[resource - 1] }
        let better = recorded.filter { $0 < current || ($0.isFinite && !current.isFinite) }.count
        let kept = max(1, (recorded.count + 1) / eta)
        return better >= kept
    }
}
