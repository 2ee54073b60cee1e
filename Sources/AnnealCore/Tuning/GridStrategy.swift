/// Grid search over categorical and integer ranges: every combination once, in odometer order (the
/// first range varies slowest, values in the order given, integers ascending), skipping combinations
/// already observed or pending. Returns fewer than `count` once the grid is exhausted.
public struct GridStrategy: TuningStrategy {
    public let space: SearchSpace

    /// Fails with the range's name when a range is continuous.
    public init(space: SearchSpace) throws(TuningError) {
        try space.validate(strategy: "Grid")
        self.space = space
    }

    /// The number of combinations.
    public var size: Int { space.gridSize ?? 0 }

    /// Combination `index` of the grid (0 ..< size).
    public func combination(_ index: Int) -> Configuration {
        var remainder = index
        var configuration: Configuration = [:]
        for range in space.ranges.reversed() {
            switch range {
            case .integer(let name, let low, let high, _):
                let count = high - low + 1
                configuration[name] = String(low + remainder % count)
                remainder /= count
            case .categorical(let name, let values):
                configuration[name] = values[remainder % values.count]
                remainder /= values.count
            case .continuous: break
            }
        }
        return configuration
    }

    public func propose(count: Int, observations: [TuningObservation], pending: [Configuration], seed: UInt64) -> [Configuration] {
        let taken = Set((observations.map(\.configuration) + pending).compactMap { space.canonical($0) })
        var proposals: [Configuration] = []
        var index = 0
        while proposals.count < count, index < size {
            let configuration = combination(index)
            if !taken.contains(configuration) { proposals.append(configuration) }
            index += 1
        }
        return proposals
    }
}
