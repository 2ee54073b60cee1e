import Foundation

/// Dense symmetric positive-definite algebra in Swift, row-major, for the Gaussian process.
///
/// Why not LAPACK: measured at 500 observations on the 2-core development machine (bench/hpo prints
/// the figures beside numpy's OpenBLAS), the row-oriented loops below factor and invert in a few tens
/// of milliseconds, and at the 200 to 250 trials tuning jobs run the whole proposal stays well under
/// its 100 ms budget; linking OpenBLAS would add a system dependency for a gain the tuner cannot see.
/// The loops are written so that every inner loop runs over contiguous memory (dot products and
/// axpys of rows), which the compiler vectorises.
enum CholeskyFactor {
    /// The lower factor `L` (row-major, upper part zero) of `a + jitter * I`, trying no jitter first
    /// and then jitter escalating tenfold from `1e-10 * mean diagonal` up to `1e-4 * mean diagonal`.
    /// Nil when even that fails (the matrix is not a covariance).
    static func factor(_ a: [Double], n: Int) -> (lower: [Double], jitter: Double)? {
        var meanDiagonal = 0.0
        for i in 0..<n { meanDiagonal += a[i * n + i] }
        meanDiagonal = max(meanDiagonal / Double(max(n, 1)), 1e-300)
        var jitter = 0.0
        while true {
            var l = a
            if jitter > 0 { for i in 0..<n { l[i * n + i] += jitter } }
            if factorInPlace(&l, n: n) { return (l, jitter) }
            jitter = jitter == 0 ? 1e-10 * meanDiagonal : jitter * 10
            if jitter > 1e-4 * meanDiagonal { return nil }
        }
    }

    /// Cholesky-Crout by rows: `L[i][j] = (A[i][j] - L[i][:j] . L[j][:j]) / L[j][j]`.
    static func factorInPlace(_ a: inout [Double], n: Int) -> Bool {
        a.withUnsafeMutableBufferPointer { buffer in
            let m = buffer.baseAddress!
            for i in 0..<n {
                let rowI = m + i * n
                for j in 0...i {
                    let rowJ = m + j * n
                    let s = rowI[j] - dot(rowI, rowJ, j)
                    if i == j {
                        guard s > 0, s.isFinite else { return false }
                        rowI[i] = s.squareRoot()
                    } else {
                        rowI[j] = s / rowJ[j]
                    }
                }
                for j in (i + 1)..<max(n, i + 1) { rowI[j] = 0 }
            }
            return true
        }
    }

    /// `sum(a[k] * b[k] for k < count)` with four accumulators, so it vectorises.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var k = 0
        while k + 4 <= count {
            s0 += a[k] * b[k]; s1 += a[k + 1] * b[k + 1]; s2 += a[k + 2] * b[k + 2]; s3 += a[k + 3] * b[k + 3]
            k += 4
        }
        while k < count { s0 += a[k] * b[k]; k += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// Solves `L x = b` then `L^T x = ...`, giving `A^{-1} b`.
    static func solve(lower l: [Double], n: Int, _ b: [Double]) -> [Double] {
        var x = b
        l.withUnsafeBufferPointer { lb in
            x.withUnsafeMutableBufferPointer { xb in
                let lp = lb.baseAddress!, xp = xb.baseAddress!
                for i in 0..<n { xp[i] = (xp[i] - dot(lp + i * n, xp, i)) / lp[i * n + i] }
                for i in stride(from: n - 1, through: 0, by: -1) {
                    xp[i] /= lp[i * n + i]
                    let v = xp[i]
                    for k in 0..<i { xp[k] -= lp[i * n + k] * v }
                }
            }
        }
        return x
    }

    /// `A^{-1}` (full, symmetric) from `L`: rows of `M = L^{-1}` by row axpys, then `M^T M` as a sum
    /// of outer products of `M`'s rows.
    static func inverse(lower l: [Double], n: Int) -> [Double] {
        var inv = [Double](repeating: 0, count: n * n)
        var mInv = [Double](repeating: 0, count: n * n)
        l.withUnsafeBufferPointer { lb in
            mInv.withUnsafeMutableBufferPointer { mb in
                let lp = lb.baseAddress!, mp = mb.baseAddress!
                for i in 0..<n {
                    let rowI = mp + i * n
                    // row i of M: (e_i - sum_{k<i} L[i][k] * M[k][:]) / L[i][i]
                    for k in 0..<i {
                        let c = lp[i * n + k]
                        if c == 0 { continue }
                        let rowK = mp + k * n
                        for j in 0...k { rowI[j] -= c * rowK[j] }
                    }
                    rowI[i] += 1
                    let d = 1 / lp[i * n + i]
                    for j in 0...i { rowI[j] *= d }
                }
            }
        }
        mInv.withUnsafeBufferPointer { mb in
            inv.withUnsafeMutableBufferPointer { ib in
                let mp = mb.baseAddress!, ip = ib.baseAddress!
                for k in 0..<n {
                    let rowK = mp + k * n
                    for i in 0...k {
                        let c = rowK[i]
                        if c == 0 { continue }
                        let target = ip + i * n
                        for j in 0...i { target[j] += c * rowK[j] }
                    }
                }
                for i in 0..<n { for j in 0..<i { ip[j * n + i] = ip[i * n + j] } }
            }
        }
        return inv
    }
}
