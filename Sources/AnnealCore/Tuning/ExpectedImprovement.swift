import Foundation

/// The logarithm of expected improvement below `best` for a Gaussian prediction, computed stably
/// far into the tail (Ament et al., "Unexpected improvements to expected improvement", 2023), so
/// that the acquisition still has a usable gradient where plain EI underflows to zero.
enum ExpectedImprovement {
    /// log EI and its derivatives with respect to the mean and the standard deviation.
    static func log(mean: Double, sd: Double, best: Double) -> (value: Double, dMean: Double, dSD: Double) {
        let z = (best - mean) / sd
        let (logH, dLogH) = logH(z)
        // EI = sd * h(z); d log EI / d mean = h'(z)/h(z) * (-1/sd); d log EI / d sd = 1/sd - h'/h * z/sd
        return (Foundation.log(sd) + logH, -dLogH / sd, (1 - dLogH * z) / sd)
    }

    /// `log h(z)` with `h(z) = z Phi(z) + phi(z)`, and `d log h / dz = Phi(z) / h(z)`.
    static func logH(_ z: Double) -> (Double, Double) {
        let logPhiDensity = -0.5 * z * z - 0.5 * Foundation.log(2 * Double.pi)
        if z > -25 {
            let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
            let h = z * cdf + exp(logPhiDensity)
            return (Foundation.log(max(h, 1e-300)), cdf / max(h, 1e-300))
        }
        // Directly, the cancellation costs about t^2 ulps, harmless up to here; beyond, phi underflows
        // soon, so h(z) = phi(z) * (1 - t R(t)) with t = -z and the asymptotic series of the Mills ratio R:
        // 1 - t R(t) = 1/t^2 - 3/t^4 + 15/t^6 - 105/t^8 + ...
        let t = -z, t2 = t * t
        let series = 1 / t2 * (1 - 3 / t2 * (1 - 5 / t2 * (1 - 7 / t2)))
        let logH = logPhiDensity + Foundation.log(series)
        // Phi(z)/h(z) = (phi(z) R(t)) / (phi(z) series) with R(t) = (1 - series) / t
        return (logH, (1 - series) / t / series)
    }
}
