import AnnealCore
import AnnealRuntime
import AnnealStore
import Foundation
import Synchronization

/// The tuner the SageMaker API wakes when a tuning job is created or stopped; attached once the
/// supervisor exists (the tuner launches and stops training jobs through it).
final class DeferredTuner: Sendable {
    private let tuner = Mutex<Tuner?>(nil)

    func wake() { tuner.withLock { $0 }?.wake() }

    /// Builds the tuner over the stores and the supervisor, and starts it.
    func start(tuningJobs: TuningJobStore, trainingJobs: TrainingJobStore, metrics: MetricStore, supervisor: Supervisor,
               accountID: String, region: String, note: @escaping @Sendable (String, [(String, String)]) -> Void) {
        let dependencies = Tuner.Dependencies(
            tuningJobs: tuningJobs, trainingJobs: trainingJobs, accountID: accountID, region: region,
            strategy: { strategy, ranges in TuningStrategies.make(strategy, ranges: ranges) },
            stoppingRule: { spec in TuningStrategies.stoppingRule(spec) },
            series: { job, metric in
                let key = MetricKey(namespace: "/aws/sagemaker/TrainingJobs", name: metric,
                                    dimensions: [MetricDimension(name: "TrainingJobName", value: job)])
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let buckets = (try? metrics.buckets(key, start: 0, end: now + 3_600_000, periodMilliseconds: 1)) ?? []
                return buckets.map { $0.statistics.sum / max(1, $0.statistics.sampleCount) }
            },
            launch: { name in DispatchQueue.global().async { supervisor.launch(name) } },
            stop: { name in supervisor.stop(name, cause: .user) },
            note: note)
        let started = Tuner(dependencies)
        tuner.withLock { $0 = started }
        started.start()
    }
}
