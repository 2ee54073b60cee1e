import AnnealCore
import Foundation

/// What `anneal capacity` shows of the cluster: per pool, its partition's nodes and how many are
/// in use. With Slurm's power saving (docs/slurm.md) the node count follows Anneal's queue: nodes
/// resume when jobs wait for them and are suspended when idle.
public struct SlurmClusterReport: Sendable, Codable, Equatable {
    public struct Pool: Sendable, Codable, Equatable {
        public var pool: String
        public var partition: String
        public var nodes: Int
        public var nodesInUse: Int
        /// Powered down by Slurm's power saving (they resume when a job needs them).
        public var nodesPoweredDown: Int
        public var cpus: Int
        public var allocatedCPUs: Int
        /// Anneal's Slurm jobs in this partition, running and waiting.
        public var annealJobsRunning: Int
        public var annealJobsWaiting: Int
    }

    public var cluster: String
    public var reachable: Bool
    public var error: String?
    public var pools: [Pool]

    /// Per pool, from the cluster's nodes and jobs (pure: tested with plain values).
    public static func build(cluster: String, partitions: [PoolKind: String], nodes: [SlurmNode], jobs: [SlurmJobInfo],
                             annealJobIDs: Set<Int>) -> SlurmClusterReport {
        let pools = PoolKind.allCases.compactMap { kind -> Pool? in
            guard let partition = partitions[kind] else { return nil }
            let members = nodes.filter { $0.partitions.contains(partition) }
            let ours = jobs.filter { annealJobIDs.contains($0.id) && $0.partition == partition }
            return Pool(pool: kind.rawValue, partition: partition, nodes: members.count,
                        nodesInUse: members.filter { $0.allocatedCPUs > 0 }.count,
                        nodesPoweredDown: members.filter { $0.state.contains("powered_down") || $0.state.contains("powering_down") }.count,
                        cpus: members.reduce(0) { $0 + $1.cpus }, allocatedCPUs: members.reduce(0) { $0 + $1.allocatedCPUs },
                        annealJobsRunning: ours.filter { SlurmJobPhase.of($0) == .running }.count,
                        annealJobsWaiting: ours.filter { if case .waiting = SlurmJobPhase.of($0) { true } else { false } }.count)
        }
        return SlurmClusterReport(cluster: cluster, reachable: true, error: nil, pools: pools)
    }
}

extension SlurmExecutor {
    public func report() -> SlurmClusterReport {
        let ours = Set(state.withLock { $0.watched.values.compactMap(\.slurmID) })
        do {
            return SlurmClusterReport.build(cluster: cluster.location, partitions: settings.partitions, nodes: try cluster.nodes(),
                                            jobs: try cluster.jobs(), annealJobIDs: ours)
        } catch {
            return SlurmClusterReport(cluster: cluster.location, reachable: false, error: error.message, pools: [])
        }
    }
}
