import AnnealAWS
import AnnealCore
import AnnealRuntime
import AnnealServices
import AnnealStore
import Foundation

/// The internal API workers call (`AnnealWorker_20261204.*`): their assignment, and what happens to
/// their instance. Signed and authorised like every other request.
final class WorkerEndpoint: JSONService, @unchecked Sendable {
    let name = "worker"
    let targetPrefix = WorkerProtocol.targetPrefix
    let wire = AWSProtocol.json11
    private let lock = NSLock()
    private var attached: Supervisor?
    /// Where the algorithm metrics workers report are stored as CloudWatch datapoints.
    private let metrics: MetricStore?
    /// Seconds between utilisation samples, handed to workers with their assignment.
    private let metricsPeriodSeconds: Double?

    init(metrics: MetricStore? = nil, metricsPeriodSeconds: Double? = nil) {
        self.metrics = metrics
        self.metricsPeriodSeconds = metricsPeriodSeconds
    }

    func attach(_ supervisor: Supervisor) { lock.withLock { attached = supervisor } }

    private var supervisor: Supervisor {
        get throws(AWSError) {
            guard let supervisor = lock.withLock({ attached }) else { throw AWSError("ServiceUnavailable", "starting up", status: 503) }
            return supervisor
        }
    }

    /// Workers act on one job: their session may name no other.
    private func jobARN(_ name: String, _ context: CallContext) -> String {
        "arn:aws:sagemaker:\(context.region):\(context.principal.accountID):training-job/\(name.lowercased())"
    }

    func handle(operation: String, body: [UInt8], context: CallContext) throws(AWSError) -> [UInt8] {
        switch operation {
        case "GetAssignment":
            let request = try decode(WorkerProtocol.AssignmentRequest.self, body)
            try context.authorize("anneal:GetWorkerAssignment", resource: jobARN(request.TrainingJobName, context))
            guard let job = try supervisor.assignment(request.TrainingJobName) else {
                throw AWSError.validation("Requested resource not found.")
            }
            // WorkerProtocol.Assignment, with the spec's JSON as the job's document already holds it.
            let spec: String
            do { spec = try TrainingJobStore.specJSON(job) } catch { throw AWSError.internalFailure("cannot write the reply: \(error)") }
            var rest = "\"TrainingJobArn\":" + JSONText.quote(job.arn)
            if let period = metricsPeriodSeconds { rest += ",\"MetricsPeriodSeconds\":\(period)" }
            return Array(("{\"Spec\":" + spec + "," + rest + "}").utf8)
        case "ReportProgress":
            let progress = try decode(WorkerProtocol.Progress.self, body)
            try context.authorize("anneal:ReportWorkerProgress", resource: jobARN(progress.TrainingJobName, context))
            // Datapoints first: FinalMetricDataList (the supervisor's part) must never show a value
            // that GetMetricStatistics cannot.
            if progress.Event == "metrics", let points = progress.Metrics, !points.isEmpty, let metrics {
                do { try metrics.put(AlgorithmMetrics.points(job: progress.TrainingJobName, points), at: AlgorithmMetrics.now()) } catch {
                    throw AWSError("ServiceUnavailable", "cannot store the metrics: \(error)", status: 503, senderFault: false)
                }
            }
            try supervisor.report(progress)
            return Array("{}".utf8)
        default:
            throw AWSError.unknownOperation("\(targetPrefix).\(operation)")
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws(AWSError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(body)) } catch {
            throw AWSError.serialization("cannot read the request: \(error)")
        }
    }
}

/// Algorithm metrics (the job's `MetricDefinitions` matched in its log lines) as CloudWatch
/// datapoints where `TrainingJobAnalytics` reads them: namespace `/aws/sagemaker/TrainingJobs`,
/// dimension `TrainingJobName`.
enum AlgorithmMetrics {
    static let namespace = "/aws/sagemaker/TrainingJobs"

    static func points(job: String, _ reported: [WorkerProtocol.MetricPoint]) -> [MetricPoint] {
        reported.filter { $0.Value.isFinite && $0.Timestamp.isFinite }.map { point in
            MetricPoint(key: MetricKey(namespace: namespace, name: point.MetricName,
                                       dimensions: [MetricDimension(name: "TrainingJobName", value: job)]),
                        timestamp: Int64((point.Timestamp * 1000).rounded()), statistics: StatisticSet(value: point.Value),
                        unit: "None", resolution: 1)
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
