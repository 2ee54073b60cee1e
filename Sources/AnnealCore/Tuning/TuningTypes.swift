/// The vocabulary shared by the tuning strategies (pure, in this directory) and the tuner that runs
/// them (the runtime). Values travel as the strings SageMaker passes to training jobs: a continuous
/// value as Python's `repr` of the float, an integer in decimal, a categorical value verbatim.

/// How a numeric range maps to the search space (`ScalingType` of the SageMaker API).
public enum ScalingType: String, Codable, Sendable, CaseIterable {
    case auto = "Auto"
    case linear = "Linear"
    case logarithmic = "Logarithmic"
    case reverseLogarithmic = "ReverseLogarithmic"
}

/// One tuned hyperparameter (`ParameterRanges` of the SageMaker API).
public enum HyperParameterRange: Codable, Sendable, Equatable {
    case continuous(name: String, min: Double, max: Double, scaling: ScalingType)
    case integer(name: String, min: Int, max: Int, scaling: ScalingType)
    case categorical(name: String, values: [String])

    public var name: String {
        switch self {
        case .continuous(let name, _, _, _), .integer(let name, _, _, _), .categorical(let name, _): name
        }
    }
}

/// A configuration: a value for every tuned hyperparameter, by name.
public typealias Configuration = [String: String]

/// A finished trial as the strategies see it: its configuration and its objective, oriented so
/// that lower is better (the tuner negates a Maximize objective).
public struct TuningObservation: Codable, Sendable, Equatable {
    public var configuration: Configuration
    public var loss: Double

    public init(configuration: Configuration, loss: Double) {
        self.configuration = configuration
        self.loss = loss
    }
}

/// Proposes the next configurations from the history so far. Deterministic: the same inputs and seed
/// give the same proposals, so a tuner that restarts proposes what it would have proposed.
public protocol TuningStrategy: Sendable {
    /// Up to `count` new configurations (fewer once a finite space is exhausted, never a duplicate of
    /// a pending one for Grid). `pending` are configurations still running, whose results are unknown.
    func propose(count: Int, observations: [TuningObservation], pending: [Configuration], seed: UInt64) -> [Configuration]
}

/// Decides whether a running trial should stop early, from objective series in emission order
/// (oriented so lower is better).
public protocol EarlyStoppingRule: Sendable {
    func shouldStop(series: [Double], others: [[Double]]) -> Bool
}
