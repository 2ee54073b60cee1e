/// Random search: each trial samples every range uniformly on its scaled coordinate (so a Logarithmic
/// range is sampled log-uniformly). Trial `k` of a job (k = observations + pending + position in this
/// call) draws from its own stream of the seed, so a restarted tuner proposes exactly what it would
/// have, whatever the order in which trials finished.
public struct RandomStrategy: TuningStrategy {
    public let space: SearchSpace

    public init(space: SearchSpace) { self.space = space }

    public func propose(count: Int, observations: [TuningObservation], pending: [Configuration], seed: UInt64) -> [Configuration] {
        guard count > 0 else { return [] }
        let first = observations.count + pending.count
        // In a finite space, avoid repeating a configuration while unseen ones remain likely.
        let finite = space.gridSize
        var seen = finite == nil ? [] : Set((observations.map(\.configuration) + pending).compactMap { space.canonical($0) })
        var proposals: [Configuration] = []
        for position in 0..<count {
            var random = TuningRandom(seed: seed, stream: 1, index: UInt64(first + position))
            var configuration = space.configuration(unit: (0..<space.dimension).map { _ in random.unit() })
            if let finite, seen.count < finite {
                var attempts = 0
                while seen.contains(configuration), attempts < 64 {
                    configuration = space.configuration(unit: (0..<space.dimension).map { _ in random.unit() })
                    attempts += 1
                }
            }
            if finite != nil { seen.insert(configuration) }
            proposals.append(configuration)
        }
        return proposals
    }
}
