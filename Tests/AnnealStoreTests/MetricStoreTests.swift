import Foundation
import Testing
@testable import AnnealStore

private func makeStore() throws -> (MetricStore, Database) {
    let database = try Database(path: temporaryDirectory() + "/metrics.db")
    return (MetricStore(database: database), database)
}

private let job = MetricKey(namespace: "/aws/sagemaker/TrainingJobs", name: "loss",
                            dimensions: [MetricDimension(name: "TrainingJobName", value: "j1")])

@Suite struct MetricStoreTests {
    @Test func dimensionsInAnyOrderNameOneSeries() {
        let a = MetricKey(namespace: "n", name: "m", dimensions: [.init(name: "b", value: "2"), .init(name: "a", value: "1")])
        let b = MetricKey(namespace: "n", name: "m", dimensions: [.init(name: "a", value: "1"), .init(name: "b", value: "2")])
        #expect(a == b)
        #expect(a.dimensionKey == #"{"a":"1","b":"2"}"#)
        #expect(MetricKey.dimensions(fromKey: a.dimensionKey) == a.dimensions)
        let quoted = MetricKey(namespace: "n", name: "m", dimensions: [.init(name: "q\"", value: "v\\")])
        #expect(MetricKey.dimensions(fromKey: quoted.dimensionKey) == quoted.dimensions)
    }

    @Test func bucketsAggregateStatisticSetsPerPeriodAndUnit() throws {
        let (store, _) = try makeStore()
        let points = [
            MetricPoint(key: job, timestamp: 60_000, statistics: StatisticSet(value: 4), unit: "None"),
            MetricPoint(key: job, timestamp: 119_999, statistics: StatisticSet(value: 2, count: 3), unit: "None"),
            MetricPoint(key: job, timestamp: 120_000, statistics: StatisticSet(sampleCount: 2, sum: 10, minimum: 1, maximum: 9)),
            MetricPoint(key: job, timestamp: 125_000, statistics: StatisticSet(value: 100), unit: "Percent"),
            // Outside the window, and another series.
            MetricPoint(key: job, timestamp: 240_000, statistics: StatisticSet(value: 1000)),
            MetricPoint(key: MetricKey(namespace: job.namespace, name: "loss"), timestamp: 60_000, statistics: StatisticSet(value: -1)),
        ]
        #expect(try store.put(points, at: 1) == 6)
        let buckets = try store.buckets(job, start: 60_000, end: 240_000, periodMilliseconds: 60_000)
        #expect(buckets == [
            MetricBucket(timestamp: 60_000, unit: "None", statistics: StatisticSet(sampleCount: 4, sum: 10, minimum: 2, maximum: 4)),
            MetricBucket(timestamp: 120_000, unit: "None", statistics: StatisticSet(sampleCount: 2, sum: 10, minimum: 1, maximum: 9)),
            MetricBucket(timestamp: 120_000, unit: "Percent", statistics: StatisticSet(value: 100)),
        ])
        #expect(buckets[0].statistics.average == 2.5)
        let percent = try store.buckets(job, start: 0, end: 1_000_000, periodMilliseconds: 1_000_000, unit: "Percent")
        #expect(percent.map(\.statistics.sum) == [100])
        #expect(try store.buckets(job, start: 0, end: 59_999, periodMilliseconds: 1000).isEmpty)
        #expect(try store.ingestedPoints() == 6)
    }

    @Test func seriesAreListedByFiltersAndPaged() throws {
        let (store, _) = try makeStore()
        var points: [MetricPoint] = []
        for index in 0..<5 {
            let key = MetricKey(namespace: "App", name: "m\(index)", dimensions: [.init(name: "Shard", value: String(index % 2)),
                                                                               .init(name: "Env", value: "prod")])
            points.append(MetricPoint(key: key, timestamp: Int64(index) * 1000, statistics: StatisticSet(value: 1)))
        }
        points.append(MetricPoint(key: MetricKey(namespace: "Other", name: "m0"), timestamp: 0, statistics: StatisticSet(value: 1)))
        try store.put(points, at: 0)
        try store.put([points[0]], at: 10)  // a second point of an existing series makes no new series
        #expect(try store.series(namespace: "App", name: nil, filters: [], after: nil, limit: 10).count == 5)
        #expect(try store.series(namespace: nil, name: "m0", filters: [], after: nil, limit: 10).count == 2)
        let odd = try store.series(namespace: "App", name: nil, filters: [("Shard", "1")], after: nil, limit: 10)
        #expect(odd.map(\.key.name) == ["m1", "m3"])
        #expect(try store.series(namespace: "App", name: nil, filters: [("Env", nil), ("Shard", "0")], after: nil, limit: 10).count == 3)
        #expect(try store.series(namespace: "App", name: nil, filters: [("Nope", nil)], after: nil, limit: 10).isEmpty)
        let first = try store.series(namespace: "App", name: nil, filters: [], after: nil, limit: 2)
        let rest = try store.series(namespace: "App", name: nil, filters: [], after: first.last?.id, limit: 10)
        #expect((first + rest).map(\.key.name) == ["m0", "m1", "m2", "m3", "m4"])
        #expect(try store.series(namespace: "App", name: nil, filters: [], activeSince: 3000, after: nil, limit: 10).map(\.key.name) == ["m3", "m4"])
    }

    @Test func purgeDeletesOldPointsAndEmptySeries() throws {
        let (store, _) = try makeStore()
        let other = MetricKey(namespace: "App", name: "old")
        let points = (0..<25).map { MetricPoint(key: job, timestamp: Int64($0) * 1000, statistics: StatisticSet(value: Double($0))) }
            + [MetricPoint(key: other, timestamp: 500, statistics: StatisticSet(value: 1))]
        try store.put(points, at: 0)
        #expect(try store.purge(before: 10_000, batch: 4) == 11)
        let left = try store.buckets(job, start: 0, end: 100_000, periodMilliseconds: 100_000)
        #expect(left.map(\.statistics.sampleCount) == [15])
        #expect(left.map(\.statistics.minimum) == [10])
        #expect(try store.series(namespace: nil, name: nil, filters: [], after: nil, limit: 10).map(\.key.name) == ["loss"])
        #expect(try store.ingestedPoints() == 26)
        #expect(try store.purge(before: 10_000) == 0)
    }
}
