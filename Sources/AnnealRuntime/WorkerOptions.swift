import Foundation

/// What `anneal worker` is started with (by an executor, never by hand).
public struct WorkerOptions: Sendable {
    public var jobName: String
    /// 1-based host index: this worker is `algo-<hostIndex>`.
    public var hostIndex: Int
    public var controlPlane: URL
    public var region: String
    /// This instance's `/opt/ml`.
    public var jobDirectory: String
    /// Where framework runtimes (virtual environments) are created and cached.
    public var runtimesDirectory: String
    /// Seconds between SIGTERM and SIGKILL for the training process.
    public var stopGraceSeconds: Int
    public var accessKeyID: String
    public var secret: String
    /// Seconds between passes that copy new checkpoint files to CheckpointConfig.S3Uri.
    public var checkpointSyncSeconds: Double = 5

    /// The session token of the job's session credentials (nil for a long-term key).
    public var sessionToken: String?

    /// Started by the Slurm executor (`--signals slurm`): Slurm signals every process of the job,
    /// so SIGTERM is the cluster taking the instance back (an interruption), SIGUSR2 is Anneal's
    /// stop, and the training process is started ignoring USR1/USR2 (and its sandbox ignoring TERM).
    public var clusterSignals = false

    /// The instance's directory is the worker's to make and to remove (`--own-directory`, the local
    /// executor): it is created at the start (taken over from `warmFrom`, a warm instance's directory,
    /// when that is given) and removed at the end unless the job keeps its instance warm. The control
    /// plane then does no file-system work per instance, as a cloud's does none on an instance's disk.
    public var ownsDirectory = false
    public var warmFrom: String?

    public init(jobName: String, hostIndex: Int, controlPlane: URL, region: String, jobDirectory: String,
                runtimesDirectory: String, stopGraceSeconds: Int, accessKeyID: String, secret: String, sessionToken: String? = nil) {
        self.sessionToken = sessionToken
        self.jobName = jobName
        self.hostIndex = hostIndex
        self.controlPlane = controlPlane
        self.region = region
        self.jobDirectory = jobDirectory
        self.runtimesDirectory = runtimesDirectory
        self.stopGraceSeconds = stopGraceSeconds
        self.accessKeyID = accessKeyID
        self.secret = secret
    }

    public var hostName: String { "algo-\(hostIndex)" }
}

/// The internal worker protocol: JSON over the same signed endpoint (`X-Amz-Target: AnnealWorker_20261204.<Op>`).
public enum WorkerProtocol {
    public static let targetPrefix = "AnnealWorker_20261204"
    public static let signingName = "sagemaker"

    public struct AssignmentRequest: Codable, Sendable {
        public var TrainingJobName: String
        public var HostIndex: Int
        public init(TrainingJobName: String, HostIndex: Int) {
            self.TrainingJobName = TrainingJobName
            self.HostIndex = HostIndex
        }
    }

    public struct Progress: Codable, Sendable {
        public var TrainingJobName: String
        public var HostIndex: Int
        /// downloading | training | uploading | completed | failed
        public var Event: String
        public var FailureReason: String?
        public var Metrics: [MetricPoint]?
        public init(TrainingJobName: String, HostIndex: Int, Event: String, FailureReason: String? = nil, Metrics: [MetricPoint]? = nil) {
            self.TrainingJobName = TrainingJobName
            self.HostIndex = HostIndex
            self.Event = Event
            self.FailureReason = FailureReason
            self.Metrics = Metrics
        }
    }

    public struct MetricPoint: Codable, Sendable, Equatable {
        public var MetricName: String
        public var Value: Double
        public var Timestamp: Double
        public init(MetricName: String, Value: Double, Timestamp: Double) {
            self.MetricName = MetricName
            self.Value = Value
            self.Timestamp = Timestamp
        }
    }

    public struct Empty: Codable, Sendable { public init() {} }
}

import AnnealCore

extension WorkerProtocol {
    public struct Assignment: Codable, Sendable {
        public var Spec: TrainingJobSpec
        public var TrainingJobArn: String
        /// `anneal serve --worker-metrics-period`: how often the worker samples utilisation.
        public var MetricsPeriodSeconds: Double?
        public init(Spec: TrainingJobSpec, TrainingJobArn: String, MetricsPeriodSeconds: Double? = nil) {
            self.Spec = Spec
            self.TrainingJobArn = TrainingJobArn
            self.MetricsPeriodSeconds = MetricsPeriodSeconds
        }
    }
}
