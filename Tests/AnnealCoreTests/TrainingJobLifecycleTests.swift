import Testing
@testable import AnnealCore

private func makeSpec(name: String = "Sk-Job-1", spot: Bool = false, compression: String = "GZIP",
              output: String = "s3://my-bucket/") -> TrainingJobSpec {
    TrainingJobSpec(name: name, request: ["TrainingJobName": .string(name)], roleARN: "arn:aws:iam::123456789012:role/R",
                    trainingImage: "image", inputMode: "File", outputS3Path: output, outputCompression: compression,
                    instanceType: "ml.m5.large", maxWaitSeconds: spot ? 7200 : nil, managedSpot: spot)
}

private func newJob(spot: Bool = false, at time: Double = 1000) -> TrainingJob {
    TrainingJob.new(spec: makeSpec(spot: spot), accountID: "123456789012", region: "us-west-2", at: time)
}

/// Applies events one second apart from `start`; returns whether each applied.
@discardableResult
private func run(_ job: inout TrainingJob, _ events: [TrainingJobEvent], from start: Double = 1001) -> [Bool] {
    events.enumerated().map { job.apply($0.element, at: start + Double($0.offset)) }
}

/// `job.apply(...)`, callable inside `#expect` (which cannot call a mutating method itself).
private func applied(_ job: inout TrainingJob, _ event: TrainingJobEvent, at time: Double) -> Bool {
    job.apply(event, at: time)
}

@Suite struct TrainingJobLifecycleTests {
    @Test func aNewJobIsStarting() {
        let job = newJob()
        #expect(job.arn == "arn:aws:sagemaker:us-west-2:123456789012:training-job/sk-job-1")
        #expect(job.status == .inProgress && job.secondaryStatus == .starting)
        #expect(job.transitions == [StatusTransition(status: .starting, startTime: 1000, statusMessage: "Starting the training job")])
        #expect(job.creationTime == 1000 && job.lastModifiedTime == 1000)
        #expect(job.modelArtifacts == "s3://my-bucket/Sk-Job-1/output/model.tar.gz")
        #expect(job.trainingStartTime == nil && job.trainingEndTime == nil && job.trainingTimeSeconds == nil)
    }

    @Test(arguments: [
        ("s3://b", "GZIP", "s3://b/j/output/model.tar.gz"),
        ("s3://b/prefix//", "GZIP", "s3://b/prefix/j/output/model.tar.gz"),
        ("s3://b/prefix", "NONE", "s3://b/prefix/j/output/model/"),
    ])
    func modelArtifacts(output: String, compression: String, expected: String) {
        #expect(TrainingJob.modelArtifacts(outputPath: output, name: "j", compression: compression) == expected)
    }

    @Test func theHappyPath() {
        var job = newJob()
        let applied = run(&job, [.launching, .downloading, .training, .uploading, .completed], from: 1001)
        #expect(applied == [true, true, true, true, true])
        #expect(job.status == .completed && job.secondaryStatus == .completed)
        // Launching updates the Starting transition's message rather than repeating Starting.
        #expect(job.transitions == [
            StatusTransition(status: .starting, startTime: 1000, endTime: 1002, statusMessage: "Launching requested ML instances"),
            StatusTransition(status: .downloading, startTime: 1002, endTime: 1003, statusMessage: "Downloading input data"),
            StatusTransition(status: .training, startTime: 1003, endTime: 1004,
                             statusMessage: "Training image download completed. Training in progress."),
            StatusTransition(status: .uploading, startTime: 1004, endTime: 1005, statusMessage: "Uploading generated training model"),
            StatusTransition(status: .completed, startTime: 1005, endTime: 1005, statusMessage: "Training job completed"),
        ])
        #expect(job.trainingStartTime == 1003 && job.trainingEndTime == 1005)
        #expect(job.trainingTimeSeconds == 2 && job.billableTimeSeconds == 2)
        #expect(job.lastModifiedTime == 1005)
    }

    @Test func billableTimeIsAtLeastOneSecond() {
        var job = newJob()
        _ = job.apply(.training, at: 1000.2)
        _ = job.apply(.completed, at: 1000.3)
        #expect(job.trainingTimeSeconds == 1 && job.billableTimeSeconds == 1)
    }

    @Test func pendingWaitsForCapacityWithItsReason() {
        var job = newJob()
        #expect(applied(&job, .pending("Waiting for ml.m5.large capacity"), at: 1001))
        #expect(job.secondaryStatus == .pending && job.transitions.last?.statusMessage == "Waiting for ml.m5.large capacity")
        #expect(!applied(&job, .pending("Waiting for ml.m5.large capacity"), at: 1002))
        #expect(applied(&job, .pending("Still waiting"), at: 1003))
        #expect(job.transitions.count == 2 && job.transitions[1].statusMessage == "Still waiting")
        #expect(applied(&job, .launching, at: 1004) && applied(&job, .downloading, at: 1005))
        #expect(job.transitions.map(\.status) == [.starting, .pending, .starting, .downloading])
    }

    @Test func stopByTheUser() {
        var job = newJob()
        run(&job, [.launching, .downloading, .training])
        #expect(applied(&job, .stopRequested, at: 2000))
        #expect(job.status == .stopping && job.secondaryStatus == .stopping)
        #expect(job.transitions.last?.statusMessage == "Stopping the training job")
        #expect(!applied(&job, .stopRequested, at: 2001))
        #expect(!applied(&job, .training, at: 2001), "no InProgress step while stopping")
        #expect(applied(&job, .stopped(cause: .user), at: 2010))
        #expect(job.status == .stopped && job.secondaryStatus == .stopped)
        #expect(job.transitions.last == StatusTransition(status: .stopped, startTime: 2010, endTime: 2010, statusMessage: "Training job stopped"))
        #expect(job.trainingEndTime == 2010 && job.trainingTimeSeconds == 2010 - 1003)
    }

    @Test(arguments: [
        (StopCause.user, SecondaryStatus.stopped, "Training job stopped"),
        (.maxRuntime, .maxRuntimeExceeded, "Training job exceeded MaxRuntimeInSeconds provided"),
        (.maxWait, .maxWaitTimeExceeded, "Training job exceeded MaxWaitTimeInSeconds provided"),
    ])
    func stopCauses(cause: StopCause, secondary: SecondaryStatus, message: String) {
        var job = newJob()
        run(&job, [.training])
        #expect(applied(&job, .stopped(cause: cause), at: 5000))
        #expect(job.status == .stopped && job.secondaryStatus == secondary && job.transitions.last?.statusMessage == message)
    }

    @Test func aJobThatFinishesWhileStoppingIsCompleted() {
        var job = newJob()
        run(&job, [.training, .stopRequested, .completed])
        #expect(job.status == .completed)
        var early = newJob()
        run(&early, [.stopRequested])
        #expect(!applied(&early, .completed, at: 3000), "a job that never trained cannot complete")
        #expect(applied(&early, .stopped(cause: .user), at: 3001))
        #expect(early.trainingTimeSeconds == nil && early.billableTimeSeconds == nil && early.trainingEndTime == 3001)
    }

    @Test func failureReasonIsTruncatedTo1024Characters() {
        var job = newJob()
        run(&job, [.training])
        let reason = "AlgorithmError: ExecuteUserScriptError:\n" + String(repeating: "é", count: 2000)
        #expect(applied(&job, .failed(reason: reason), at: 1100))
        #expect(job.status == .failed && job.secondaryStatus == .failed)
        #expect(job.failureReason?.count == 1024 && reason.hasPrefix(job.failureReason ?? "-"))
        #expect(job.transitions.last?.statusMessage == "Training job failed")
        #expect(job.trainingTimeSeconds == 1100 - 1001)
    }

    /// (events that put the job in a state, an event refused there)
    @Test(arguments: [
        ([TrainingJobEvent.training, .stopRequested, .stopped(cause: .user)], TrainingJobEvent.completed),
        ([.training, .completed], .failed(reason: "late")),
        ([.training, .completed], .stopRequested),
        ([.training, .completed], .stopped(cause: .maxRuntime)),
        ([.training, .completed], .training),
        ([.failed(reason: "x")], .completed),
        ([.training], .training),
        ([.downloading], .downloading),
        ([], .completed),
        ([.downloading], .uploading),
        ([.downloading], .completed),
        ([.training], .launching),
        ([.training], .downloading),
        ([.training], .pending("capacity")),
        ([.training, .uploading], .training),
        ([.stopRequested], .launching),
        ([.stopRequested], .interrupted("spot")),
        ([.stopRequested], .stopRequested),
        ([.interrupted("spot")], .interrupted("spot")),
        ([.training, .stopped(cause: .user)], .restarting("retry")),
    ] as [([TrainingJobEvent], TrainingJobEvent)])
    func eventsThatDoNotApplyChangeNothing(setup: [TrainingJobEvent], refused: TrainingJobEvent) {
        var job = newJob()
        #expect(run(&job, setup).allSatisfy { $0 }, "setup")
        let before = job
        #expect(!applied(&job, refused, at: 9999))
        #expect(job == before)
    }

    @Test func spotInterruptionAndRestart() {
        var job = newJob(spot: true, at: 0)
        _ = job.apply(.downloading, at: 10)
        _ = job.apply(.training, at: 20)
        #expect(applied(&job, .interrupted("Spot instance reclaimed"), at: 120))
        #expect(job.status == .inProgress && job.secondaryStatus == .interrupted)
        #expect(applied(&job, .restarting("Restarting from the last checkpoint"), at: 400))
        #expect(applied(&job, .launching, at: 401))
        #expect(applied(&job, .downloading, at: 402))
        #expect(applied(&job, .training, at: 410))
        #expect(job.trainingStartTime == 20, "the first start stays")
        #expect(applied(&job, .uploading, at: 500) && applied(&job, .completed, at: 510))
        #expect(job.transitions.map(\.status) == [.starting, .downloading, .training, .interrupted, .restarting, .starting, .downloading,
                                                   .training, .uploading, .completed])
        #expect(job.trainingTimeSeconds == 490)
        // Billable: 10 + 100 (first attempt) + 8 + 90 + 10 (second) = 218 seconds on instances.
        #expect(job.billableTimeSeconds == 218)
    }

    @Test func retryAfterAFailedAttempt() {
        var job = newJob()
        run(&job, [.downloading, .training, .restarting("Retrying: attempt 2 of 3"), .downloading, .training, .completed])
        #expect(job.status == .completed)
        #expect(job.transitions.map(\.status) == [.starting, .downloading, .training, .restarting, .downloading, .training, .completed])
    }

    @Test func metricsKeepTheLatestValueOfEachMetric() {
        var job = newJob()
        #expect(applied(&job, .metrics([MetricValue(metricName: "loss", value: 0.9, timestamp: 10),
                                    MetricValue(metricName: "acc", value: 0.1, timestamp: 10)]), at: 1010))
        #expect(applied(&job, .metrics([MetricValue(metricName: "loss", value: 0.5, timestamp: 20)]), at: 1020))
        #expect(!applied(&job, .metrics([MetricValue(metricName: "loss", value: 0.7, timestamp: 15)]), at: 1030), "older value ignored")
        #expect(!applied(&job, .metrics([MetricValue(metricName: "loss", value: 0.5, timestamp: 20)]), at: 1040), "duplicate ignored")
        #expect(job.finalMetrics == [MetricValue(metricName: "loss", value: 0.5, timestamp: 20),
                                     MetricValue(metricName: "acc", value: 0.1, timestamp: 10)])
        #expect(job.lastModifiedTime == 1020)
        let many = (0..<50).map { MetricValue(metricName: "m\($0)", value: Double($0), timestamp: 30) }
        #expect(applied(&job, .metrics(many), at: 1050))
        #expect(job.finalMetrics.count == 40 && job.finalMetrics.first?.metricName == "loss")
        // Metrics that arrive just after the job ended still count (the worker's last flush).
        run(&job, [.training, .completed], from: 1060)
        #expect(applied(&job, .metrics([MetricValue(metricName: "loss", value: 0.4, timestamp: 40)]), at: 1070))
    }
}
