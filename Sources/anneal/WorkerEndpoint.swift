import AnnealAWS
import AnnealRuntime
import AnnealServices
import Foundation

/// The internal API workers call (`AnnealWorker_20261204.*`): their assignment, and what happens to
/// their instance. Signed and authorised like every other request.
final class WorkerEndpoint: JSONService, @unchecked Sendable {
    let name = "worker"
    let targetPrefix = WorkerProtocol.targetPrefix
    let wire = AWSProtocol.json11
    private let lock = NSLock()
    private var attached: Supervisor?

    func attach(_ supervisor: Supervisor) { lock.withLock { attached = supervisor } }

    private var supervisor: Supervisor {
        get throws(AWSError) {
            guard let supervisor = lock.withLock({ attached }) else { throw AWSError("ServiceUnavailable", "starting up", status: 503) }
            return supervisor
        }
    }

    func handle(operation: String, body: [UInt8], context: CallContext) throws(AWSError) -> [UInt8] {
        switch operation {
        case "GetAssignment":
            try context.authorize("anneal:GetWorkerAssignment")
            let request = try decode(WorkerProtocol.AssignmentRequest.self, body)
            guard let job = try supervisor.assignment(request.TrainingJobName) else {
                throw AWSError.validation("Requested resource not found.")
            }
            return try encode(WorkerProtocol.Assignment(Spec: job.spec, TrainingJobArn: job.arn))
        case "ReportProgress":
            try context.authorize("anneal:ReportWorkerProgress")
            try supervisor.report(try decode(WorkerProtocol.Progress.self, body))
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

    private func encode<T: Encodable>(_ value: T) throws(AWSError) -> [UInt8] {
        do { return Array(try JSONEncoder().encode(value)) } catch {
            throw AWSError.internalFailure("cannot write the reply: \(error)")
        }
    }
}
