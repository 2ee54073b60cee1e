import AnnealAWS
import AnnealCore
import AnnealStore

extension CloudWatchService {
    /// Metrics per request, values per datum, and the range of values CloudWatch accepts.
    static let maximumMetrics = 1000
    static let maximumValues = 150
    static let maximumDimensions = 30
    static let largestValue = 0x1p360
    static let smallestValue = 0x1p-260
    static let units: Set<String> = [
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits",
        "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
        "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
        "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
    ]

    func putMetricData(_ input: CloudWatchInput) throws(AWSError) -> JSONValue {
        let namespace = try Self.namespace(input, required: true) ?? ""
        var data = try input.list("MetricData")
        for entity in try input.list("EntityMetricData") { data += try entity.list("MetricData") }
        guard !data.isEmpty else { throw CloudWatchErrors.missing("MetricData") }
        guard data.count <= Self.maximumMetrics else {
            throw CloudWatchErrors.invalid("The collection MetricData must not have a size greater than \(Self.maximumMetrics).")
        }
        let now = clock()
        var points: [MetricPoint] = []
        points.reserveCapacity(data.count)
        for datum in data {
            if let point = try Self.point(datum, namespace: namespace, now: now) { points.append(point) }
        }
        try storing { () throws(StoreError) in _ = try store.put(points, at: now) }
        return [:]
    }

    /// One MetricDatum as a stored point; nil when every count of its Values is zero.
    static func point(_ datum: CloudWatchInput, namespace: String, now: Int64) throws(AWSError) -> MetricPoint? {
        guard let name = try datum.string("MetricName", length: 1...255) else { throw CloudWatchErrors.missing(datum.name("MetricName")) }
        let dimensions = try Self.dimensions(datum)
        let timestamp = try datum.timestamp("Timestamp") ?? now
        if timestamp < now - 14 * 86_400_000 {
            throw CloudWatchErrors.invalid("The parameter \(datum.name("Timestamp")) must specify a time no more than two weeks in the past.")
        }
        if timestamp > now + 2 * 3_600_000 {
            throw CloudWatchErrors.invalid("The parameter \(datum.name("Timestamp")) must specify a time no more than two hours in the future.")
        }
        let unit = try Self.unit(datum, "Unit") ?? "None"
        let resolution = try datum.int("StorageResolution") ?? 60
        guard resolution == 1 || resolution == 60 else {
            throw CloudWatchErrors.invalid("The value \(resolution) for parameter \(datum.name("StorageResolution")) is invalid: "
                + "use 1 (high resolution) or 60.")
        }
        let given = ["Value", "StatisticValues", "Values"].filter { datum.has($0) }
        guard given.count <= 1 else {
            throw CloudWatchErrors.combination("The parameters \(datum.name(given[0])) and \(datum.name(given[1])) are mutually "
                + "exclusive and you have specified both.")
        }
        if datum.has("Counts") && !datum.has("Values") {
            throw CloudWatchErrors.combination("The parameter \(datum.name("Counts")) may only be given with \(datum.name("Values")).")
        }
        let statistics: StatisticSet
        switch given.first {
        case "Value":
            statistics = StatisticSet(value: try Self.value(datum, "Value"))
        case "StatisticValues":
            guard let set = datum.member("StatisticValues") else { throw CloudWatchErrors.missing(datum.name("StatisticValues")) }
            let count = try Self.value(set, "SampleCount")
            let sum = try Self.value(set, "Sum")
            let minimum = try Self.value(set, "Minimum")
            let maximum = try Self.value(set, "Maximum")
            guard count > 0 else { throw CloudWatchErrors.invalid("The parameter \(set.name("SampleCount")) must be greater than 0.") }
            guard minimum <= maximum else {
                throw CloudWatchErrors.invalid("The parameter \(set.name("Minimum")) must not be greater than \(set.name("Maximum")).")
            }
            statistics = StatisticSet(sampleCount: count, sum: sum, minimum: minimum, maximum: maximum)
        case "Values":
            let values = try datum.list("Values", max: maximumValues)
            let counts = try datum.list("Counts", max: maximumValues)
            guard !values.isEmpty else { throw CloudWatchErrors.missing(datum.name("Values")) }
            guard counts.isEmpty || counts.count == values.count else {
                throw CloudWatchErrors.invalid("The parameters \(datum.name("Values")) and \(datum.name("Counts")) must be of the same size.")
            }
            var merged: StatisticSet?
            for (index, item) in values.enumerated() {
                let value = try Self.checked(CloudWatchInput.double(item.value, item.path), item.path)
                var count = 1.0
                if !counts.isEmpty {
                    count = try CloudWatchInput.double(counts[index].value, counts[index].path)
                    guard count.isFinite, count >= 0 else { throw CloudWatchErrors.invalidValue(counts[index].value, counts[index].path) }
                }
                guard count > 0 else { continue }
                let set = StatisticSet(value: value, count: count)
                merged = merged.map { $0.merged(with: set) } ?? set
            }
            guard let merged else { return nil }
            statistics = merged
        default:
            throw CloudWatchErrors.combination("At least one of the parameters \(datum.name("Value")), "
                + "\(datum.name("StatisticValues")) or \(datum.name("Values")) must be specified.")
        }
        return MetricPoint(key: MetricKey(namespace: namespace, name: name, dimensions: dimensions), timestamp: timestamp,
                           statistics: statistics, unit: unit, resolution: resolution)
    }

    /// A required, finite value within CloudWatch's range.
    static func value(_ input: CloudWatchInput, _ key: String) throws(AWSError) -> Double {
        guard let value = try input.double(key) else { throw CloudWatchErrors.missing(input.name(key)) }
        return try checked(value, input.name(key))
    }

    static func checked(_ value: Double, _ name: String) throws(AWSError) -> Double {
        let magnitude = abs(value)
        guard value.isFinite, magnitude <= largestValue, value == 0 || magnitude >= smallestValue else {
            let shown = value.isNaN ? "NaN" : (value.isInfinite ? (value < 0 ? "-Infinity" : "Infinity") : JSONValue.number(value).serialized)
            throw CloudWatchErrors.invalid("The value \(shown) for parameter \(name) is invalid.")
        }
        return value
    }

    // MARK: - Shared by every operation

    /// `Namespace`: 1 to 255 characters, not starting with a colon, and not `AWS/...` (reserved for
    /// AWS's own services) when writing.
    static func namespace(_ input: CloudWatchInput, required: Bool, writing: Bool = true) throws(AWSError) -> String? {
        guard let namespace = try input.string("Namespace", length: 1...255) else {
            if required { throw CloudWatchErrors.missing(input.name("Namespace")) }
            return nil
        }
        if namespace.hasPrefix(":") || (writing && namespace.hasPrefix("AWS/")) {
            throw CloudWatchErrors.invalid("The value \(namespace) for parameter \(input.name("Namespace")) is invalid.")
        }
        return namespace
    }

    /// `Dimensions`: at most 30, each with a Name (1-255) and a Value (1-1024), names not repeated.
    static func dimensions(_ input: CloudWatchInput) throws(AWSError) -> [MetricDimension] {
        var dimensions: [MetricDimension] = []
        for item in try input.list("Dimensions", max: maximumDimensions) {
            guard let name = try item.string("Name", length: 1...255) else { throw CloudWatchErrors.missing(item.name("Name")) }
            guard let value = try item.string("Value", length: 1...1024) else { throw CloudWatchErrors.missing(item.name("Value")) }
            if dimensions.contains(where: { $0.name == name }) {
                throw CloudWatchErrors.invalid("The dimension \(name) is given more than once in \(input.name("Dimensions")).")
            }
            dimensions.append(MetricDimension(name: name, value: value))
        }
        return dimensions
    }

    static func unit(_ input: CloudWatchInput, _ key: String) throws(AWSError) -> String? {
        guard let unit = try input.string(key) else { return nil }
        guard units.contains(unit) else { throw CloudWatchErrors.invalid("The value \(unit) for parameter \(input.name(key)) is invalid.") }
        return unit
    }
}
