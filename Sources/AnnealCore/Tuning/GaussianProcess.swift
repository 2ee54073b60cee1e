import Foundation

/// Hyperparameters of the Matern 5/2 ARD kernel with Gaussian noise, in log space.
public struct KernelHyperparameters: Sendable, Equatable {
    public var logLengthScales: [Double]
    public var logSignalVariance: Double
    public var logNoiseVariance: Double

    public init(logLengthScales: [Double], logSignalVariance: Double, logNoiseVariance: Double) {
        self.logLengthScales = logLengthScales
        self.logSignalVariance = logSignalVariance
        self.logNoiseVariance = logNoiseVariance
    }

    var vector: [Double] { logLengthScales + [logSignalVariance, logNoiseVariance] }

    init(vector: [Double]) {
        logLengthScales = Array(vector.dropLast(2))
        logSignalVariance = vector[vector.count - 2]
        logNoiseVariance = vector[vector.count - 1]
    }
}

/// A Gaussian-process regression posterior: zero prior mean (targets are standardised), Matern 5/2
/// kernel with one length scale per input (ARD), Gaussian noise. Keeps `K^{-1}` and `K^{-1} y`, so a
/// prediction costs O(n d + n^2) and a fantasised observation is added in O(n^2) (block inverse).
public struct GaussianProcess: Sendable {
    public let hyperparameters: KernelHyperparameters
    public private(set) var count: Int
    let dimension: Int
    /// Inputs divided by their length scales, row-major n x d.
    private(set) var scaledInputs: [Double]
    private(set) var targets: [Double]
    private(set) var inverse: [Double]
    private(set) var weights: [Double]
    let signalVariance: Double
    let noiseVariance: Double
    private let inverseLengthScales: [Double]

    static let sqrt5 = 5.0.squareRoot()

    /// Nil when the kernel matrix cannot be factored even with jitter.
    public init?(inputs: [[Double]], targets: [Double], hyperparameters: KernelHyperparameters) {
        let n = inputs.count
        let d = hyperparameters.logLengthScales.count
        self.hyperparameters = hyperparameters
        self.count = n
        self.dimension = d
        self.targets = targets
        inverseLengthScales = hyperparameters.logLengthScales.map { exp(-$0) }
        signalVariance = exp(hyperparameters.logSignalVariance)
        noiseVariance = exp(hyperparameters.logNoiseVariance)
        var scaled = [Double](repeating: 0, count: n * d)
        for i in 0..<n { for k in 0..<d { scaled[i * d + k] = inputs[i][k] * inverseLengthScales[k] } }
        scaledInputs = scaled
        var kernel = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                let value = Self.matern(Self.distance(scaled, i, scaled, j, d), signalVariance)
                kernel[i * n + j] = value
                kernel[j * n + i] = value
            }
            kernel[i * n + i] += noiseVariance
        }
        guard let (lower, _) = CholeskyFactor.factor(kernel, n: n) else { return nil }
        inverse = CholeskyFactor.inverse(lower: lower, n: n)
        weights = CholeskyFactor.solve(lower: lower, n: n, targets)
    }

    @inline(__always)
    static func matern(_ r: Double, _ variance: Double) -> Double {
        let a = sqrt5 * r
        return variance * (1 + a + a * a / 3) * exp(-a)
    }

    @inline(__always)
    static func distance(_ a: [Double], _ i: Int, _ b: [Double], _ j: Int, _ d: Int) -> Double {
        var s = 0.0
        for k in 0..<d {
            let t = a[i * d + k] - b[j * d + k]
            s += t * t
        }
        return s.squareRoot()
    }

    /// The kernel vector between `x` and the training inputs.
    private func crossKernel(_ x: [Double]) -> (kernel: [Double], scaled: [Double]) {
        let scaled = (0..<dimension).map { x[$0] * inverseLengthScales[$0] }
        var kernel = [Double](repeating: 0, count: count)
        scaledInputs.withUnsafeBufferPointer { xs in
            for i in 0..<count {
                var s = 0.0
                for k in 0..<dimension {
                    let t = xs[i * dimension + k] - scaled[k]
                    s += t * t
                }
                kernel[i] = Self.matern(s.squareRoot(), signalVariance)
            }
        }
        return (kernel, scaled)
    }

    private func inverseTimes(_ v: [Double]) -> [Double] {
        var result = [Double](repeating: 0, count: count)
        inverse.withUnsafeBufferPointer { ib in
            v.withUnsafeBufferPointer { vb in
                for i in 0..<count { result[i] = CholeskyFactor.dot(ib.baseAddress! + i * count, vb.baseAddress!, count) }
            }
        }
        return result
    }

    /// Posterior mean and variance of the latent function at `x`.
    public func predict(_ x: [Double]) -> (mean: Double, variance: Double) {
        let (k, _) = crossKernel(x)
        let v = inverseTimes(k)
        var mean = 0.0, reduction = 0.0
        for i in 0..<count { mean += k[i] * weights[i]; reduction += k[i] * v[i] }
        return (mean, max(signalVariance - reduction, 1e-12 * signalVariance))
    }

    /// Mean, variance and their gradients with respect to `x`.
    func predictWithGradient(_ x: [Double]) -> (mean: Double, variance: Double, meanGradient: [Double], varianceGradient: [Double]) {
        let (k, scaled) = crossKernel(x)
        let v = inverseTimes(k)
        var mean = 0.0, reduction = 0.0
        var meanGradient = [Double](repeating: 0, count: dimension)
        var varianceGradient = [Double](repeating: 0, count: dimension)
        for i in 0..<count {
            mean += k[i] * weights[i]
            reduction += k[i] * v[i]
            // dk_i/dx_k = -s2 * 5/3 * (1 + sqrt5 r) exp(-sqrt5 r) * (x_k - x_ik) / l_k^2
            var s = 0.0
            for c in 0..<dimension {
                let t = scaledInputs[i * dimension + c] - scaled[c]
                s += t * t
            }
            let r = s.squareRoot()
            let factor = -signalVariance * 5 / 3 * (1 + Self.sqrt5 * r) * exp(-Self.sqrt5 * r)
            for c in 0..<dimension {
                let dk = factor * (scaled[c] - scaledInputs[i * dimension + c]) * inverseLengthScales[c]
                meanGradient[c] += dk * weights[i]
                varianceGradient[c] -= 2 * dk * v[i]
            }
        }
        return (mean, max(signalVariance - reduction, 1e-12 * signalVariance), meanGradient, varianceGradient)
    }

    /// Adds an observation (a real one or a fantasy) by the block-inverse update.
    public mutating func append(_ x: [Double], target: Double) {
        let (k, scaled) = crossKernel(x)
        let v = inverseTimes(k)
        var schur = signalVariance + noiseVariance
        for i in 0..<count { schur -= k[i] * v[i] }
        schur = max(schur, 1e-10 * signalVariance)
        let n = count, m = n + 1
        var grown = [Double](repeating: 0, count: m * m)
        for i in 0..<n {
            for j in 0..<n { grown[i * m + j] = inverse[i * n + j] + v[i] * v[j] / schur }
            grown[i * m + n] = -v[i] / schur
            grown[n * m + i] = -v[i] / schur
        }
        grown[n * m + n] = 1 / schur
        inverse = grown
        scaledInputs += scaled
        targets.append(target)
        count = m
        weights = inverseTimes(targets)
    }
}
