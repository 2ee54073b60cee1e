import Foundation

/// The hyperparameter ranges of a tuning job as a unit hypercube, one coordinate per range, so the
/// strategies can sample, model and search without knowing about scalings and value strings.
///
/// - Continuous ranges map through their scaling: Linear, Logarithmic (`log x`, needs min > 0) or
///   ReverseLogarithmic (`-log(1 - x)`, SageMaker's scale for values in [0, 1) that crowd towards 1,
///   such as momentum). `Auto` is Logarithmic when min > 0 and max / min >= 100 (the range spans at
///   least two orders of magnitude, as learning rates and regularisation strengths do), else Linear.
/// - Integer ranges are the continuous interval [min - 0.5, max + 0.5] under the same scaling,
///   rounded to the nearest integer, so under Linear scaling each value owns an equal share of [0, 1].
/// - Categorical ranges: value `i` of `m` owns [i/m, (i+1)/m). The Gaussian process sees categoricals
///   one-hot instead (`features`), because an ordering of the values would be arbitrary.
public struct SearchSpace: Sendable, Equatable {
    /// How one range is laid on its coordinate.
    enum Warp: Sendable, Equatable {
        case linear, logarithmic, reverseLogarithmic
    }

    public let ranges: [HyperParameterRange]
    let warps: [Warp]
    /// Where range `i`'s features start, and how many (1, or the number of categories).
    let featureOffsets: [Int]
    /// The number of Gaussian-process input features (numeric ranges count one, categoricals one per value).
    public let featureCount: Int

    /// Validates the ranges (the message names the range and its field) and builds the space.
    public init(ranges: [HyperParameterRange]) throws(TuningError) {
        guard !ranges.isEmpty else { throw TuningError("ParameterRanges: at least one hyperparameter range is required.") }
        var names = Set<String>()
        var warps: [Warp] = []
        var offsets: [Int] = []
        var features = 0
        for range in ranges {
            guard !range.name.isEmpty else { throw TuningError("ParameterRanges: every range needs a Name.") }
            guard names.insert(range.name).inserted else {
                throw TuningError("ParameterRanges: the hyperparameter '\(range.name)' appears in more than one range.")
            }
            offsets.append(features)
            switch range {
            case .continuous(let name, let low, let high, let scaling):
                let field = "ContinuousParameterRanges '\(name)'"
                guard low.isFinite, high.isFinite else { throw TuningError("\(field): MinValue and MaxValue must be finite numbers.") }
                warps.append(try Self.warp(field: field, low: low, high: high, scaling: scaling))
                features += 1
            case .integer(let name, let low, let high, let scaling):
                let field = "IntegerParameterRanges '\(name)'"
                if scaling == .reverseLogarithmic {
                    throw TuningError("\(field): ScalingType ReverseLogarithmic is only valid for continuous ranges.")
                }
                warps.append(try Self.warp(field: field, low: Double(low), high: Double(high), scaling: scaling))
                features += 1
            case .categorical(let name, let values):
                let field = "CategoricalParameterRanges '\(name)'"
                guard !values.isEmpty else { throw TuningError("\(field): Values must list at least one value.") }
                guard values.count <= 30 else { throw TuningError("\(field): Values lists \(values.count) values; at most 30 are allowed.") }
                guard Set(values).count == values.count else { throw TuningError("\(field): Values must not repeat a value.") }
                warps.append(.linear)
                features += values.count
            }
        }
        self.ranges = ranges
        self.warps = warps
        self.featureOffsets = offsets
        self.featureCount = features
    }

    private static func warp(field: String, low: Double, high: Double, scaling: ScalingType) throws(TuningError) -> Warp {
        guard low <= high else {
            throw TuningError("\(field): MinValue (\(PythonFloatFormat.repr(low))) cannot be greater than MaxValue (\(PythonFloatFormat.repr(high))).")
        }
        switch scaling {
        case .linear: return .linear
        case .logarithmic:
            guard low > 0 else { throw TuningError("\(field): ScalingType Logarithmic needs a MinValue greater than 0.") }
            return .logarithmic
        case .reverseLogarithmic:
            guard low >= 0, high < 1 else {
                throw TuningError("\(field): ScalingType ReverseLogarithmic needs MinValue and MaxValue in [0, 1).")
            }
            return .reverseLogarithmic
        case .auto:
            return low > 0 && high / low >= 100 ? .logarithmic : .linear
        }
    }

    /// Checks what a strategy adds to the ranges' own rules: Grid takes only categorical and integer
    /// ranges. `strategy` is the API's `Strategy` value (`Bayesian`, `Random`, `Hyperband`, `Grid`).
    public func validate(strategy: String) throws(TuningError) {
        guard strategy == "Grid" else { return }
        for case .continuous(let name, _, _, _) in ranges {
            throw TuningError("ContinuousParameterRanges '\(name)': the Grid strategy takes only categorical and integer ranges.")
        }
    }

    /// The number of distinct configurations, or nil when a range is continuous.
    public var gridSize: Int? {
        var total = 1
        for range in ranges {
            let (product, overflow): (Int, Bool)
            switch range {
            case .continuous: return nil
            case .integer(_, let low, let high, _): (product, overflow) = total.multipliedReportingOverflow(by: high - low + 1)
            case .categorical(_, let values): (product, overflow) = total.multipliedReportingOverflow(by: values.count)
            }
            if overflow { return Int.max }
            total = product
        }
        return total
    }

    public var dimension: Int { ranges.count }

    // MARK: - Unit coordinates <-> configurations

    /// The configuration at a point of the unit cube (one coordinate per range), with values written
    /// as SageMaker passes them.
    public func configuration(unit: [Double]) -> Configuration {
        var configuration: Configuration = [:]
        for (index, range) in ranges.enumerated() {
            let u = min(max(unit[index], 0), 1)
            switch range {
            case .continuous(let name, let low, let high, _):
                let value = min(max(fromUnit(u, low: low, high: high, warp: warps[index]), low), high)
                configuration[name] = PythonFloatFormat.repr(value)
            case .integer(let name, let low, let high, _):
                configuration[name] = String(integerValue(u, index: index, low: low, high: high))
            case .categorical(let name, let values):
                configuration[name] = values[categoryIndex(u, count: values.count)]
            }
        }
        return configuration
    }

    /// The unit coordinates of a configuration, or nil when it lacks a range's value or a value cannot
    /// be read (a categorical value not among the range's values). Numbers outside a range are clamped,
    /// so observations from a warm-start parent with wider ranges still inform the model.
    public func unitPoint(_ configuration: Configuration) -> [Double]? {
        var point: [Double] = []
        point.reserveCapacity(ranges.count)
        for (index, range) in ranges.enumerated() {
            guard let text = configuration[range.name] else { return nil }
            switch range {
            case .continuous(_, let low, let high, _):
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
                point.append(toUnit(min(max(value, low), high), low: low, high: high, warp: warps[index]))
            case .integer(_, let low, let high, _):
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else { return nil }
                let integer = min(max(Int(value.rounded()), low), high)
                point.append(integerCentre(integer, index: index, low: low, high: high))
            case .categorical(_, let values):
                guard let position = values.firstIndex(of: text) else { return nil }
                point.append((Double(position) + 0.5) / Double(values.count))
            }
        }
        return point
    }

    /// Moves each integer and categorical coordinate to the centre of the cell it falls in, so that
    /// points that decode to the same configuration are the same point to the model.
    public func snapped(_ unit: [Double]) -> [Double] {
        var point = unit
        for (index, range) in ranges.enumerated() {
            let u = min(max(unit[index], 0), 1)
            switch range {
            case .continuous: point[index] = u
            case .integer(_, let low, let high, _):
                point[index] = integerCentre(integerValue(u, index: index, low: low, high: high), index: index, low: low, high: high)
            case .categorical(_, let values):
                point[index] = (Double(categoryIndex(u, count: values.count)) + 0.5) / Double(values.count)
            }
        }
        return point
    }

    /// The Gaussian-process inputs of a unit point: numeric coordinates as they are, categoricals one-hot.
    public func features(_ unit: [Double]) -> [Double] {
        var features = [Double](repeating: 0, count: featureCount)
        for (index, range) in ranges.enumerated() {
            let offset = featureOffsets[index]
            if case .categorical(_, let values) = range {
                features[offset + categoryIndex(min(max(unit[index], 0), 1), count: values.count)] = 1
            } else {
                features[offset] = unit[index]
            }
        }
        return features
    }

    /// A canonical form of a configuration restricted to this space (integers re-printed, numbers
    /// re-formatted), for recognising the same configuration written two ways.
    public func canonical(_ configuration: Configuration) -> Configuration? {
        guard let unit = unitPoint(configuration) else { return nil }
        var result = self.configuration(unit: unit)
        for case .continuous(let name, _, _, _) in ranges {
            result[name] = configuration[name].flatMap { Double($0) }.map(PythonFloatFormat.repr)
        }
        return result
    }

    // MARK: - Scalings

    func categoryIndex(_ u: Double, count: Int) -> Int { min(Int(u * Double(count)), count - 1) }

    func integerValue(_ u: Double, index: Int, low: Int, high: Int) -> Int {
        let value = fromUnit(u, low: Double(low) - 0.5, high: Double(high) + 0.5, warp: warps[index])
        return min(max(Int(value.rounded()), low), high)
    }

    func integerCentre(_ value: Int, index: Int, low: Int, high: Int) -> Double {
        let a = toUnit(Double(value) - 0.5, low: Double(low) - 0.5, high: Double(high) + 0.5, warp: warps[index])
        let b = toUnit(Double(value) + 0.5, low: Double(low) - 0.5, high: Double(high) + 0.5, warp: warps[index])
        return (a + b) / 2
    }

    func toUnit(_ x: Double, low: Double, high: Double, warp: Warp) -> Double {
        guard high > low else { return 0.5 }
        let u: Double
        switch warp {
        case .linear: u = (x - low) / (high - low)
        case .logarithmic: u = (log(x) - log(low)) / (log(high) - log(low))
        case .reverseLogarithmic: u = (log1p(-low) - log1p(-x)) / (log1p(-low) - log1p(-high))
        }
        return min(max(u, 0), 1)
    }

    func fromUnit(_ u: Double, low: Double, high: Double, warp: Warp) -> Double {
        guard high > low else { return low }
        switch warp {
        case .linear: return low + u * (high - low)
        case .logarithmic: return exp(log(low) + u * (log(high) - log(low)))
        case .reverseLogarithmic: return -expm1(log1p(-low) + u * (log1p(-high) - log1p(-low)))
        }
    }
}
