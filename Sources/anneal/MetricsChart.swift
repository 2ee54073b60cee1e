import Foundation

/// Line charts as SVG, written by hand (no plotting library): one panel per series, stacked, each
/// with its own value axis (a loss and a CPU percentage do not share a scale) and a shared time
/// axis in seconds since the first point of any series.
enum MetricsChart {
    static let width = 720.0
    static let panelHeight = 170.0
    static let left = 70.0
    static let right = 20.0
    static let top = 40.0
    static let gap = 30.0
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    static func svg(title: String, series: [(label: String, points: [(time: Double, value: Double)])]) -> String {
        let height = top + Double(max(series.count, 1)) * (panelHeight + gap) + 10
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(left)\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>\n"
        let times = series.flatMap { $0.points.map(\.time) }
        let origin = times.min() ?? 0
        let span = max((times.max() ?? 0) - origin, 1)
        if series.isEmpty {
            out += "<text x=\"\(left)\" y=\"\(top + 20)\">No metrics for this job.</text>\n"
        }
        let plotWidth = width - left - right
        for (index, item) in series.enumerated() {
            let y0 = top + Double(index) * (panelHeight + gap)
            let plotHeight = panelHeight - 30
            let values = item.points.map(\.value)
            var low = values.min() ?? 0
            var high = values.max() ?? 1
            if high - low < 1e-12 {
                low -= max(abs(low) * 0.05, 0.5)
                high += max(abs(high) * 0.05, 0.5)
            }
            let color = colors[index % colors.count]
            out += "<g>\n<text x=\"\(left)\" y=\"\(f(y0 + 12))\" font-weight=\"bold\" fill=\"\(color)\">\(escape(item.label))</text>\n"
            let plotTop = y0 + 20
            out += "<rect x=\"\(f(left))\" y=\"\(f(plotTop))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#999\"/>\n"
            // Value axis: low, middle and high, with faint grid lines.
            for step in 0...2 {
                let value = low + (high - low) * Double(step) / 2
                let y = plotTop + plotHeight * (1 - Double(step) / 2)
                out += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#eee\"/>\n"
                out += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(label(value)))</text>\n"
            }
            // Time axis: seconds since the first point.
            for step in 0...4 {
                let x = left + plotWidth * Double(step) / 4
                out += "<text x=\"\(f(x))\" y=\"\(f(plotTop + plotHeight + 14))\" text-anchor=\"middle\">\(label(span * Double(step) / 4))s</text>\n"
            }
            let coordinates = item.points.map { point in
                (x: left + plotWidth * (point.time - origin) / span, y: plotTop + plotHeight * (1 - (point.value - low) / (high - low)))
            }
            if coordinates.count > 1 {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\""
                    + coordinates.map { "\(f($0.x)),\(f($0.y))" }.joined(separator: " ") + "\"/>\n"
            }
            for point in coordinates {
                out += "<circle cx=\"\(f(point.x))\" cy=\"\(f(point.y))\" r=\"2.5\" fill=\"\(color)\"/>\n"
            }
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func label(_ value: Double) -> String {
        abs(value) >= 1e5 || (abs(value) < 1e-3 && value != 0) ? String(format: "%.3g", value) : String(format: "%.4g", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
