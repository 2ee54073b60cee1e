import Foundation

/// One fitted surrogate and the search for the point of highest expected improvement on it
/// (the working part of `BayesianStrategy`, kept for the proposals of one call).
struct AcquisitionSearch {
    let space: SearchSpace
    var process: GaussianProcess
    /// Observed points (unit coordinates) ordered from the best loss.
    let incumbents: [[Double]]
    /// The best transformed, standardised observed target.
    var best: Double
    /// Indices of the numeric ranges (optimised by gradient) and the categorical ones.
    let numeric: [Int]
    let categorical: [Int]

    init?(space: SearchSpace, observed: [(unit: [Double], loss: Double)], outputTransform: BayesianStrategy.OutputTransform,
          fantasies: [[Double]]) {
        self.space = space
        var targets = observed.map(\.loss)
        if outputTransform == .shiftedLog || (outputTransform == .automatic && Self.skewness(targets) > 1) {
            let sorted = targets.sorted()
            let low = sorted[0], median = sorted[sorted.count / 2]
            let spread = median - low
            let shift = spread > 0 ? Self.shiftFraction * spread : max(abs(low), 1) * 1e-3
            targets = targets.map { log($0 - low + shift) }
        }
        let mean = targets.reduce(0, +) / Double(targets.count)
        var variance = 0.0
        for t in targets { variance += (t - mean) * (t - mean) }
        let sd = (variance / Double(targets.count)).squareRoot()
        let scale = sd > 1e-12 ? sd : 1
        targets = targets.map { ($0 - mean) / scale }
        let inputs = observed.map { space.features(space.snapped($0.unit)) }
        let hyperparameters = GaussianProcessFit.fit(inputs: inputs, targets: targets)
        guard let process = GaussianProcess(inputs: inputs, targets: targets, hyperparameters: hyperparameters) else { return nil }
        self.process = process
        best = targets.min() ?? 0
        incumbents = observed.indices.sorted { (observed[$0].loss, $0) < (observed[$1].loss, $1) }.prefix(5).map { observed[$0].unit }
        var numeric: [Int] = [], categorical: [Int] = []
        for (index, range) in space.ranges.enumerated() {
            if case .categorical = range { categorical.append(index) } else { numeric.append(index) }
        }
        self.numeric = numeric
        self.categorical = categorical
        for fantasy in fantasies { addFantasy(space.snapped(fantasy)) }
    }

    /// The shift of the log transform as a fraction of (median - min) of the losses. Smaller shifts
    /// stretch the region near the best value more, and on Branin 0.1 made the best point an outlier
    /// the model could not fit (a seed stalled at 1.94 for 60 trials); 1 keeps it smooth.
    static let shiftFraction = 1.0

    /// The sample skewness: large and positive when a few losses are far worse than the rest.
    static func skewness(_ values: [Double]) -> Double {
        let n = Double(values.count)
        guard n > 2 else { return 0 }
        let mean = values.reduce(0, +) / n
        var m2 = 0.0, m3 = 0.0
        for v in values {
            let d = v - mean
            m2 += d * d
            m3 += d * d * d
        }
        m2 /= n
        m3 /= n
        return m2 > 0 ? m3 / (m2 * m2.squareRoot()) : 0
    }

    /// Kriging believer: the point is observed at its posterior mean.
    mutating func addFantasy(_ unit: [Double]) {
        let features = space.features(unit)
        let believed = process.predict(features).mean
        process.append(features, target: believed)
        // The fantasy counts as an observation for the incumbent too; otherwise a point predicted
        // below the best keeps its improvement after the fantasy and the batch collapses onto it.
        best = min(best, believed)
    }

    func logEI(_ unit: [Double]) -> Double {
        let (mean, variance) = process.predict(space.features(unit))
        return ExpectedImprovement.log(mean: mean, sd: variance.squareRoot(), best: best).value
    }

    /// The unit point (snapped) of highest log EI whose configuration is not in `taken`.
    mutating func maximise(candidates: Int, localStarts: Int, taken: Set<Configuration>, random: inout TuningRandom) -> [Double] {
        let d = space.dimension
        // Each candidate costs O(n^2); past a hundred observations the model is sharp enough that
        // half as many candidates find the same optimum, and the proposal stays within its budget.
        let candidates = process.count > 100 ? candidates / 2 : candidates
        var points: [[Double]] = []
        points.reserveCapacity(candidates)
        let local = incumbents.isEmpty ? 0 : candidates / 2
        for _ in 0..<(candidates - local) { points.append((0..<d).map { _ in random.unit() }) }
        let scales = [0.005, 0.02, 0.08, 0.2]
        for i in 0..<local {
            var point = incumbents[i % incumbents.count]
            let scale = scales[(i / incumbents.count) % scales.count]
            for k in numeric { point[k] = min(max(point[k] + scale * random.normal(), 0), 1) }
            for k in categorical where random.unit() < 1 / Double(d) { point[k] = random.unit() }
            points.append(point)
        }
        var scored = points.map { point -> (unit: [Double], value: Double) in
            let snapped = space.snapped(point)
            return (snapped, logEI(snapped))
        }
        scored.sort { $0.value > $1.value }

        // Polish the best few distinct candidates along the numeric coordinates.
        var starts: [[Double]] = []
        for candidate in scored where starts.count < localStarts {
            if !starts.contains(where: { $0 == candidate.unit }) { starts.append(candidate.unit) }
        }
        var results = Array(scored.prefix(4 * localStarts))
        if !numeric.isEmpty {
            let optimiser = BoundedLBFGS(lower: [Double](repeating: 0, count: numeric.count),
                                         upper: [Double](repeating: 1, count: numeric.count), maxEvaluations: 40, gradientTolerance: 1e-7)
            for start in starts {
                let result = optimiser.minimize(from: numeric.map { start[$0] }) { x, gradient in
                    var unit = start
                    for (slot, k) in numeric.enumerated() { unit[k] = x[slot] }
                    return -logEIWithGradient(unit, gradient: &gradient)
                }
                var unit = start
                for (slot, k) in numeric.enumerated() { unit[k] = result.x[slot] }
                let snapped = space.snapped(unit)
                results.append((snapped, logEI(snapped)))
            }
        }
        results.sort { $0.value > $1.value }
        guard var chosen = results.first(where: { !taken.contains(space.configuration(unit: $0.unit)) })
            ?? scored.first(where: { !taken.contains(space.configuration(unit: $0.unit)) }) else {
            return scored.first?.unit ?? (0..<d).map { _ in random.unit() }
        }
        // Try every other value of each categorical.
        for k in categorical {
            guard case .categorical(_, let values) = space.ranges[k] else { continue }
            for v in 0..<values.count {
                var unit = chosen.unit
                unit[k] = (Double(v) + 0.5) / Double(values.count)
                if unit == chosen.unit { continue }
                let value = logEI(unit)
                if value > chosen.value && !taken.contains(space.configuration(unit: unit)) { chosen = (unit, value) }
            }
        }
        return chosen.unit
    }

    /// log EI at a unit point and its gradient with respect to the numeric coordinates.
    private func logEIWithGradient(_ unit: [Double], gradient: inout [Double]) -> Double {
        let prediction = process.predictWithGradient(space.features(unit))
        let sd = prediction.variance.squareRoot()
        let ei = ExpectedImprovement.log(mean: prediction.mean, sd: sd, best: best)
        for (slot, k) in numeric.enumerated() {
            let f = space.featureOffsets[k]
            let dSD = prediction.varianceGradient[f] / (2 * sd)
            gradient[slot] = -(ei.dMean * prediction.meanGradient[f] + ei.dSD * dSD)
        }
        return ei.value
    }
}
