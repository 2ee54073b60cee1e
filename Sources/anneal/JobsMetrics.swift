import AnnealClient
import Foundation

/// `anneal jobs metrics NAME`: the job's CloudWatch series, its algorithm metrics (dimension
/// `TrainingJobName`) and each instance's utilisation (dimension `Host`), read through
/// ListMetrics and GetMetricData as any CloudWatch client would; a table, `--json`, or an SVG chart.
enum JobsMetrics {
    static let namespace = "/aws/sagemaker/TrainingJobs"

    struct Series {
        var metric: String
        var host: String?
        var points: [(time: Double, value: Double)]

        var label: String { host.map { "\(metric) (\($0))" } ?? metric }
    }

    static func run(_ client: AWSClient, _ name: String, json: Bool, plot: String?) async throws -> Int32 {
        let job = JobsCommand.object(try await client.json(signingName: "sagemaker", target: "SageMaker.DescribeTrainingJob",
                                                           body: try JobsCommand.body(["TrainingJobName": name])))
        let start = floor((job["CreationTime"] as? Double) ?? Date().timeIntervalSince1970 - 3600)
        let end = ((job["TrainingEndTime"] as? Double) ?? Date().timeIntervalSince1970) + 60
        var wanted: [(metric: String, dimension: [String: String])] = []
        for metric in try await list(client, dimensions: [["Name": "TrainingJobName", "Value": name]]) {
            wanted.append((metric.name, ["Name": "TrainingJobName", "Value": name]))
        }
        for metric in try await list(client, dimensions: [["Name": "Host"]]) {
            guard let host = metric.dimensions["Host"], host.hasPrefix(name + "/") else { continue }
            wanted.append((metric.name, ["Name": "Host", "Value": host]))
        }
        let series = try await fetch(client, wanted, start: start, end: end)
        if let plot {
            let svg = MetricsChart.svg(title: name, series: series.map { ($0.label, $0.points) })
            try svg.write(toFile: plot, atomically: true, encoding: .utf8)
            if !json { print("Wrote \(series.count) series to \(plot)") }
        }
        if json {
            let document: [String: Any] = ["TrainingJobName": name, "Series": series.map { item -> [String: Any] in
                var entry: [String: Any] = ["MetricName": item.metric,
                                            "Points": item.points.map { ["Timestamp": $0.time, "Value": $0.value] }]
                if let host = item.host { entry["Host"] = host }
                return entry
            }]
            print(String(decoding: try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        } else if plot == nil {
            table(series)
        }
        return ExitCode.success
    }

    static func list(_ client: AWSClient, dimensions: [[String: String]]) async throws -> [(name: String, dimensions: [String: String])] {
        var found: [(name: String, dimensions: [String: String])] = []
        var token: String?
        repeat {
            var request: [String: Any] = ["Namespace": namespace, "Dimensions": dimensions]
            if let token { request["NextToken"] = token }
            let reply = JobsCommand.object(try await client.json(signingName: "monitoring", target: "GraniteServiceVersion20100801.ListMetrics",
                                                                 body: try JobsCommand.body(request), jsonVersion: "1.0"))
            for metric in reply["Metrics"] as? [[String: Any]] ?? [] {
                var dimensions: [String: String] = [:]
                for dimension in metric["Dimensions"] as? [[String: Any]] ?? [] {
                    if let name = dimension["Name"] as? String, let value = dimension["Value"] as? String { dimensions[name] = value }
                }
                found.append((metric["MetricName"] as? String ?? "", dimensions))
            }
            token = reply["NextToken"] as? String
        } while token != nil
        return found.sorted { ($0.dimensions.values.sorted().joined(), $0.name) < ($1.dimensions.values.sorted().joined(), $1.name) }
    }

    /// The smallest period CloudWatch accepts that keeps a series within 1,440 points.
    static func period(seconds: Double) -> Int {
        let needed = Int((seconds / 1440).rounded(.up))
        if let small = [1, 5, 10, 30].first(where: { $0 >= needed }) { return small }
        return max(1, Int((Double(needed) / 60).rounded(.up))) * 60
    }

    static func fetch(_ client: AWSClient, _ wanted: [(metric: String, dimension: [String: String])],
                      start: Double, end: Double) async throws -> [Series] {
        guard !wanted.isEmpty else { return [] }
        let period = period(seconds: end - start)
        var series: [Series] = []
        var offset = 0
        while offset < wanted.count {
            let chunk = Array(wanted[offset..<min(offset + 500, wanted.count)])
            let queries: [[String: Any]] = chunk.enumerated().map { index, item in
                ["Id": "m\(offset + index)", "ReturnData": true,
                 "MetricStat": ["Metric": ["Namespace": namespace, "MetricName": item.metric, "Dimensions": [item.dimension]],
                                "Period": period, "Stat": "Average"]]
            }
            var values: [String: [(Double, Double)]] = [:]
            var token: String?
            repeat {
                var request: [String: Any] = ["MetricDataQueries": queries, "StartTime": start, "EndTime": end,
                                              "ScanBy": "TimestampAscending"]
                if let token { request["NextToken"] = token }
                let reply = JobsCommand.object(try await client.json(signingName: "monitoring",
                                                                     target: "GraniteServiceVersion20100801.GetMetricData",
                                                                     body: try JobsCommand.body(request), jsonVersion: "1.0"))
                for result in reply["MetricDataResults"] as? [[String: Any]] ?? [] {
                    let times = result["Timestamps"] as? [Double] ?? []
                    let numbers = result["Values"] as? [Double] ?? []
                    values[result["Id"] as? String ?? "", default: []] += zip(times, numbers).map { ($0, $1) }
                }
                token = reply["NextToken"] as? String
            } while token != nil
            for (index, item) in chunk.enumerated() {
                let host = item.dimension["Name"] == "Host" ? item.dimension["Value"].map { String($0.split(separator: "/").last ?? "") } : nil
                series.append(Series(metric: item.metric, host: host,
                                     points: (values["m\(offset + index)"] ?? []).map { (time: $0.0, value: $0.1) }))
            }
            offset += chunk.count
        }
        return series
    }

    static func table(_ series: [Series]) {
        guard !series.isEmpty else {
            print("No metrics for this job yet (algorithm metrics come from MetricDefinitions; utilisation every sampling period).")
            return
        }
        print(JobsCommand.pad("METRIC", 28) + JobsCommand.pad("HOST", 10) + JobsCommand.pad("TIME", 26) + "VALUE")
        for item in series {
            for point in item.points {
                print(JobsCommand.pad(item.metric, 28) + JobsCommand.pad(item.host ?? "-", 10)
                    + JobsCommand.pad(isoTime(point.time), 26) + format(point.value))
            }
        }
    }

    static func isoTime(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.6g", value)
    }
}
