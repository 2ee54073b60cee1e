import Foundation
import Testing
@testable import AnnealCore

@Suite("Tuning: Gaussian process")
struct TuningGaussianProcessTests {
    @Test("posterior of two points matches the closed form")
    func twoPoints() throws {
        let hyper = KernelHyperparameters(logLengthScales: [log(0.7)], logSignalVariance: log(1.5), logNoiseVariance: log(0.01))
        let gp = try #require(GaussianProcess(inputs: [[0.1], [0.9]], targets: [1, -1], hyperparameters: hyper))
        func k(_ r: Double) -> Double {
            let a = 5.0.squareRoot() * r / 0.7
            return 1.5 * (1 + a + a * a / 3) * exp(-a)
        }
        let a = 1.5 + 0.01, b = k(0.8), det = a * a - b * b
        let x = 0.3
        let ks = [k(0.2), k(0.6)]
        // K^-1 = [[a, -b], [-b, a]] / det
        let w = [(a * 1 - b * -1) / det, (-b * 1 + a * -1) / det]
        let mean = ks[0] * w[0] + ks[1] * w[1]
        let v = [(a * ks[0] - b * ks[1]) / det, (-b * ks[0] + a * ks[1]) / det]
        let variance = 1.5 - (ks[0] * v[0] + ks[1] * v[1])
        let prediction = gp.predict([x])
        #expect(abs(prediction.mean - mean) < 1e-10)
        #expect(abs(prediction.variance - variance) < 1e-10)
    }

    @Test("gradients of the log posterior and of the prediction match finite differences")
    func gradients() throws {
        var random = TuningRandom(seed: 11)
        let inputs = (0..<15).map { _ in (0..<3).map { _ in random.unit() } }
        let targets = inputs.map { sin(6 * $0[0]) + $0[1] * $0[1] - 0.5 * $0[2] }
        let prior = GaussianProcessFit.Prior(dimension: 3)
        let theta = [log(0.4), log(0.8), log(1.3), log(0.9), log(1e-3)]
        var gradient = [Double](repeating: 0, count: 5)
        let value = GaussianProcessFit.negativeLogPosterior(theta, inputs: inputs, targets: targets, prior: prior, gradient: &gradient)
        var scratch = gradient
        #expect(abs(GaussianProcessFit.negativeLogPosterior(theta, inputs: inputs, targets: targets, prior: prior, gradient: &scratch,
                                                           withGradient: false) - value) < 1e-9)
        for k in 0..<5 {
            var up = theta, down = theta
            up[k] += 1e-5; down[k] -= 1e-5
            let numeric = (GaussianProcessFit.negativeLogPosterior(up, inputs: inputs, targets: targets, prior: prior, gradient: &scratch)
                - GaussianProcessFit.negativeLogPosterior(down, inputs: inputs, targets: targets, prior: prior, gradient: &scratch)) / 2e-5
            #expect(abs(numeric - gradient[k]) < 1e-4 * max(1, abs(numeric)), "component \(k)")
        }
        let gp = try #require(GaussianProcess(inputs: inputs, targets: targets, hyperparameters: KernelHyperparameters(vector: theta)))
        let x = [0.3, 0.6, 0.2]
        let p = gp.predictWithGradient(x)
        for k in 0..<3 {
            var up = x, down = x
            up[k] += 1e-6; down[k] -= 1e-6
            #expect(abs((gp.predict(up).mean - gp.predict(down).mean) / 2e-6 - p.meanGradient[k]) < 1e-5)
            #expect(abs((gp.predict(up).variance - gp.predict(down).variance) / 2e-6 - p.varianceGradient[k]) < 1e-5)
        }
    }

    @Test("a fantasy added by the block update equals refitting with it")
    func fantasyUpdate() throws {
        let hyper = KernelHyperparameters(logLengthScales: [log(0.3), log(0.5)], logSignalVariance: 0, logNoiseVariance: log(1e-4))
        let inputs = [[0.1, 0.2], [0.5, 0.9], [0.8, 0.4]]
        var gp = try #require(GaussianProcess(inputs: inputs, targets: [0.3, -1, 0.5], hyperparameters: hyper))
        gp.append([0.4, 0.4], target: 0.7)
        let direct = try #require(GaussianProcess(inputs: inputs + [[0.4, 0.4]], targets: [0.3, -1, 0.5, 0.7], hyperparameters: hyper))
        let a = gp.predict([0.45, 0.5]), b = direct.predict([0.45, 0.5])
        #expect(abs(a.mean - b.mean) < 1e-9)
        #expect(abs(a.variance - b.variance) < 1e-9)
    }

    @Test("fitting recovers a long length scale for an irrelevant input")
    func relevance() {
        var random = TuningRandom(seed: 2)
        let inputs = (0..<40).map { _ in [random.unit(), random.unit()] }
        var targets = inputs.map { sin(5 * $0[0]) }
        let mean = targets.reduce(0, +) / 40
        targets = targets.map { $0 - mean }
        let fitted = GaussianProcessFit.fit(inputs: inputs, targets: targets)
        #expect(fitted.logLengthScales[1] > fitted.logLengthScales[0] + 1)
    }

    @Test("log EI matches the direct formula and stays finite in the far tail")
    func expectedImprovement() {
        for (mean, sd) in [(0.0, 1.0), (1.0, 0.5), (-0.5, 2.0)] {
            let z = (0.2 - mean) / sd
            let cdf = 0.5 * erfc(-z / 2.0.squareRoot()), pdf = exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
            #expect(abs(ExpectedImprovement.log(mean: mean, sd: sd, best: 0.2).value - log(sd * (z * cdf + pdf))) < 1e-10)
        }
        let far = ExpectedImprovement.log(mean: 40, sd: 1, best: 0)
        #expect(far.value.isFinite && far.value < -700)
        #expect(far.dMean < 0)
        // Continuous across the switch to the asymptotic series (the slope there is about 25).
        let a = ExpectedImprovement.logH(-24.999999), b = ExpectedImprovement.logH(-25.000001)
        #expect(abs((a.0 - b.0) - a.1 * 2e-6) < 1e-7)
        #expect(abs(a.1 - b.1) < 1e-3)
    }

    @Test("Cholesky escalates jitter for a singular matrix and refuses a non-covariance")
    func cholesky() throws {
        let singular = [1.0, 1.0, 1.0, 1.0]
        let (_, jitter) = try #require(CholeskyFactor.factor(singular, n: 2))
        #expect(jitter > 0)
        #expect(CholeskyFactor.factor([1, 0, 0, -1], n: 2) == nil)
        let a = [4.0, 2, 0.4, 2, 3, 0.5, 0.4, 0.5, 2]
        let (l, none) = try #require(CholeskyFactor.factor(a, n: 3))
        #expect(none == 0)
        let inverse = CholeskyFactor.inverse(lower: l, n: 3)
        for i in 0..<3 {
            for j in 0..<3 {
                var s = 0.0
                for k in 0..<3 { s += a[i * 3 + k] * inverse[k * 3 + j] }
                #expect(abs(s - (i == j ? 1 : 0)) < 1e-12)
            }
        }
    }
}
