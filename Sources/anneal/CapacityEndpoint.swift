import AnnealAWS
import AnnealCore
import AnnealRuntime
import AnnealServices
import AnnealStore
import Foundation

/// The internal operator API (`AnnealCapacity_20261204.*`, signed with the `sagemaker` scope):
/// what the capacity pools hold, every recorded instance with its cost, and reclaiming a spot
/// instance. Authorised like every other request (`anneal:DescribeCapacity`, `anneal:ReclaimInstance`).
final class CapacityEndpoint: JSONService, @unchecked Sendable {
    static let prefix = "AnnealCapacity_20261204"
    let name = "capacity"
    let targetPrefix = CapacityEndpoint.prefix
    let wire = AWSProtocol.json11
    private let lock = NSLock()
    private var attached: Supervisor?
    private let records: CapacityStore

    init(records: CapacityStore) { self.records = records }

    func attach(_ supervisor: Supervisor) { lock.withLock { attached = supervisor } }

    /// The executor's cluster (Slurm), when workers run on one.
    private var cluster: (@Sendable () -> SlurmClusterReport)?

    func attachCluster(_ report: @escaping @Sendable () -> SlurmClusterReport) { lock.withLock { cluster = report } }

    struct DescribeRequest: Decodable {
        var Job: String?
        var Running: Bool?
        var MaxResults: Int?
    }

    struct ReclaimRequest: Decodable {
        var InstanceId: String
    }

    struct Cost: Encodable {
        var OnDemandEquivalent: Double
        var Actual: Double
        var Saved: Double
    }

    struct DescribeReply: Encodable {
        var Pools: [Supervisor.Snapshot.Pool]
        var MaxInstances: Int?
        var Queue: [Supervisor.Snapshot.Waiting]
        var WarmPools: [Supervisor.Snapshot.Warm]
        var Instances: [InstanceRecord]
        var Cost: Cost
        var SchedulingDecisions: Int
        var DecisionMicroseconds: Double
        var Cluster: SlurmClusterReport?
    }

    func handle(operation: String, body: [UInt8], context: CallContext) throws(AWSError) -> [UInt8] {
        guard let supervisor = lock.withLock({ attached }) else { throw AWSError("ServiceUnavailable", "starting up", status: 503) }
        switch operation {
        case "DescribeCapacity":
            let request = try decode(DescribeRequest.self, body)
            try context.authorize("anneal:DescribeCapacity")
            let now = Date().timeIntervalSince1970
            let snapshot = supervisor.snapshot()
            do {
                let instances = try records.instances(running: request.Running ?? false, job: request.Job,
                                                      limit: min(100_000, max(1, request.MaxResults ?? 1000)))
                let totals = try records.totals(now: now)
                return try encode(DescribeReply(
                    Pools: snapshot.pools, MaxInstances: snapshot.maxInstances, Queue: snapshot.queue, WarmPools: snapshot.warm, Instances: instances,
                    Cost: Cost(OnDemandEquivalent: totals.onDemand, Actual: totals.actual, Saved: totals.onDemand - totals.actual),
                    SchedulingDecisions: snapshot.decisions, DecisionMicroseconds: snapshot.decisionMicrosecondsPerCall,
                    Cluster: lock.withLock { cluster }?()))
            } catch let error as AWSError {
                throw error
            } catch {
                throw AWSError("ServiceUnavailable", "cannot read the capacity records: \(error)", status: 503, senderFault: false)
            }
        case "ReclaimInstance":
            let request = try decode(ReclaimRequest.self, body)
            try context.authorize("anneal:ReclaimInstance")
            do { try supervisor.reclaim(request.InstanceId) } catch {
                throw AWSError.validation(error.description)
            }
            return Array("{}".utf8)
        default:
            throw AWSError.unknownOperation("\(targetPrefix).\(operation)")
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws(AWSError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(body.isEmpty ? Array("{}".utf8) : body)) } catch {
            throw AWSError.serialization("cannot read the request: \(error)")
        }
    }

    private func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }
}
