import AnnealCore
import Synchronization

/// One dimension of a metric: a name/value pair.
public struct MetricDimension: Sendable, Hashable, Comparable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public static func < (a: MetricDimension, b: MetricDimension) -> Bool { (a.name, a.value) < (b.name, b.value) }
}

/// What names a series: namespace, metric name and dimensions (kept sorted, so the order a
/// client sent them in does not matter).
public struct MetricKey: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public private(set) var dimensions: [MetricDimension]

    public init(namespace: String, name: String, dimensions: [MetricDimension] = []) {
        self.namespace = namespace
        self.name = name
        self.dimensions = dimensions.sorted()
    }

    /// The stored form of the dimensions: a JSON object, names in order.
    public var dimensionKey: String {
        "{" + dimensions.map { JSONText.quote($0.name) + ":" + JSONText.quote($0.value) }.joined(separator: ",") + "}"
    }

    static func dimensions(fromKey key: String) -> [MetricDimension] {
        guard case .object(let members)? = try? JSONValue.parse(key) else { return [] }
        return members.compactMap { name, value in value.string.map { MetricDimension(name: name, value: $0) } }.sorted()
    }
}

/// SampleCount, Sum, Minimum and Maximum of some values: what every point is stored as.
public struct StatisticSet: Sendable, Equatable {
    public var sampleCount: Double
    public var sum: Double
    public var minimum: Double
    public var maximum: Double

    public init(sampleCount: Double, sum: Double, minimum: Double, maximum: Double) {
        self.sampleCount = sampleCount
        self.sum = sum
        self.minimum = minimum
        self.maximum = maximum
    }

    /// One value seen `count` times.
    public init(value: Double, count: Double = 1) {
        self.init(sampleCount: count, sum: value * count, minimum: value, maximum: value)
    }

    public var average: Double { sampleCount > 0 ? sum / sampleCount : 0 }

    /// The set of both sets' values.
    public func merged(with other: StatisticSet) -> StatisticSet {
        StatisticSet(sampleCount: sampleCount + other.sampleCount, sum: sum + other.sum,
                     minimum: Swift.min(minimum, other.minimum), maximum: Swift.max(maximum, other.maximum))
    }
}

/// One datapoint as PutMetricData delivers it. Times are epoch milliseconds.
public struct MetricPoint: Sendable, Equatable {
    public var key: MetricKey
    public var timestamp: Int64
    public var statistics: StatisticSet
    /// A CloudWatch `StandardUnit`; `None` when the client gave none.
    public var unit: String
    /// `StorageResolution`: 1 (high resolution) or 60.
    public var resolution: Int

    public init(key: MetricKey, timestamp: Int64, statistics: StatisticSet, unit: String = "None", resolution: Int = 60) {
        self.key = key
        self.timestamp = timestamp
        self.statistics = statistics
        self.unit = unit
        self.resolution = resolution
    }
}

/// The aggregate of one period: its start (epoch milliseconds), the unit its points carried, and
/// their statistics.
public struct MetricBucket: Sendable, Equatable {
    public var timestamp: Int64
    public var unit: String
    public var statistics: StatisticSet

    public init(timestamp: Int64, unit: String, statistics: StatisticSet) {
        self.timestamp = timestamp
        self.unit = unit
        self.statistics = statistics
    }
}

/// A series as ListMetrics shows it, with the cursor that continues after it.
public struct MetricSeries: Sendable, Equatable {
    public var id: Int64
    public var key: MetricKey
    public var lastPoint: Int64
}

/// CloudWatch metrics in the platform's SQLite database: series and their points.
///
/// Every call is one transaction, and blocks: call it from server threads or a queue of its own.
public final class MetricStore: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Stores points in one transaction; returns how many.
    @discardableResult
    public func put(_ points: [MetricPoint], at now: Int64) throws(StoreError) -> Int {
        guard !points.isEmpty else { return 0 }
        return try database.write(durability: .process) { conn throws(StoreError) -> Int in
            var series: [MetricKey: Int64] = [:]
            for point in points where series[point.key] == nil {
                let latest = points.lazy.filter { $0.key == point.key }.map(\.timestamp).max() ?? point.timestamp
                let row = try conn.query("""
                    INSERT INTO metric_series (namespace, name, dimensions, created_at, last_point) VALUES (?1, ?2, ?3, ?4, ?5)
                    ON CONFLICT (namespace, name, dimensions) DO UPDATE SET last_point = max(last_point, excluded.last_point)
                    RETURNING id
                    """, [.text(point.key.namespace), .text(point.key.name), .text(point.key.dimensionKey), .integer(now), .integer(latest)])
                guard let id = row.first?["id"].int else { throw StoreError(.sql, "the metric series was not stored") }
                series[point.key] = id
            }
            var index = 0
            var parameters: [SQLiteValue] = []
            while index < points.count {
                let remaining = points.count - index
                let rows = remaining >= MetricStore.insertRows
                    ? MetricStore.insertRows : 1 << (Int.bitWidth - 1 - remaining.leadingZeroBitCount)
                parameters.removeAll(keepingCapacity: true)
                for point in points[index..<(index + rows)] {
                    parameters += [.integer(series[point.key] ?? 0), .integer(point.timestamp), .real(point.statistics.sampleCount),
                                   .real(point.statistics.sum), .real(point.statistics.minimum), .real(point.statistics.maximum),
                                   .text(point.unit), .integer(Int64(point.resolution))]
                }
                try conn.run(MetricStore.insertSQL[rows.trailingZeroBitCount], parameters)
                index += rows
            }
            return points.count
        }
    }

    /// Series of a namespace (or all), with a metric name (or any), that have every filter's
    /// dimension (with its value, when the filter has one), in id order after `after`.
    /// `activeSince` keeps the series with a point stamped at or after it.
    public func series(namespace: String?, name: String?, filters: [(name: String, value: String?)], activeSince: Int64? = nil,
                       after: Int64?, limit: Int) throws(StoreError) -> [MetricSeries] {
        var sql = "SELECT id, namespace, name, dimensions, last_point FROM metric_series WHERE id > ?"
        var parameters: [SQLiteValue] = [.integer(after ?? 0)]
        if let activeSince {
            sql += " AND last_point >= ?"
            parameters.append(.integer(activeSince))
        }
        if let namespace {
            sql += " AND namespace = ?"
            parameters.append(.text(namespace))
        }
        if let name {
            sql += " AND name = ?"
            parameters.append(.text(name))
        }
        for filter in filters {
            if let value = filter.value {
                sql += " AND EXISTS (SELECT 1 FROM json_each(dimensions) WHERE key = ? AND value = ?)"
                parameters += [.text(filter.name), .text(value)]
            } else {
                sql += " AND EXISTS (SELECT 1 FROM json_each(dimensions) WHERE key = ?)"
                parameters.append(.text(filter.name))
            }
        }
        sql += " ORDER BY id LIMIT ?"
        parameters.append(.integer(Int64(max(limit, 0))))
        return try database.read { conn throws(StoreError) in
            try conn.query(sql, parameters).map { row in
                MetricSeries(id: row["id"].int ?? 0,
                             key: MetricKey(namespace: row["namespace"].string ?? "", name: row["name"].string ?? "",
                                            dimensions: MetricKey.dimensions(fromKey: row["dimensions"].string ?? "{}")),
                             lastPoint: row["last_point"].int ?? 0)
            }
        }
    }

    /// The points of one series (dimensions matched exactly) within [start, end), aggregated over
    /// periods that start at `start`, oldest first; one bucket per period and unit. `unit` keeps
    /// only the points stored with it. An unknown series has no buckets.
    public func buckets(_ key: MetricKey, start: Int64, end: Int64, periodMilliseconds: Int64,
                        unit: String? = nil) throws(StoreError) -> [MetricBucket] {
        guard periodMilliseconds > 0, end > start else { return [] }
        var sql = """
            SELECT (p.timestamp - ?1) / ?2 AS bucket, p.unit AS unit, sum(p.sample_count) AS n, sum(p.sum) AS total,
                   min(p.minimum) AS low, max(p.maximum) AS high
            FROM metric_points p JOIN metric_series s ON s.id = p.series_id
            WHERE s.namespace = ?3 AND s.name = ?4 AND s.dimensions = ?5 AND p.timestamp >= ?1 AND p.timestamp < ?6
            """
        var parameters: [SQLiteValue] = [.integer(start), .integer(periodMilliseconds), .text(key.namespace), .text(key.name),
                                          .text(key.dimensionKey), .integer(end)]
        if let unit {
            sql += " AND p.unit = ?7"
            parameters.append(.text(unit))
        }
        sql += " GROUP BY bucket, p.unit ORDER BY bucket, p.unit"
        return try database.read { conn throws(StoreError) in
            try conn.query(sql, parameters).map { row in
                MetricBucket(timestamp: start + (row["bucket"].int ?? 0) * periodMilliseconds, unit: row["unit"].string ?? "None",
                             statistics: StatisticSet(sampleCount: row["n"].double ?? 0, sum: row["total"].double ?? 0,
                                                      minimum: row["low"].double ?? 0, maximum: row["high"].double ?? 0))
            }
        }
    }

    /// Points ever stored (retention does not lower it): the highest point id handed out.
    public func ingestedPoints() throws(StoreError) -> Int64 {
        try database.read { conn throws(StoreError) in
            try conn.query("SELECT seq FROM sqlite_sequence WHERE name = 'metric_points'").first?["seq"].int ?? 0
        }
    }

    /// Rows per INSERT statement, and the statements for 1, 2, 4, ... `insertRows` rows.
    static let insertRows = 64
    static let insertSQL: [String] = (0...insertRows.trailingZeroBitCount).map { power in
        "INSERT INTO metric_points (series_id, timestamp, sample_count, sum, minimum, maximum, unit, resolution) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: 1 << power).joined(separator: ", ")
    }
}
