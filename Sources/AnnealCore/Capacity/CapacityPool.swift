/// Which market an instance comes from: on-demand instances stay until released, spot instances
/// cost less and may be taken back (EnableManagedSpotTraining).
public enum PoolKind: String, Codable, Sendable, CaseIterable {
    case onDemand = "on-demand"
    case spot
}

/// What instances use: counted against what a pool may hand out.
public struct Resources: Sendable, Equatable, Codable {
    public var vCPUs: Int
    public var memoryMiB: Int
    public var gpus: Int

    public init(vCPUs: Int, memoryMiB: Int, gpus: Int) {
        self.vCPUs = vCPUs
        self.memoryMiB = memoryMiB
        self.gpus = gpus
    }

    public static let zero = Resources(vCPUs: 0, memoryMiB: 0, gpus: 0)

    public init(_ type: InstanceType, count: Int = 1) {
        self.init(vCPUs: type.vCPUs * count, memoryMiB: type.memoryMiB * count, gpus: type.gpus * count)
    }

    public static func + (a: Resources, b: Resources) -> Resources {
        Resources(vCPUs: a.vCPUs + b.vCPUs, memoryMiB: a.memoryMiB + b.memoryMiB, gpus: a.gpus + b.gpus)
    }

    public static func - (a: Resources, b: Resources) -> Resources {
        Resources(vCPUs: a.vCPUs - b.vCPUs, memoryMiB: a.memoryMiB - b.memoryMiB, gpus: a.gpus - b.gpus)
    }

    /// Every component at most the other's.
    public func fits(within limit: Resources) -> Bool {
        vCPUs <= limit.vCPUs && memoryMiB <= limit.memoryMiB && gpus <= limit.gpus
    }
}

/// A pool of capacity: the resources it may hand out at once, an optional cap on instances, and
/// per-type quotas (at most N instances of a type at once, as SageMaker's service quotas).
///
/// The default pools stand for this machine: its cores and memory times an overcommit factor the
/// operator sets, because instance types ask for more than a small machine has (ml.m5.large alone
/// asks 2 vCPUs and 8 GiB) while training scripts rarely use all of it; each instance is still
/// limited to its type's size by cgroups. GPUs are never overcommitted.
public struct CapacityPool: Sendable, Equatable, Codable {
    public var kind: PoolKind
    public var resources: Resources
    public var maxInstances: Int?
    public var quotas: [String: Int]

    public init(kind: PoolKind, resources: Resources, maxInstances: Int? = nil, quotas: [String: Int] = [:]) {
        self.kind = kind
        self.resources = resources
        self.maxInstances = maxInstances
        self.quotas = quotas
    }

    /// This machine's pool: `cores × overcommit` vCPUs, `memory × overcommit`, every GPU.
    public static func machine(_ kind: PoolKind, cores: Int, memoryMiB: Int, gpus: Int, overcommit: Double) -> CapacityPool {
        CapacityPool(kind: kind, resources: Resources(vCPUs: Int((Double(cores) * overcommit).rounded(.down)),
                                                      memoryMiB: Int((Double(memoryMiB) * overcommit).rounded(.down)), gpus: gpus))
    }

    /// Why `count` instances of `type` can never be placed here, naming the limit; nil when they can
    /// (once enough of the pool is free).
    public func neverFits(_ type: InstanceType, count: Int) -> String? {
        let asked = Resources(type, count: count)
        let request = "\(count) × \(type.name)"
        func limit(_ name: String, _ value: Int, _ wanted: Int, _ unit: String) -> String {
            "The \(kind.rawValue) pool's limit '\(name)' is \(value) \(unit), and \(request) asks for \(wanted) \(unit): "
                + "the request can never be placed. An operator can raise it (anneal serve --\(kind.rawValue)-pool)."
        }
        if asked.gpus > resources.gpus { return limit("gpus", resources.gpus, asked.gpus, "GPUs") }
        if asked.vCPUs > resources.vCPUs { return limit("vcpus", resources.vCPUs, asked.vCPUs, "vCPUs") }
        if asked.memoryMiB > resources.memoryMiB { return limit("memory-mib", resources.memoryMiB, asked.memoryMiB, "MiB") }
        if let cap = maxInstances, count > cap { return limit("instances", cap, count, "instances") }
        if let quota = quotas[type.name], count > quota { return limit("quota:\(type.name)", quota, count, "instances") }
        return nil
    }
}
