import AnnealStore

/// The platform's own state for `/metrics`: jobs by status, the queue, instances in use, and what
/// the log and metric stores have ingested. Read from the database at each scrape, so the figures
/// survive restarts and agree with what the APIs show.
public enum PlatformGauges {
    public typealias Gauge = (name: String, help: String, value: Double)

    /// Statuses shown even when no job has them, so a dashboard's series never disappear.
    static let statuses = ["InProgress", "Completed", "Failed", "Stopping", "Stopped"]

    public static func read(jobs: TrainingJobStore, logs: LogStore, metrics: MetricStore) -> [Gauge] {
        var gauges: [Gauge] = []
        if let counts = try? jobs.counts() {
            for status in Set(statuses).union(counts.byStatus.keys).sorted() {
                gauges.append(("anneal_training_jobs{status=\"\(status)\"}", "Training jobs, by status.", Double(counts.byStatus[status] ?? 0)))
            }
            gauges.append(("anneal_training_jobs_pending", "Training jobs waiting for capacity (InProgress, Pending): the queue.",
                           Double(counts.pending)))
            gauges.append(("anneal_instances_in_use", "Training instances held by running or stopping jobs.", Double(counts.instancesInUse)))
        }
        if let events = try? logs.ingestedEvents() {
            gauges.append(("anneal_log_events_ingested_total", "Log events (lines) ever stored through PutLogEvents.", Double(events)))
        }
        if let points = try? metrics.ingestedPoints() {
            gauges.append(("anneal_metric_points_ingested_total", "CloudWatch datapoints ever stored.", Double(points)))
        }
        return gauges
    }
}
