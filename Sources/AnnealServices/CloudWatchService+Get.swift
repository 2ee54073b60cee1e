import AnnealAWS
import AnnealCore
import AnnealStore

extension CloudWatchService {
    static let statistics = ["SampleCount", "Average", "Sum", "Minimum", "Maximum"]
    static let maximumStatisticsDatapoints = 1440
    static let maximumQueries = 500
    static let defaultMaxDatapoints = 100_800

    func getMetricStatistics(_ input: CloudWatchInput) throws(AWSError) -> JSONValue {
        let key = try Self.metricKey(input)
        let window = try Self.window(input)
        let period = try Self.period(input, "Period")
        var statistics: [String] = []
        for item in try input.list("Statistics", max: 5) {
            guard let name = item.value.string, Self.statistics.contains(name) else {
                throw CloudWatchErrors.invalidValue(item.value, item.path)
            }
            statistics.append(name)
        }
        if !(try input.list("ExtendedStatistics", max: 10)).isEmpty {
            throw CloudWatchErrors.invalid("ExtendedStatistics (percentiles such as p99) are not supported by Anneal: it keeps "
                + "statistic sets, not the raw distribution. Ask for Statistics (SampleCount, Average, Sum, Minimum, Maximum).")
        }
        guard !statistics.isEmpty else {
            throw CloudWatchErrors.combination("At least one of the parameters Statistics and ExtendedStatistics must be specified.")
        }
        let unit = try Self.unit(input, "Unit")
        let start = Self.alignedStart(window.start, period: period)
        let requested = Int((window.end - start + Int64(period) * 1000 - 1) / (Int64(period) * 1000))
        guard requested <= Self.maximumStatisticsDatapoints else {
            throw CloudWatchErrors.combination("You have requested up to \(requested) datapoints, which exceeds the limit of "
                + "\(Self.maximumStatisticsDatapoints). You may reduce the datapoints requested by increasing Period, or decreasing the time range.")
        }
        let buckets = try storing { () throws(StoreError) in
            try store.buckets(key, start: start, end: window.end, periodMilliseconds: Int64(period) * 1000, unit: unit)
        }
        let datapoints: [JSONValue] = buckets.map { bucket in
            var members: [String: JSONValue] = ["Timestamp": .number(Double(bucket.timestamp) / 1000), "Unit": .string(bucket.unit)]
            for name in statistics { members[name] = .number(Self.statistic(name, of: bucket.statistics)) }
            return .object(members)
        }
        return ["Label": .string(key.name), "Datapoints": .array(datapoints)]
    }

    func getMetricData(_ input: CloudWatchInput) throws(AWSError) -> JSONValue {
        let queries = try input.list("MetricDataQueries")
        guard !queries.isEmpty else { throw CloudWatchErrors.missing("MetricDataQueries") }
        guard queries.count <= Self.maximumQueries else {
            throw CloudWatchErrors.invalid("The collection MetricDataQueries must not have a size greater than \(Self.maximumQueries).")
        }
        let window = try Self.window(input)
        let scanBy = try input.string("ScanBy") ?? "TimestampDescending"
        guard scanBy == "TimestampDescending" || scanBy == "TimestampAscending" else {
            throw CloudWatchErrors.invalid("The value \(scanBy) for parameter ScanBy is invalid.")
        }
        let maxDatapoints = try input.int("MaxDatapoints") ?? Self.defaultMaxDatapoints
        guard maxDatapoints >= 1 else { throw CloudWatchErrors.invalid("The parameter MaxDatapoints must be greater than 0.") }
        var offset = 0
        if let token = try input.string("NextToken") {
            guard token.hasPrefix("o"), let parsed = Int(token.dropFirst()), parsed >= 0 else { throw CloudWatchErrors.invalidToken() }
            offset = parsed
        }
        var ids: Set<String> = []
        var series: [(id: String, label: String, points: [(time: Int64, value: Double)])] = []
        for query in queries {
            guard let id = try query.string("Id", length: 1...255) else { throw CloudWatchErrors.missing(query.name("Id")) }
            guard Self.isValidID(id) else {
                throw CloudWatchErrors.invalid("The value \(id) for parameter \(query.name("Id")) is invalid: an Id starts with a "
                    + "lowercase letter and holds only letters, digits and underscores.")
            }
            guard ids.insert(id).inserted else {
                throw CloudWatchErrors.invalid("The value \(id) for parameter \(query.name("Id")) is used by another query.")
            }
            if query.has("Expression") {
                throw CloudWatchErrors.invalid("\(query.name("Expression")): metric math and Metrics Insights expressions are not "
                    + "supported by Anneal; use MetricStat queries.")
            }
            guard let stat = query.member("MetricStat") else {
                throw CloudWatchErrors.missing(query.name("MetricStat"))
            }
            guard let metric = stat.member("Metric") else { throw CloudWatchErrors.missing(stat.name("Metric")) }
            let key = try Self.metricKey(metric)
            let period = try Self.period(stat, "Period")
            guard let statistic = try stat.string("Stat") else { throw CloudWatchErrors.missing(stat.name("Stat")) }
            guard Self.statistics.contains(statistic) else {
                throw CloudWatchErrors.invalid("The value \(statistic) for parameter \(stat.name("Stat")) is invalid: Anneal computes "
                    + Self.statistics.joined(separator: ", ") + " (no percentiles or other extended statistics).")
            }
            let unit = try Self.unit(stat, "Unit")
            guard try query.bool("ReturnData") ?? true else { continue }
            let start = Self.alignedStart(window.start, period: period)
            let buckets = try storing { () throws(StoreError) in
                try store.buckets(key, start: start, end: window.end, periodMilliseconds: Int64(period) * 1000, unit: unit)
            }
            // Without a Unit, the points of every unit in a period make one value.
            var merged: [(time: Int64, set: StatisticSet)] = []
            for bucket in buckets {
                if let last = merged.last, last.time == bucket.timestamp {
                    merged[merged.count - 1].set = last.set.merged(with: bucket.statistics)
                } else {
                    merged.append((bucket.timestamp, bucket.statistics))
                }
            }
            var points = merged.map { (time: $0.time, value: Self.statistic(statistic, of: $0.set)) }
            if scanBy == "TimestampDescending" { points.reverse() }
            series.append((id, try query.string("Label") ?? key.name, points))
        }
        // One page holds at most MaxDatapoints values, the queries' values one after another.
        let total = series.reduce(0) { $0 + $1.points.count }
        guard offset <= total else { throw CloudWatchErrors.invalidToken() }
        let end = min(total, offset + maxDatapoints)
        var results: [JSONValue] = []
        var position = 0
        for item in series {
            let low = min(max(offset - position, 0), item.points.count)
            let high = min(max(end - position, 0), item.points.count)
            let page = item.points[low..<high]
            results.append([
                "Id": .string(item.id), "Label": .string(item.label),
                "Timestamps": .array(page.map { .number(Double($0.time) / 1000) }),
                "Values": .array(page.map { .number($0.value) }),
                "StatusCode": .string(high == item.points.count ? "Complete" : "PartialData"),
            ])
            position += item.points.count
        }
        var reply: [String: JSONValue] = ["MetricDataResults": .array(results), "Messages": []]
        if end < total { reply["NextToken"] = .string("o\(end)") }
        return .object(reply)
    }

    // MARK: - Pieces

    static func metricKey(_ input: CloudWatchInput) throws(AWSError) -> MetricKey {
        let namespace = try Self.namespace(input, required: true, writing: false) ?? ""
        guard let name = try input.string("MetricName", length: 1...255) else { throw CloudWatchErrors.missing(input.name("MetricName")) }
        return MetricKey(namespace: namespace, name: name, dimensions: try dimensions(input))
    }

    /// StartTime (inclusive) and EndTime (exclusive), in epoch milliseconds.
    static func window(_ input: CloudWatchInput) throws(AWSError) -> (start: Int64, end: Int64) {
        guard let start = try input.timestamp("StartTime") else { throw CloudWatchErrors.missing("StartTime") }
        guard let end = try input.timestamp("EndTime") else { throw CloudWatchErrors.missing("EndTime") }
        guard start < end else { throw CloudWatchErrors.invalid("The parameter StartTime must be less than the parameter EndTime.") }
        return (start, end)
    }

    /// A Period: 1, 5, 10, 30 (high resolution) or a multiple of 60 seconds.
    static func period(_ input: CloudWatchInput, _ key: String) throws(AWSError) -> Int {
        guard let period = try input.int(key) else { throw CloudWatchErrors.missing(input.name(key)) }
        guard period >= 1, [1, 5, 10, 30].contains(period) || period % 60 == 0 else {
            throw CloudWatchErrors.invalid("The parameter \(input.name(key)) must be 1, 5, 10, 30 or a multiple of 60 (it is \(period)).")
        }
        return period
    }

    /// CloudWatch rounds StartTime down: to the period below a minute, else to the minute, so
    /// periods fall on clock boundaries (12:32:34 with a 60 s period starts at 12:32:00).
    static func alignedStart(_ start: Int64, period: Int) -> Int64 {
        let step = Int64(min(period, 60)) * 1000
        return start.floorDivided(by: step) * step
    }

    static func statistic(_ name: String, of set: StatisticSet) -> Double {
        switch name {
        case "SampleCount": set.sampleCount
        case "Sum": set.sum
        case "Minimum": set.minimum
        case "Maximum": set.maximum
        default: set.average
        }
    }

    static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
