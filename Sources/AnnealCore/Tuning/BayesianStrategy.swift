import Foundation

/// Bayesian optimisation with a Gaussian-process surrogate (SageMaker's default strategy).
///
/// - The first `initialDesignSize` trials of a job come from a maximin Latin hypercube drawn from the
///   seed, so they cover every range evenly before there is anything to model.
/// - Then a GP (Matern 5/2, ARD, fitted by `GaussianProcessFit`) models the losses on the search
///   space's unit coordinates, where each range's scaling already warps the input, categoricals
///   one-hot. When the losses are strongly right-skewed (sample skewness above 1: a few trials far
///   worse than the rest, as with diverging training runs), they are first transformed by
///   `log(loss - min + (median - min))`, which is monotone (the minimiser does not change),
///   tames the tail and gives the model resolution near the best values; then standardised.
///   On the benchmark the transform is what makes Rosenbrock tractable, and it costs Hartmann-6
///   (left-skewed) a lot, hence the rule.
/// - The next point maximises log expected improvement (`ExpectedImprovement`): a thousand random
///   candidates, half uniform and half around the best trials, the best few polished by bounded
///   L-BFGS on the numeric coordinates, integers and categoricals snapped, then a pass over every
///   alternative value of each categorical.
/// - Pending trials and the earlier proposals of the same call enter the model as fantasies at their
///   posterior mean (kriging believer), which leaves the mean unchanged and removes the variance
///   there, so parallel proposals spread out instead of collapsing onto one point.
///
/// Deterministic: proposal `k` of a job (k = observations + pending + position) uses its own stream
/// of the seed.
public struct BayesianStrategy: TuningStrategy {
    public enum OutputTransform: String, Sendable { case none, shiftedLog, automatic }

    public let space: SearchSpace
    public var initialDesignSize: Int
    public var candidateCount = 1024
    public var localSearchStarts = 5
    public var outputTransform = OutputTransform.automatic

    public init(space: SearchSpace) {
        self.space = space
        initialDesignSize = max(5, space.dimension + 1)
    }

    public func propose(count: Int, observations: [TuningObservation], pending: [Configuration], seed: UInt64) -> [Configuration] {
        guard count > 0 else { return [] }
        var observed: [(unit: [Double], loss: Double)] = []
        for observation in observations where observation.loss.isFinite {
            if let unit = space.unitPoint(observation.configuration) { observed.append((unit, observation.loss)) }
        }
        let pendingUnits = pending.compactMap { space.unitPoint($0) }
        var taken = Set((observations.map(\.configuration) + pending).compactMap { space.canonical($0) })
        let first = observations.count + pending.count
        var proposals: [Configuration] = []
        var model: AcquisitionSearch?
        var modelFailed = false
        for position in 0..<count {
            let trial = first + position
            if model == nil && !modelFailed && trial >= initialDesignSize && observed.count >= 2 {
                model = AcquisitionSearch(space: space, observed: observed, outputTransform: outputTransform,
                                          fantasies: pendingUnits + proposals.compactMap { space.unitPoint($0) })
                modelFailed = model == nil
            }
            // The design, or random points while there is nothing to model (or the model cannot be
            // factored, which only non-finite or degenerate losses can cause).
            if trial < initialDesignSize || model == nil {
                var random = TuningRandom(seed: seed, stream: 4, index: UInt64(trial))
                var unit = trial < initialDesignSize ? designPoint(trial, seed: seed) : (0..<space.dimension).map { _ in random.unit() }
                var configuration = space.configuration(unit: unit)
                var attempts = 0
                while taken.contains(configuration), attempts < 64, (space.gridSize ?? .max) > taken.count {
                    unit = (0..<space.dimension).map { _ in random.unit() }
                    configuration = space.configuration(unit: unit)
                    attempts += 1
                }
                model?.addFantasy(space.snapped(unit))
                taken.insert(configuration)
                proposals.append(configuration)
                continue
            }
            guard var search = model else { continue }
            var random = TuningRandom(seed: seed, stream: 3, index: UInt64(trial))
            let unit = search.maximise(candidates: candidateCount, localStarts: localSearchStarts, taken: taken, random: &random)
            let configuration = space.configuration(unit: unit)
            search.addFantasy(space.snapped(unit))
            model = search
            taken.insert(configuration)
            proposals.append(configuration)
        }
        return proposals
    }

    /// Point `index` of the initial design: the most spread-out (maximin) of 16 Latin hypercubes.
    func designPoint(_ index: Int, seed: UInt64) -> [Double] {
        let n = initialDesignSize, d = space.dimension
        var random = TuningRandom(seed: seed, stream: 2, index: 0)
        var best: [[Double]] = []
        var bestDistance = -1.0
        for _ in 0..<16 {
            var design = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
            for k in 0..<d {
                var strata = Array(0..<n)
                for i in stride(from: n - 1, to: 0, by: -1) { strata.swapAt(i, random.index(below: i + 1)) }
                for i in 0..<n { design[i][k] = (Double(strata[i]) + random.unit()) / Double(n) }
            }
            var closest = Double.infinity
            for i in 0..<n {
                for j in 0..<i {
                    var s = 0.0
                    for k in 0..<d { s += (design[i][k] - design[j][k]) * (design[i][k] - design[j][k]) }
                    closest = min(closest, s)
                }
            }
            if closest > bestDistance { bestDistance = closest; best = design }
        }
        return best[index]
    }
}
