/// Which strategy and early-stopping rule a tuning job gets.
public enum TuningStrategies {
    /// The strategy for one definition's ranges. Hyperband samples new configurations at random
    /// (its strength is stopping the poor ones early).
    public static func make(_ strategy: TuningJobSpec.Strategy, ranges: [HyperParameterRange]) -> any TuningStrategy {
        guard let space = try? SearchSpace(ranges: ranges) else { return NoStrategy() }
        switch strategy {
        case .grid: return (try? GridStrategy(space: space)) ?? NoStrategy()
        case .random, .hyperband: return RandomStrategy(space: space)
        case .bayesian: return BayesianStrategy(space: space)
        }
    }

    /// The median stopping rule for `TrainingJobEarlyStoppingType` Auto; Hyperband's own rule.
    public static func stoppingRule(_ spec: TuningJobSpec) -> (any EarlyStoppingRule)? {
        if spec.strategy == .hyperband, let maximum = hyperbandMaxResource(spec) {
            return HyperbandRule(minResource: max(1, spec.hyperbandMinResource ?? 1), maxResource: maximum)
        }
        return spec.earlyStopping ? MedianStoppingRule() : nil
    }

    /// `MaxResource`, or as SageMaker infers it: the static hyperparameter epochs, numepochs,
    /// n-epochs, n_epochs or num_epochs of the (first) definition.
    public static func hyperbandMaxResource(_ spec: TuningJobSpec) -> Int? {
        if let maximum = spec.hyperbandMaxResource { return maximum }
        let statics = spec.definitions.first?.request["StaticHyperParameters"]?.object ?? [:]
        for key in ["epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs"] {
            if let text = statics[key]?.string, let value = Int(String(text.filter { $0 != "\"" && $0 != " " })), value > 0 {
                return value
            }
        }
        return nil
    }

    /// For a space that cannot be searched (validation refuses those before a job exists).
    struct NoStrategy: TuningStrategy {
        func propose(count: Int, observations: [TuningObservation], pending: [Configuration], seed: UInt64) -> [Configuration] { [] }
    }
}
