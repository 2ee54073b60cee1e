import Testing
@testable import AnnealCore

@Suite("Tuning: search space")
struct TuningSearchSpaceTests {
    @Test("continuous values are written as Python's repr writes them", arguments: [
        (1e-05, "1e-05"), (0.0001, "0.0001"), (0.1, "0.1"), (100.0, "100.0"), (1e16, "1e+16"),
        (1e15, "1000000000000000.0"), (123456789012345678.0, "1.2345678901234568e+17"), (9.1e15, "9100000000000000.0"),
        (0.1 + 0.2, "0.30000000000000004"), (-2.5e-7, "-2.5e-07"), (1.5e300, "1.5e+300"), (5e-324, "5e-324"),
        (1.0, "1.0"), (0.0, "0.0"), (-0.0, "-0.0"), (12345.678, "12345.678"), (1e22, "1e+22"),
        (0.00012345, "0.00012345"), (3e-5, "3e-05"), (2.5, "2.5"),
    ])
    func pythonRepr(value: Double, expected: String) {
        #expect(PythonFloatFormat.repr(value) == expected)
        #expect(Double(PythonFloatFormat.repr(value)) == value)
    }

    @Test("integers: each value owns an equal share of the unit interval under Linear scaling")
    func integerShares() throws {
        let space = try SearchSpace(ranges: [.integer(name: "depth", min: 1, max: 4, scaling: .linear)])
        #expect(space.configuration(unit: [0.0])["depth"] == "1")
        #expect(space.configuration(unit: [0.24])["depth"] == "1")
        #expect(space.configuration(unit: [0.26])["depth"] == "2")
        #expect(space.configuration(unit: [0.74])["depth"] == "3")
        #expect(space.configuration(unit: [1.0])["depth"] == "4")
        #expect(space.unitPoint(["depth": "3"]) == [0.625])
        #expect(space.unitPoint(["depth": "9"]) == [0.875])  // clamped into the range
    }

    @Test("scalings: Logarithmic, ReverseLogarithmic and Auto")
    func scalings() throws {
        let space = try SearchSpace(ranges: [
            .continuous(name: "lr", min: 1e-5, max: 1, scaling: .logarithmic),
            .continuous(name: "momentum", min: 0, max: 0.999, scaling: .reverseLogarithmic),
            .continuous(name: "auto_wide", min: 1e-4, max: 1e-1, scaling: .auto),
            .continuous(name: "auto_narrow", min: 0, max: 1, scaling: .auto),
            .integer(name: "trees", min: 1, max: 1000, scaling: .logarithmic),
        ])
        let middle = space.configuration(unit: [0.5, 0.5, 0.5, 0.5, 0.5])
        #expect(abs(Double(middle["lr"]!)! - 10.0.squareRoot() * 1e-3) < 1e-12)
        #expect(abs(Double(middle["momentum"]!)! - (1 - 0.001.squareRoot())) < 1e-12)
        #expect(abs(Double(middle["auto_wide"]!)! - 10.0.squareRoot() * 1e-3) < 1e-12)  // Auto: 3 orders of magnitude -> log
        #expect(middle["auto_narrow"] == "0.5")
        #expect(space.configuration(unit: [0, 0, 0, 0, 0])["trees"] == "1")
        #expect(space.configuration(unit: [1, 1, 1, 1, 1])["trees"] == "1000")
        // integers span [0.5, 1000.5] on the log scale: the middle is sqrt(0.5 * 1000.5) = 22.4
        #expect(middle["trees"] == "22")
    }

    @Test("a unit point survives configuration and back; values stay in their ranges")
    func roundTrip() throws {
        let space = try SearchSpace(ranges: [
            .continuous(name: "lr", min: 1e-5, max: 1, scaling: .logarithmic),
            .continuous(name: "momentum", min: 0.5, max: 0.999, scaling: .reverseLogarithmic),
            .continuous(name: "dropout", min: 0, max: 0.5, scaling: .linear),
            .integer(name: "depth", min: 2, max: 12, scaling: .auto),
            .categorical(name: "optimizer", values: ["\"adam\"", "sgd", "rms prop"]),
        ])
        var random = TuningRandom(seed: 7)
        for _ in 0..<500 {
            let unit = space.snapped((0..<5).map { _ in random.unit() })
            let configuration = space.configuration(unit: unit)
            let back = try #require(space.unitPoint(configuration))
            for k in 0..<5 { #expect(abs(back[k] - unit[k]) < 1e-9) }
            let again = space.configuration(unit: back)
            for name in ["depth", "optimizer"] { #expect(again[name] == configuration[name]) }
            for name in ["lr", "momentum", "dropout"] {
                #expect(abs(Double(again[name]!)! - Double(configuration[name]!)!) <= 1e-12 * max(1, abs(Double(configuration[name]!)!)))
            }
            let lr = try #require(Double(configuration["lr"]!))
            #expect(lr >= 1e-5 && lr <= 1)
            #expect(["\"adam\"", "sgd", "rms prop"].contains(configuration["optimizer"]!))
            #expect(Int(configuration["depth"]!) != nil)
        }
        #expect(space.unitPoint(["lr": "0.1", "momentum": "0.9", "dropout": "0.1", "depth": "3", "optimizer": "adamw"]) == nil)
        #expect(space.unitPoint(["lr": "0.1"]) == nil)
        #expect(space.features([0.5, 0.5, 0.5, 0.5, 0.9]) == [0.5, 0.5, 0.5, 0.5, 0, 0, 1])
    }

    @Test("bad ranges are refused with a message naming the range and field", arguments: [
        ([HyperParameterRange.continuous(name: "lr", min: 0.5, max: 0.1, scaling: .linear)],
         "ContinuousParameterRanges 'lr': MinValue (0.5) cannot be greater than MaxValue (0.1)."),
        ([.integer(name: "depth", min: 9, max: 3, scaling: .auto)], "IntegerParameterRanges 'depth': MinValue (9.0) cannot be greater than MaxValue (3.0)."),
        ([.continuous(name: "lr", min: 0, max: 1, scaling: .logarithmic)],
         "ContinuousParameterRanges 'lr': ScalingType Logarithmic needs a MinValue greater than 0."),
        ([.continuous(name: "beta", min: 0.5, max: 1, scaling: .reverseLogarithmic)],
         "ContinuousParameterRanges 'beta': ScalingType ReverseLogarithmic needs MinValue and MaxValue in [0, 1)."),
        ([.continuous(name: "beta", min: -0.1, max: 0.5, scaling: .reverseLogarithmic)],
         "ContinuousParameterRanges 'beta': ScalingType ReverseLogarithmic needs MinValue and MaxValue in [0, 1)."),
        ([.categorical(name: "kernel", values: (0..<31).map { "k\($0)" })],
         "CategoricalParameterRanges 'kernel': Values lists 31 values; at most 30 are allowed."),
        ([.categorical(name: "kernel", values: [])], "CategoricalParameterRanges 'kernel': Values must list at least one value."),
        ([], "ParameterRanges: at least one hyperparameter range is required."),
        ([.categorical(name: "a", values: ["x"]), .integer(name: "a", min: 1, max: 2, scaling: .linear)],
         "ParameterRanges: the hyperparameter 'a' appears in more than one range."),
    ])
    func validation(ranges: [HyperParameterRange], message: String) {
        #expect(throws: TuningError(message)) { try SearchSpace(ranges: ranges) }
    }

    @Test("Grid refuses a continuous range, naming it")
    func gridValidation() throws {
        let space = try SearchSpace(ranges: [.categorical(name: "k", values: ["a"]), .continuous(name: "lr", min: 0, max: 1, scaling: .linear)])
        #expect(throws: TuningError("ContinuousParameterRanges 'lr': the Grid strategy takes only categorical and integer ranges.")) {
            try space.validate(strategy: "Grid")
        }
        #expect(throws: Never.self) { try space.validate(strategy: "Bayesian") }
        #expect(space.gridSize == nil)
    }
}
