/// Something that happened to a training job, as the runtime reports it.
public enum TrainingJobEvent: Sendable, Equatable {
    /// Starting: "Launching requested ML instances".
    case launching
    /// Pending: waiting for capacity, with the reason.
    case pending(String)
    /// Downloading: "Downloading input data".
    case downloading
    /// Training: "Training image download completed. Training in progress." Sets `trainingStartTime`.
    case training
    /// Uploading: "Uploading generated training model".
    case uploading
    /// Completed/Completed: "Training job completed".
    case completed
    /// Failed/Failed: "Training job failed"; the reason becomes `FailureReason` (1024 characters at most).
    case failed(reason: String)
    /// Stopping/Stopping: "Stopping the training job" (StopTrainingJob).
    case stopRequested
    /// Stopped, with secondary Stopped, MaxRuntimeExceeded or MaxWaitTimeExceeded.
    case stopped(cause: StopCause)
    /// InProgress/Interrupted: a spot instance was reclaimed.
    case interrupted(String)
    /// InProgress/Restarting: a retry (RetryStrategy) or a restart after an interruption.
    case restarting(String)
    /// New metric values: each replaces the last value of its metric in `FinalMetricDataList`.
    case metrics([MetricValue])
}

public enum StopCause: String, Codable, Sendable {
    case user
    case maxRuntime
    case maxWait
}

extension TrainingJob {
    public static let maximumFailureReasonLength = 1024
    public static let maximumFinalMetrics = 40

    /// Applies a lifecycle event, enforcing the state machine; returns false (and changes nothing)
    /// when the event does not apply in the current state (`completed` after `stopped`, `training`
    /// twice), so late or duplicate reports are harmless.
    ///
    /// Each change of secondary status closes the current transition (its `EndTime`) and appends a
    /// new one. An event for the status the job is already in only updates that transition's message
    /// (Starting goes from "Starting the training job" to "Launching requested ML instances" as
    /// SageMaker's does), so the list never shows the same status twice in a row.
    public mutating func apply(_ event: TrainingJobEvent, at time: Double) -> Bool {
        switch event {
        case .metrics(let values):
            return record(values, at: time)
        case .stopRequested:
            guard status == .inProgress else { return false }
            status = .stopping
            return move(to: .stopping, "Stopping the training job", at: time)
        case .completed:
            guard (status == .inProgress && (secondaryStatus == .training || secondaryStatus == .uploading))
                || (status == .stopping && trainingStartTime != nil) else { return false }
            status = .completed
            return finish(.completed, "Training job completed", at: time)
        case .failed(let reason):
            guard status == .inProgress || status == .stopping else { return false }
            status = .failed
            failureReason = String(reason.prefix(TrainingJob.maximumFailureReasonLength))
            return finish(.failed, "Training job failed", at: time)
        case .stopped(let cause):
            guard status == .inProgress || status == .stopping else { return false }
            status = .stopped
            switch cause {
            case .user: return finish(.stopped, "Training job stopped", at: time)
            case .maxRuntime: return finish(.maxRuntimeExceeded, "Training job exceeded MaxRuntimeInSeconds provided", at: time)
            case .maxWait: return finish(.maxWaitTimeExceeded, "Training job exceeded MaxWaitTimeInSeconds provided", at: time)
            }
        case .launching:
            return advance(to: .starting, from: TrainingJob.beforeRunning, "Launching requested ML instances", at: time)
        case .pending(let message):
            return advance(to: .pending, from: TrainingJob.beforeRunning, message, at: time)
        case .downloading:
            return advance(to: .downloading, from: TrainingJob.beforeRunning, "Downloading input data", at: time)
        case .training:
            let moved = advance(to: .training, from: TrainingJob.beforeRunning.union([.downloading]),
                                "Training image download completed. Training in progress.", at: time)
            if moved && trainingStartTime == nil { trainingStartTime = time }
            return moved
        case .uploading:
            return advance(to: .uploading, from: [.training], "Uploading generated training model", at: time)
        case .interrupted(let message):
            return advance(to: .interrupted, from: TrainingJob.inProgressStatuses, message, at: time)
        case .restarting(let message):
            return advance(to: .restarting, from: TrainingJob.inProgressStatuses, message, at: time)
        }
    }

    /// Secondary statuses before the job's code runs (the first attempt, or a restart).
    static let beforeRunning: Set<SecondaryStatus> = [.starting, .pending, .interrupted, .restarting]
    static let inProgressStatuses: Set<SecondaryStatus> = [.starting, .pending, .downloading, .training, .uploading,
                                                           .interrupted, .restarting, .updating]

    /// An InProgress step: allowed from `sources`, or as a message update of the current status.
    private mutating func advance(to target: SecondaryStatus, from sources: Set<SecondaryStatus>, _ message: String,
                                  at time: Double) -> Bool {
        guard status == .inProgress, secondaryStatus == target || sources.contains(secondaryStatus) else { return false }
        return move(to: target, message, at: time)
    }

    private mutating func move(to target: SecondaryStatus, _ message: String, at time: Double) -> Bool {
        if secondaryStatus == target, let last = transitions.indices.last, transitions[last].status == target {
            guard transitions[last].statusMessage != message else { return false }
            transitions[last].statusMessage = message
        } else {
            if let last = transitions.indices.last, transitions[last].endTime == nil { transitions[last].endTime = time }
            transitions.append(StatusTransition(status: target, startTime: time, statusMessage: message))
            secondaryStatus = target
        }
        lastModifiedTime = time
        return true
    }

    /// The terminal transition (which, as SageMaker's, ends when it starts) and the job's times.
    private mutating func finish(_ target: SecondaryStatus, _ message: String, at time: Double) -> Bool {
        _ = move(to: target, message, at: time)
        if let last = transitions.indices.last { transitions[last].endTime = time }
        trainingEndTime = time
        if let start = trainingStartTime {
            let seconds = max(1, Int((time - start).rounded()))
            trainingTimeSeconds = seconds
            billableTimeSeconds = spec.managedSpot ? min(seconds, max(1, Int(runningSeconds(until: time).rounded()))) : seconds
        }
        return true
    }

    /// Time spent on instances (downloading, training, uploading), leaving out waits for capacity and
    /// interruptions: what a spot job is billed for. The runtime may refine it (e.g. by price).
    func runningSeconds(until time: Double) -> Double {
        transitions.reduce(0) { total, transition in
            guard [.downloading, .training, .uploading].contains(transition.status) else { return total }
            return total + max(0, (transition.endTime ?? time) - transition.startTime)
        }
    }

    /// Keeps the latest value of each metric (by timestamp; a late, older value is ignored), in the
    /// order metrics were first seen, at most 40 metrics.
    private mutating func record(_ values: [MetricValue], at time: Double) -> Bool {
        var changed = false
        for value in values {
            if let index = finalMetrics.firstIndex(where: { $0.metricName == value.metricName }) {
                guard value.timestamp >= finalMetrics[index].timestamp, value != finalMetrics[index] else { continue }
                finalMetrics[index] = value
            } else {
                guard finalMetrics.count < TrainingJob.maximumFinalMetrics else { continue }
                finalMetrics.append(value)
            }
            changed = true
        }
        if changed { lastModifiedTime = max(lastModifiedTime, time) }
        return changed
    }
}
