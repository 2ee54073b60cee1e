import AnnealAWS
import AnnealCore
import AnnealStore
import Foundation

/// What the runtime is told when a job needs it. Calls come from server threads, right after the
/// change is committed: they must return at once (hand the work to the runtime's own queue).
public protocol TrainingJobScheduler: Sendable {
    /// A job was created (InProgress/Starting) and waits to be placed.
    func jobCreated(_ name: String)
    /// StopTrainingJob moved a job to Stopping; its workers should be stopped.
    func stopRequested(_ name: String)
    /// Why a job with this spec could never be placed on the platform's capacity (the limit, for
    /// ResourceLimitExceeded), or nil.
    func neverFits(_ spec: TrainingJobSpec) -> String?
    /// UpdateTrainingJob: the job's available warm pool is kept `seconds` after it began (0 ends it).
    /// Returns why it cannot be, or nil.
    func keepWarm(_ name: String, seconds: Int) -> String?
}

extension TrainingJobScheduler {
    public func neverFits(_ spec: TrainingJobSpec) -> String? { nil }
    public func keepWarm(_ name: String, seconds: Int) -> String? { "This platform keeps no warm pools." }
}

/// The SageMaker API (JSON 1.1, `X-Amz-Target: SageMaker.<Operation>`): training jobs and tags.
///
/// Each operation checks its input against the model's shape (as the service does: wrong types are a
/// `SerializationException`, failed constraints a `ValidationException` listing each), authorises
/// the caller on the job's ARN, then reads or changes the store.
public struct SageMakerService: JSONService {
    public let name = "sagemaker"
    public let targetPrefix = "SageMaker"
    public let wire = AWSProtocol.json11

    let jobs: TrainingJobStore
    let accountID: String
    let region: String
    let scheduler: any TrainingJobScheduler
    let clock: @Sendable () -> Double
    /// Hyperparameter tuning jobs, and what to tell the tuner when one is created or stopped.
    let tuningJobs: TuningJobStore?
    let tunerChanged: @Sendable () -> Void
    /// The trust policy of this account's role of a name, or nil when there is none: execution roles
    /// are checked as SageMaker assumes them (none given: roles are not checked).
    let roleTrust: (@Sendable (String) -> String?)?

    public init(jobs: TrainingJobStore, accountID: String, region: String, scheduler: any TrainingJobScheduler,
                clock: @escaping @Sendable () -> Double, tuningJobs: TuningJobStore? = nil,
                tunerChanged: @escaping @Sendable () -> Void = {}, roleTrust: (@Sendable (String) -> String?)? = nil) {
        self.jobs = jobs
        self.accountID = accountID
        self.region = region
        self.scheduler = scheduler
        self.clock = clock
        self.tuningJobs = tuningJobs
        self.tunerChanged = tunerChanged
        self.roleTrust = roleTrust
    }

    public func handle(operation: String, body: [UInt8], context: CallContext) throws(AWSError) -> [UInt8] {
        let request: JSONValue
        do {
            request = try JSONValue.parse(body)
        } catch {
            throw AWSError.serialization("The request body is not valid JSON: \(error)")
        }
        guard case .object = request else { throw AWSError.serialization("The request body must be a JSON object") }
        let reply: JSONValue = switch operation {
        case "CreateTrainingJob": try createTrainingJob(request, context)
        case "DescribeTrainingJob": try describeTrainingJob(request, context)
        case "ListTrainingJobs": try listTrainingJobs(request, context)
        case "StopTrainingJob": try stopTrainingJob(request, context)
        case "DeleteTrainingJob": try deleteTrainingJob(request, context)
        case "UpdateTrainingJob": try updateTrainingJob(request, context)
        case "AddTags": try addTags(request, context)
        case "ListTags": try listTags(request, context)
        case "DeleteTags": try deleteTags(request, context)
        case "CreateHyperParameterTuningJob": try createTuningJob(request, context)
        case "DescribeHyperParameterTuningJob": try describeTuningJob(request, context)
        case "ListHyperParameterTuningJobs": try listTuningJobs(request, context)
        case "ListTrainingJobsForHyperParameterTuningJob": try listTrainingJobsForTuningJob(request, context)
        case "StopHyperParameterTuningJob": try stopTuningJob(request, context)
        case "DeleteHyperParameterTuningJob": try deleteTuningJob(request, context)
        default: throw AWSError.unknownOperation("\(targetPrefix).\(operation)")
        }
        return reply.bytes
    }

    // MARK: - Shared

    /// Checks `request` against the operation's input shape from the model.
    func check(_ request: JSONValue, _ shape: ModelShape) throws(AWSError) {
        switch ModelCheck.check(request, against: shape) {
        case .valid: return
        case .malformed(let message): throw AWSError.serialization(message)
        case .invalid(let violations): throw AWSError.validation(ModelCheckResult.message(violations))
        }
    }

    /// What SageMaker answers for a training job that does not exist (not the modeled
    /// `ResourceNotFound`: the real service sends a ValidationException, and clients rely on it).
    static let notFound = AWSError.validation("Requested resource not found.")

    static func wrongStatus(_ status: TrainingJobStatus) -> AWSError {
        AWSError.validation("The request was rejected because the training job is in status \(status.rawValue).")
    }

    /// Store failures in AWS terms: bad input is the caller's, contention is retryable, the rest is ours.
    static func storeFailure(_ error: StoreError) -> AWSError {
        switch error.code {
        case .invalid: AWSError.validation(error.message)
        case .busy: AWSError("ThrottlingException", "The database is busy; retry the request.", status: 400)
        default: AWSError.internalFailure("The request could not be completed: \(error.message)")
        }
    }

    /// Runs a store call, turning its failure into the AWS error.
    func store<T>(_ body: () throws(StoreError) -> T) throws(AWSError) -> T {
        do { return try body() } catch { throw SageMakerService.storeFailure(error) }
    }

    /// Whether a MetricDefinitions regex compiles with the engine the worker matches log lines with.
    static func regexCompiles(_ pattern: String) -> Bool {
        (try? NSRegularExpression(pattern: pattern)) != nil
    }

    func arn(ofJobNamed name: String) -> String {
        TrainingJob.arn(name: name, accountID: accountID, region: region)
    }

    /// Epoch seconds to the millisecond, as SageMaker reports times.
    static func time(_ seconds: Double) -> JSONValue {
        .number((seconds * 1000).rounded() / 1000)
    }
}
