import AnnealCore
import Dispatch
import Foundation
import Synchronization

/// `anneal tuning-bench` (hidden; driven by bench/hpo): runs whole optimisation loops of the tuning
/// strategies on closed-form test functions, in process, and prints best-so-far curves and proposal
/// times as JSON, so the Python driver can set them beside Optuna's samplers.
enum TuningBenchCommand {
    static let usage = """
        usage: anneal tuning-bench --function branin|hartmann3|hartmann6|rosenbrock4 --strategy random|bayesian
                                   [--trials 200] [--seeds 20] [--first-seed 0] [--parallel 1] [--jobs 1]
                                   [--initial N] [--candidates N] [--transform shiftedLog|none]
               anneal tuning-bench --factor-at 500   (seconds to build and factor the GP at that many points)
               anneal tuning-bench --function F --propose-at 200   (seconds per Bayesian proposal after that many
                                                                   random observations: 7 single proposals, one batch of 8)
        """

    static func main(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do {
            parsed = try Arguments(arguments, flags: ["help"], options: [
                "function", "strategy", "trials", "seeds", "first-seed", "parallel", "jobs", "initial", "candidates",
                "transform", "factor-at", "propose-at"])
        } catch {
            printError("anneal tuning-bench: \(error)\n\(usage)")
            return ExitCode.usage
        }
        if parsed.flags.contains("help") { print(usage); return ExitCode.success }
        if let size = parsed.options["factor-at"].flatMap(Int.init) { return factorTiming(size) }
        if let size = parsed.options["propose-at"].flatMap(Int.init), let function = BenchFunction(rawValue: parsed.options["function"] ?? "") {
            return proposalTiming(function, observations: size)
        }
        guard let function = BenchFunction(rawValue: parsed.options["function"] ?? ""),
              let strategyName = parsed.options["strategy"], ["random", "bayesian"].contains(strategyName) else {
            printError("anneal tuning-bench: --function and --strategy are required\n\(usage)")
            return ExitCode.usage
        }
        let trials = parsed.options["trials"].flatMap(Int.init) ?? 200
        let seeds = parsed.options["seeds"].flatMap(Int.init) ?? 20
        let firstSeed = parsed.options["first-seed"].flatMap(Int.init) ?? 0
        let parallel = max(1, parsed.options["parallel"].flatMap(Int.init) ?? 1)
        let jobs = max(1, parsed.options["jobs"].flatMap(Int.init) ?? 1)
        let space: SearchSpace
        do { space = try SearchSpace(ranges: function.ranges) } catch {
            printError("anneal tuning-bench: \(error)")
            return ExitCode.failure
        }
        let strategy: any TuningStrategy
        if strategyName == "random" {
            strategy = RandomStrategy(space: space)
        } else {
            var bayesian = BayesianStrategy(space: space)
            if let n = parsed.options["initial"].flatMap(Int.init) { bayesian.initialDesignSize = n }
            if let n = parsed.options["candidates"].flatMap(Int.init) { bayesian.candidateCount = n }
            if let t = parsed.options["transform"].flatMap(BayesianStrategy.OutputTransform.init(rawValue:)) { bayesian.outputTransform = t }
            strategy = bayesian
        }
        let results = Mutex<[Int: Run]>([:])
        DispatchQueue.concurrentPerform(iterations: jobs) { worker in
            for seed in stride(from: firstSeed + worker, to: firstSeed + seeds, by: jobs) {
                let run = optimise(function, strategy: strategy, trials: trials, parallel: parallel, seed: UInt64(seed))
                results.withLock { $0[seed] = run }
            }
        }
        let runs = results.withLock { $0 }.sorted { $0.key < $1.key }
        let output: [String: Any] = [
            "function": function.rawValue, "strategy": strategyName, "parallel": parallel, "trials": trials,
            "seeds": runs.map(\.key),
            "curves": runs.map(\.value.curve),
            "proposals": runs.map { $0.value.timings.map { [Double($0.observations), $0.seconds, $0.cpuSeconds] } },
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: output), let text = String(data: data, encoding: .utf8) else {
            return ExitCode.failure
        }
        print(text)
        return ExitCode.success
    }

    struct Run: Sendable {
        var curve: [Double]
        /// Per proposal: wall seconds, and the CPU seconds of the proposing thread (what it costs
        /// on an idle core, whatever else the machine is doing).
        var timings: [(observations: Int, seconds: Double, cpuSeconds: Double)]
    }

    /// One optimisation: propose `parallel` at a time (the later ones with the earlier as pending),
    /// evaluate, repeat; best value so far after each trial.
    static func optimise(_ function: BenchFunction, strategy: any TuningStrategy, trials: Int, parallel: Int, seed: UInt64) -> Run {
        var observations: [TuningObservation] = []
        var curve: [Double] = []
        var timings: [(Int, Double, Double)] = []
        var best = Double.infinity
        while observations.count < trials {
            let batch = min(parallel, trials - observations.count)
            let started = DispatchTime.now().uptimeNanoseconds
            let cpuStarted = threadCPUSeconds()
            let proposals = strategy.propose(count: batch, observations: observations, pending: [], seed: seed)
            let cpu = threadCPUSeconds() - cpuStarted
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let share = Double(max(proposals.count, 1))
            timings.append((observations.count, seconds / share, cpu / share))
            guard !proposals.isEmpty else { break }
            for configuration in proposals {
                let x = function.ranges.map { Double(configuration[$0.name] ?? "") ?? .nan }
                let value = function.evaluate(x)
                observations.append(TuningObservation(configuration: configuration, loss: value))
                best = min(best, value)
                curve.append(best)
            }
        }
        return Run(curve: curve, timings: timings)
    }

    /// Seconds per Bayesian proposal with `observations` random observations of `function`.
    static func proposalTiming(_ function: BenchFunction, observations size: Int) -> Int32 {
        guard let space = try? SearchSpace(ranges: function.ranges) else { return ExitCode.failure }
        let observations = RandomStrategy(space: space).propose(count: size, observations: [], pending: [], seed: 1).map { configuration in
            TuningObservation(configuration: configuration,
                              loss: function.evaluate(function.ranges.map { Double(configuration[$0.name] ?? "") ?? .nan }))
        }
        let strategy = BayesianStrategy(space: space)
        var singles: [Double] = [], cpus: [Double] = []
        for seed in 0..<7 {
            let started = DispatchTime.now().uptimeNanoseconds
            let cpuStarted = threadCPUSeconds()
            _ = strategy.propose(count: 1, observations: observations, pending: [], seed: UInt64(seed))
            cpus.append(threadCPUSeconds() - cpuStarted)
            singles.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        let cpuStarted = threadCPUSeconds()
        _ = strategy.propose(count: 8, observations: observations, pending: [], seed: 7)
        let batch = threadCPUSeconds() - cpuStarted
        singles.sort()
        cpus.sort()
        print("{\"observations\": \(size), \"wall_median\": \(singles[3]), \"wall_max\": \(singles[6]), "
            + "\"cpu_median\": \(cpus[3]), \"cpu_max\": \(cpus[6]), \"cpu_batch_of_8\": \(batch)}")
        return ExitCode.success
    }

    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// CPU seconds to build the kernel matrix, factor and invert it for `size` random points in 6-D.
    static func factorTiming(_ size: Int) -> Int32 {
        var random = TuningRandom(seed: 1)
        let inputs = (0..<size).map { _ in (0..<6).map { _ in random.unit() } }
        let targets = inputs.map { BenchFunction.hartmann6.evaluate($0) }
        let hyperparameters = KernelHyperparameters(logLengthScales: [Double](repeating: log(0.5), count: 6),
                                                    logSignalVariance: 0, logNoiseVariance: log(1e-6))
        var times: [Double] = []
        for _ in 0..<5 {
            let started = threadCPUSeconds()
            _ = GaussianProcess(inputs: inputs, targets: targets, hyperparameters: hyperparameters)
            times.append(threadCPUSeconds() - started)
        }
        print("{\"size\": \(size), \"seconds\": \(times.sorted()[2])}")
        return ExitCode.success
    }
}

/// The closed-form test functions of reference/hpo.md, minimised over their usual domains.
enum BenchFunction: String, CaseIterable {
    case branin, hartmann3, hartmann6, rosenbrock4

    var ranges: [HyperParameterRange] {
        switch self {
        case .branin: [.continuous(name: "x1", min: -5, max: 10, scaling: .linear), .continuous(name: "x2", min: 0, max: 15, scaling: .linear)]
        case .hartmann3: (1...3).map { .continuous(name: "x\($0)", min: 0, max: 1, scaling: .linear) }
        case .hartmann6: (1...6).map { .continuous(name: "x\($0)", min: 0, max: 1, scaling: .linear) }
        case .rosenbrock4: (1...4).map { .continuous(name: "x\($0)", min: -5, max: 10, scaling: .linear) }
        }
    }

    func evaluate(_ x: [Double]) -> Double {
        switch self {
        case .branin:
            let b = 5.1 / (4 * Double.pi * Double.pi), c = 5 / Double.pi, t = 1 / (8 * Double.pi)
            let u = x[1] - b * x[0] * x[0] + c * x[0] - 6
            return u * u + 10 * (1 - t) * cos(x[0]) + 10
        case .hartmann3:
            return Self.hartmann(x, a: [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]],
                                 p: [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
        case .hartmann6:
            return Self.hartmann(x, a: [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]],
                                 p: [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                                     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
        case .rosenbrock4:
            var sum = 0.0
            for i in 0..<3 { sum += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(1 - x[i], 2) }
            return sum
        }
    }

    private static func hartmann(_ x: [Double], a: [[Double]], p: [[Double]]) -> Double {
        let alpha = [1.0, 1.2, 3.0, 3.2]
        var sum = 0.0
        for i in 0..<4 {
            var inner = 0.0
            for j in 0..<x.count { inner += a[i][j] * pow(x[j] - p[i][j] * 1e-4, 2) }
            sum -= alpha[i] * exp(-inner)
        }
        return sum
    }
}
