/// Formats a `Double` exactly as Python's `repr(float)` does, because SageMaker passes continuous
/// hyperparameters to training jobs as that string (`1e-05`, `0.0001`, `1e+16`, `100.0`).
///
/// Both Swift's `description` and Python's `repr` print the shortest digit string that round-trips;
/// they differ only in where they switch to exponent notation and how they write the exponent.
/// Python uses exponent notation when the decimal exponent is below -4 or at least 16 and writes at
/// least two exponent digits with a sign; otherwise it writes positional notation with at least one
/// digit after the point.
public enum PythonFloatFormat {
    public static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent) = shortestDigits(value)
        // value = 0.d1d2d3... * 10^(exponent + 1), i.e. d1.d2d3... * 10^exponent
        var text = negative ? "-" : ""
        if exponent < -4 || exponent >= 16 {
            text += String(digits.first!)
            if digits.count > 1 { text += "." + String(digits.dropFirst()) }
            text += exponent < 0 ? "e-" : "e+"
            let magnitude = abs(exponent)
            text += magnitude < 10 ? "0\(magnitude)" : "\(magnitude)"
        } else if exponent < 0 {
            text += "0." + String(repeating: "0", count: -exponent - 1) + String(digits)
        } else if digits.count > exponent + 1 {
            let point = digits.index(digits.startIndex, offsetBy: exponent + 1)
            text += String(digits[..<point]) + "." + String(digits[point...])
        } else {
            text += String(digits) + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
        }
        return text
    }

    /// The shortest round-trip significant digits (no leading or trailing zeros) and the decimal
    /// exponent of the first digit, read from Swift's own shortest representation.
    static func shortestDigits(_ value: Double) -> (negative: Bool, digits: Substring, exponent: Int) {
        var text = Substring(value.description)
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        let integerPart: Substring
        let fraction: Substring
        if let point = text.firstIndex(of: ".") {
            integerPart = text[..<point]
            fraction = text[text.index(after: point)...]
        } else {
            integerPart = text
            fraction = ""
        }
        var all = String(integerPart) + String(fraction)
        exponent += integerPart.count - 1
        while all.hasPrefix("0") && all.count > 1 {
            all.removeFirst()
            exponent -= 1
        }
        while all.hasSuffix("0") && all.count > 1 { all.removeLast() }
        return (negative, Substring(all), exponent)
    }
}
