import Foundation

/// Why a request to the Slurm cluster failed. `unreachable` and `unauthorized` make jobs wait (the
/// cluster or its token may come back), so does `unavailable` (the nodes the job needs are down, drained
/// or busy for now); `rejected` ends the job with the cluster's reason.
public struct SlurmError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Sendable, Equatable, CustomStringConvertible {
        private enum Value: String { case unreachable, unauthorized, unavailable, rejected, notFound, malformed }
        private let value: Value
        public static let unreachable = Code(value: .unreachable)
        public static let unauthorized = Code(value: .unauthorized)
        public static let unavailable = Code(value: .unavailable)
        public static let rejected = Code(value: .rejected)
        public static let notFound = Code(value: .notFound)
        public static let malformed = Code(value: .malformed)
        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// slurmctld's refusal of a submission: the nodes down, drained or busy for now (ESLURM_NODE_NOT_AVAIL,
    /// ESLURM_NODES_BUSY) pass, anything else (no such partition, more than any node has) does not.
    public static func refusal(_ text: String) -> SlurmError {
        let passing = ["Required node not available", "Requested nodes are busy", "Nodes required for job are DOWN"]
        return SlurmError(passing.contains { text.contains($0) } ? .unavailable : .rejected, text)
    }
}

/// A node as the cluster reports it, for `anneal capacity`.
public struct SlurmNode: Sendable, Equatable, Codable {
    public var name: String
    public var state: String
    public var partitions: [String]
    public var cpus: Int
    public var allocatedCPUs: Int
}

/// A partition's size as slurmctld counts it: all its nodes, also those a node listing leaves out
/// (without `PrivateData=cloud`, Slurm hides powered-down cloud nodes from sinfo and slurmrestd's
/// /nodes, but not from the partition's totals).
public struct SlurmPartition: Sendable, Equatable, Codable {
    public var name: String
    public var nodes: Int
    public var cpus: Int

    public init(name: String, nodes: Int, cpus: Int) {
        self.name = name
        self.nodes = nodes
        self.cpus = cpus
    }
}

/// What Anneal asks of a Slurm cluster: slurmrestd (`SlurmREST`) or the Slurm commands (`SlurmCLI`).
public protocol SlurmCluster: Sendable {
    /// Where it is, for messages (never with a token).
    var location: String { get }
    func ping() throws(SlurmError)
    /// Submits a batch job; its Slurm job ID.
    func submit(_ submission: SlurmSubmission) throws(SlurmError) -> Int
    /// Every job the cluster still knows.
    func jobs() throws(SlurmError) -> [SlurmJobInfo]
    /// One job; nil when the cluster no longer knows it.
    func job(_ id: Int) throws(SlurmError) -> SlurmJobInfo?
    /// Sends a signal (USR1, USR2, TERM) to every process of the job.
    func signal(_ id: Int, _ name: String) throws(SlurmError)
    func cancel(_ id: Int) throws(SlurmError)
    /// Whether the partition exists.
    func partitionExists(_ name: String) throws(SlurmError) -> Bool
    func nodes() throws(SlurmError) -> [SlurmNode]
    func partitions() throws(SlurmError) -> [SlurmPartition]
}
