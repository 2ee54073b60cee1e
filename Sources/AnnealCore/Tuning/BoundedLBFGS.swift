/// Limited-memory BFGS on a box, by projection: the search direction ignores coordinates held at a
/// bound by their gradient, and every trial point is clamped into the box (backtracking Armijo line
/// search). Used for the Gaussian process's hyperparameters and for the acquisition function, both
/// smooth and low-dimensional, where this simple form converges in a few dozen evaluations.
struct BoundedLBFGS {
    var lower: [Double]
    var upper: [Double]
    var maxEvaluations = 60
    var memory = 7
    var gradientTolerance = 1e-6

    /// Minimises `f` (which returns the value and writes the gradient) from `start`.
    func minimize(from start: [Double], _ f: ([Double], inout [Double]) -> Double) -> (x: [Double], value: Double) {
        let n = start.count
        var x = clamp(start)
        var g = [Double](repeating: 0, count: n)
        var fx = f(x, &g)
        var evaluations = 1
        guard fx.isFinite else { return (x, fx) }
        var sHistory: [[Double]] = [], yHistory: [[Double]] = [], rhoHistory: [Double] = []
        var newG = [Double](repeating: 0, count: n)
        while evaluations < maxEvaluations {
            var pg = g
            for i in 0..<n where (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0) { pg[i] = 0 }
            var norm = 0.0
            for v in pg { norm = max(norm, abs(v)) }
            if norm < gradientTolerance { break }
            // Two-loop recursion.
            var q = pg
            var alphas = [Double](repeating: 0, count: sHistory.count)
            for k in stride(from: sHistory.count - 1, through: 0, by: -1) {
                alphas[k] = rhoHistory[k] * dot(sHistory[k], q)
                for i in 0..<n { q[i] -= alphas[k] * yHistory[k][i] }
            }
            if let s = sHistory.last, let y = yHistory.last {
                let gamma = dot(s, y) / max(dot(y, y), 1e-300)
                for i in 0..<n { q[i] *= gamma }
            } else {
                let scale = 1 / max(norm, 1)
                for i in 0..<n { q[i] *= scale }
            }
            for k in 0..<sHistory.count {
                let beta = rhoHistory[k] * dot(yHistory[k], q)
                for i in 0..<n { q[i] += sHistory[k][i] * (alphas[k] - beta) }
            }
            var direction = q.map { -$0 }
            for i in 0..<n where pg[i] == 0 { direction[i] = 0 }
            if dot(direction, pg) >= 0 {
                direction = pg.map { -$0 / max(norm, 1) }
                sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
            }
            // Backtracking line search on the projected path.
            var step = 1.0
            var accepted = false
            var newX = x, newF = fx
            while evaluations < maxEvaluations {
                for i in 0..<n { newX[i] = min(max(x[i] + step * direction[i], lower[i]), upper[i]) }
                newF = f(newX, &newG)
                evaluations += 1
                var decrease = 0.0
                for i in 0..<n { decrease += g[i] * (newX[i] - x[i]) }
                if newF.isFinite && newF <= fx + 1e-4 * decrease { accepted = true; break }
                step *= 0.3
                if step < 1e-10 { break }
            }
            guard accepted else { break }
            let s = zip(newX, x).map { $0 - $1 }
            let y = zip(newG, g).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 {
                sHistory.append(s); yHistory.append(y); rhoHistory.append(1 / sy)
                if sHistory.count > memory { sHistory.removeFirst(); yHistory.removeFirst(); rhoHistory.removeFirst() }
            }
            let improvement = fx - newF
            x = newX; g = newG; fx = newF
            if improvement <= 1e-10 * max(abs(fx), 1) { break }
        }
        return (x, fx)
    }

    private func clamp(_ x: [Double]) -> [Double] {
        zip(x, zip(lower, upper)).map { min(max($0, $1.0), $1.1) }
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += a[i] * b[i] }
        return s
    }
}
