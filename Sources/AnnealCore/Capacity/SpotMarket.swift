import Foundation

/// When the spot market takes instances back. Two models, which may be combined:
/// - a rate: each running spot instance is interrupted with the probability a Poisson process of
///   `ratePerHour` interruptions per instance-hour gives over each tick (seeded, so runs replay);
/// - a trace: the Nth spot instance launched (counting from 1, since the server started) is
///   interrupted `afterSeconds` after its launch. A trace replays exactly, so tests use it.
public struct SpotMarket: Sendable {
    /// One line of a trace file (a JSON array of these).
    public struct Interruption: Codable, Sendable, Equatable {
        public var instance: Int
        public var afterSeconds: Double

        public init(instance: Int, afterSeconds: Double) {
            self.instance = instance
            self.afterSeconds = afterSeconds
        }
    }

    public var ratePerHour: Double
    public private(set) var trace: [Interruption]
    private var random: SplitMix64
    private var running: [String: (ordinal: Int, launchedAt: Double)] = [:]
    public private(set) var launches = 0

    public init(ratePerHour: Double = 0, trace: [Interruption] = [], seed: UInt64 = 1) {
        self.ratePerHour = max(0, ratePerHour)
        self.trace = trace
        self.random = SplitMix64(seed: seed)
    }

    public mutating func launched(_ id: String, at time: Double) {
        launches += 1
        running[id] = (launches, time)
    }

    public mutating func released(_ id: String) {
        running[id] = nil
    }

    /// The instances to take back now, `elapsed` seconds after the last call. Each is returned once.
    public mutating func due(at time: Double, elapsed: Double) -> [String] {
        var taken: [String] = []
        let probability = ratePerHour > 0 ? 1 - exp(-ratePerHour * max(0, elapsed) / 3600) : 0
        for (id, entry) in running.sorted(by: { $0.value.ordinal < $1.value.ordinal }) {
            let traced = trace.contains { $0.instance == entry.ordinal && time - entry.launchedAt >= $0.afterSeconds }
            if traced || (probability > 0 && random.nextUnit() < probability) {
                taken.append(id)
                running[id] = nil
            }
        }
        return taken
    }
}

/// A small seeded generator (SplitMix64): the same seed gives the same interruptions.
public struct SplitMix64: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
