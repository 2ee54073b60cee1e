import Foundation

/// Fits the kernel's hyperparameters by maximising the log marginal likelihood plus weak priors
/// (a MAP estimate), with analytic gradients and multi-start bounded L-BFGS on the log parameters.
///
/// Priors, on inputs in [0, 1] and standardised targets: length scales log-normal with median
/// `e^sqrt2 * sqrt(d)` and log-sd sqrt3 (Hvarfner et al., "Vanilla Bayesian optimization performs
/// great in high dimensions", 2024: wide, and growing with the dimension so that many inputs do not
/// make the model wiggly); signal variance log-normal around 1; noise variance log-normal around
/// 1e-4 with a log-sd of 3, so noiseless objectives fit almost exactly and noisy ones are allowed.
/// The priors only matter with few observations, where maximum likelihood alone overfits.
enum GaussianProcessFit {
    struct Prior {
        var lengthMean: Double
        var lengthSD = 3.0.squareRoot()
        var signalMean = 0.0
        var signalSD = 1.5
        var noiseMean = log(1e-4)
        var noiseSD = 3.0

        init(dimension: Int) { lengthMean = 2.0.squareRoot() + 0.5 * log(Double(dimension)) }
    }

    static let lowerLogLength = log(0.01), upperLogLength = log(1e3)
    static let lowerLogSignal = log(0.05), upperLogSignal = log(20.0)
    static let lowerLogNoise = log(1e-8), upperLogNoise = log(2.0)

    /// The best hyperparameters found from a few starts. With many observations the fit uses a
    /// deterministic subset (the best third and an even spread of the rest), since its cost grows
    /// as n^3 per evaluation and the length scales are well determined by a few dozen well-placed points.
    static func fit(inputs: [[Double]], targets: [Double], maxFitPoints: Int = 64, starts: Int? = nil) -> KernelHyperparameters {
        let d = inputs.first?.count ?? 0
        var x = inputs, y = targets
        if inputs.count > maxFitPoints {
            let order = targets.indices.sorted { (targets[$0], $0) < (targets[$1], $1) }
            let bestCount = maxFitPoints / 3
            var chosen = Array(order.prefix(bestCount))
            let rest = Array(order.dropFirst(bestCount))
            let spread = maxFitPoints - bestCount
            for k in 0..<spread { chosen.append(rest[k * rest.count / spread]) }
            chosen.sort()
            x = chosen.map { inputs[$0] }
            y = chosen.map { targets[$0] }
        }
        let prior = Prior(dimension: d)
        let optimiser = BoundedLBFGS(
            lower: [Double](repeating: lowerLogLength, count: d) + [lowerLogSignal, lowerLogNoise],
            upper: [Double](repeating: upperLogLength, count: d) + [upperLogSignal, upperLogNoise],
            maxEvaluations: 80, gradientTolerance: 1e-5)
        // Screen the starts by their value alone (one factorisation each), then optimise from the
        // best `starts` of them: at a hundred points one optimisation costs what twenty screens do.
        let lengthStarts = [log(0.3) + 0.5 * log(Double(max(d, 1))), prior.lengthMean, log(0.1), log(0.5)]
        var screened: [(start: [Double], value: Double)] = []
        var scratch = [Double](repeating: 0, count: d + 2)
        for length in lengthStarts {
            for noise in [log(1e-3), log(0.1)] {
                let start = [Double](repeating: length, count: d) + [0, noise]
                let value = negativeLogPosterior(start, inputs: x, targets: y, prior: prior, gradient: &scratch, withGradient: false)
                if value.isFinite { screened.append((start, value)) }
            }
        }
        screened.sort { $0.value < $1.value }
        // With few points the likelihood is multimodal and an optimisation is cheap: optimise from
        // three fixed starts (short, prior-median and long-ish length scales) as well.
        var candidates = Array(screened.prefix(starts ?? 1))
        if starts == nil && x.count <= 60 {
            for length in lengthStarts.prefix(3) { candidates.append(([Double](repeating: length, count: d) + [0, log(1e-3)], 0)) }
        }
        var best: (x: [Double], value: Double)?
        for candidate in candidates {
            let result = optimiser.minimize(from: candidate.start) { theta, gradient in
                negativeLogPosterior(theta, inputs: x, targets: y, prior: prior, gradient: &gradient)
            }
            if result.value.isFinite, best == nil || result.value < best!.value { best = result }
        }
        let vector = best?.x ?? ([Double](repeating: prior.lengthMean, count: d) + [0, log(1e-2)])
        return KernelHyperparameters(vector: vector)
    }

    /// `-log p(y | theta) - log p(theta)` and its gradient with respect to the log parameters.
    static func negativeLogPosterior(_ theta: [Double], inputs: [[Double]], targets: [Double], prior: Prior,
                                     gradient: inout [Double], withGradient: Bool = true) -> Double {
        let n = inputs.count, d = theta.count - 2
        let inverseLength = (0..<d).map { exp(-theta[$0]) }
        let signal = exp(theta[d]), noise = exp(theta[d + 1])
        var scaled = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for k in 0..<d { scaled[i * d + k] = inputs[i][k] * inverseLength[k] } }
        var kernel = [Double](repeating: 0, count: n * n)
        // dk/dr factor for the length-scale gradients: s2 * 5/3 * (1 + sqrt5 r) exp(-sqrt5 r)
        var factor = [Double](repeating: 0, count: n * n)
        let sqrt5 = GaussianProcess.sqrt5
        for i in 0..<n {
            for j in 0..<i {
                let r = GaussianProcess.distance(scaled, i, scaled, j, d)
                let e = exp(-sqrt5 * r)
                let value = signal * (1 + sqrt5 * r + 5 * r * r / 3) * e
                kernel[i * n + j] = value
                kernel[j * n + i] = value
                factor[i * n + j] = signal * 5 / 3 * (1 + sqrt5 * r) * e
            }
            kernel[i * n + i] = signal + noise
        }
        guard let (lower, _) = CholeskyFactor.factor(kernel, n: n) else {
            for k in gradient.indices { gradient[k] = 0 }
            return .infinity
        }
        let alpha = CholeskyFactor.solve(lower: lower, n: n, targets)
        var value = 0.0
        for i in 0..<n { value += 0.5 * targets[i] * alpha[i] + log(lower[i * n + i]) }
        value += 0.5 * Double(n) * log(2 * Double.pi)
        if !withGradient {
            for k in 0..<d { value += 0.5 * pow((theta[k] - prior.lengthMean) / prior.lengthSD, 2) }
            value += 0.5 * pow((theta[d] - prior.signalMean) / prior.signalSD, 2)
            value += 0.5 * pow((theta[d + 1] - prior.noiseMean) / prior.noiseSD, 2)
            return value
        }
        // d(-log p)/d theta = 0.5 tr((K^-1 - alpha alpha^T) dK/dtheta)
        var w = CholeskyFactor.inverse(lower: lower, n: n)
        for i in 0..<n { for j in 0..<n { w[i * n + j] -= alpha[i] * alpha[j] } }
        for k in gradient.indices { gradient[k] = 0 }
        var signalGradient = 0.0, noiseGradient = 0.0
        for i in 0..<n {
            for j in 0..<i {
                let wij = w[i * n + j]
                signalGradient += wij * (kernel[i * n + j])
                let c = wij * factor[i * n + j]
                for k in 0..<d {
                    let t = scaled[i * d + k] - scaled[j * d + k]
                    gradient[k] += c * t * t
                }
            }
            signalGradient += 0.5 * w[i * n + i] * signal
            noiseGradient += 0.5 * w[i * n + i] * noise
        }
        gradient[d] = signalGradient
        gradient[d + 1] = noiseGradient
        // Log-normal priors on the (log) parameters.
        func addPrior(_ index: Int, mean: Double, sd: Double) {
            let z = (theta[index] - mean) / sd
            value += 0.5 * z * z
            gradient[index] += z / sd
        }
        for k in 0..<d { addPrior(k, mean: prior.lengthMean, sd: prior.lengthSD) }
        addPrior(d, mean: prior.signalMean, sd: prior.signalSD)
        addPrior(d + 1, mean: prior.noiseMean, sd: prior.noiseSD)
        return value
    }
}
