import AnnealStore
import Foundation

/// Deletes what retention no longer keeps: log events past their group's retention
/// (PutRetentionPolicy) and CloudWatch datapoints older than the configured days. One pass at
/// start, then one every `interval`, on a thread of its own (the deletes block on SQLite).
public final class RetentionSchedule: Sendable {
    let logs: LogStore
    let metrics: MetricStore
    let metricRetentionDays: Int
    let interval: Int
    let clock: @Sendable () -> Int64
    let note: @Sendable (String, [(String, String)]) -> Void

    public init(logs: LogStore, metrics: MetricStore, metricRetentionDays: Int, interval: Int,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) },
                note: @escaping @Sendable (String, [(String, String)]) -> Void = { _, _ in }) {
        self.logs = logs
        self.metrics = metrics
        self.metricRetentionDays = metricRetentionDays
        self.interval = interval
        self.clock = clock
        self.note = note
    }

    /// One pass; returns what it deleted.
    @discardableResult
    public func runOnce() -> (events: Int, points: Int) {
        let now = clock()
        var events = 0
        var points = 0
        do { events = try logs.purge(before: now) } catch { note("retention_failed", [("store", "logs"), ("error", "\(error)")]) }
        do { points = try metrics.purge(before: now - Int64(metricRetentionDays) * 86_400_000) } catch {
            note("retention_failed", [("store", "metrics"), ("error", "\(error)")])
        }
        if events + points > 0 { note("retention_purged", [("log_events", String(events)), ("metric_points", String(points))]) }
        return (events, points)
    }

    public func start() {
        let thread = Thread { [self] in
            while true {
                runOnce()
                sleep(UInt32(interval))
            }
        }
        thread.name = "anneal-retention"
        thread.start()
    }
}
