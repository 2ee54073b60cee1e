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

    /// Per pool, from the cluster's nodes and jobs (pure: tested with plain values). `sizes` are the
    /// partitions' own totals: nodes they count that the node listing lacks are powered-down cloud
    /// nodes (hidden unless the cluster sets `PrivateData=cloud`) and count as powered down.
    public static func build(cluster: String, partitions: [PoolKind: String], nodes: [SlurmNode], sizes: [SlurmPartition] = [],
                             jobs: [SlurmJobInfo], annealJobIDs: Set<Int>) -> SlurmClusterReport {
        let pools = PoolKind.allCases.compactMap { kind -> Pool? in
            guard let partition = partitions[kind] else { return nil }
            let members = nodes.filter { $0.partitions.contains(partition) }
            let size = sizes.first { $0.name == partition }
            let hidden = max(0, (size?.nodes ?? 0) - members.count)
            let listedCPUs = members.reduce(0) { $0 + $1.cpus }
            let ours = jobs.filter { annealJobIDs.contains($0.id) && $0.partition == partition }
            return Pool(pool: kind.rawValue, partition: partition, nodes: members.count + hidden,
                        nodesInUse: members.filter { $0.allocatedCPUs > 0 }.count,
                        nodesPoweredDown: members.filter(\.isPoweredDown).count + hidden,
                        cpus: max(listedCPUs, size?.cpus ?? 0), allocatedCPUs: members.reduce(0) { $0 + $1.allocatedCPUs },
                        annealJobsRunning: ours.filter { SlurmJobPhase.of($0) == .running }.count,
                        annealJobsWaiting: ours.filter { if case .waiting = SlurmJobPhase.of($0) { true } else { false } }.count)
        }
        return SlurmClusterReport(cluster: cluster, reachable: true, error: nil, pools: pools)
    }
}

extension SlurmNode {
    /// Powered down, or on its way down, by Slurm's power saving. A node resuming for a job is in
    /// use instead (Slurm keeps POWERED_DOWN on it until its slurmd registers).
    var isPoweredDown: Bool {
        (state.contains("powered_down") || state.contains("powering_down")) && !state.contains("powering_up") && allocatedCPUs == 0
    }
}

extension SlurmExecutor {
    public func report() -> SlurmClusterReport {
        let ours = Set(state.withLock { $0.watched.values.compactMap(\.slurmID) })
        do {
            return SlurmClusterReport.build(cluster: cluster.location, partitions: settings.partitions, nodes: try cluster.nodes(),
                                            sizes: try cluster.partitions(), jobs: try cluster.jobs(), annealJobIDs: ours)
        } catch {
            return SlurmClusterReport(cluster: cluster.location, reachable: false, error: error.message, pools: [])
        }
    }
}
