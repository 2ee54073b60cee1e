/// One `ml.*` instance type: what an instance of it may use, and what it costs.
public struct InstanceType: Sendable, Equatable, Codable {
    public var name: String
    public var vCPUs: Int
    public var memoryMiB: Int
    public var gpus: Int
    /// On-demand and spot prices in USD per hour.
    public var onDemandPrice: Double
    public var spotPrice: Double

    public init(name: String, vCPUs: Int, memoryMiB: Int, gpus: Int = 0, onDemandPrice: Double, spotPrice: Double? = nil) {
        self.name = name
        self.vCPUs = vCPUs
        self.memoryMiB = memoryMiB
        self.gpus = gpus
        self.onDemandPrice = onDemandPrice
        self.spotPrice = spotPrice ?? (onDemandPrice * InstanceCatalog.defaultSpotRatio * 10_000).rounded() / 10_000
    }

    public var memoryBytes: Int { memoryMiB << 20 }
}

/// The instance types users name, with their resources and prices. The built-in table holds the
/// general-purpose, compute, memory and GPU families SageMaker trains on (m4-m7i, c4-c7i, r5-r7i, t3, g4dn-g6, p2-p4d) with SageMaker training list prices (USD per
/// hour, us-east-1); spot prices default to 30% of on-demand, about what managed spot training saves.
public struct InstanceCatalog: Sendable {
    public static let defaultSpotRatio = 0.3
    public private(set) var types: [String: InstanceType]

    public init(_ types: [InstanceType] = InstanceCatalog.builtIn) {
        self.types = Dictionary(types.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    public subscript(name: String) -> InstanceType? { types[name] }

    /// Entries from an override file replace (or add to) the built-in ones.
    public mutating func merge(_ overrides: [InstanceType]) {
        for type in overrides { types[type.name] = type }
    }

    public static let builtIn: [InstanceType] = {
        var all: [InstanceType] = []
        func family(_ prefix: String, _ rows: [(String, Int, Double, Int, Double)]) {
            for (size, cpus, memoryGiB, gpus, price) in rows {
                all.append(InstanceType(name: "ml.\(prefix).\(size)", vCPUs: cpus, memoryMiB: Int(memoryGiB * 1024), gpus: gpus,
                                        onDemandPrice: price))
            }
        }
        family("t3", [("medium", 2, 4, 0, 0.05), ("large", 2, 8, 0, 0.10), ("xlarge", 4, 16, 0, 0.20), ("2xlarge", 8, 32, 0, 0.399)])
        family("m4", [("xlarge", 4, 16, 0, 0.24), ("2xlarge", 8, 32, 0, 0.48), ("4xlarge", 16, 64, 0, 0.96),
                      ("10xlarge", 40, 160, 0, 2.40), ("16xlarge", 64, 256, 0, 3.84)])
        family("m5", [("large", 2, 8, 0, 0.115), ("xlarge", 4, 16, 0, 0.23), ("2xlarge", 8, 32, 0, 0.461), ("4xlarge", 16, 64, 0, 0.922),
                      ("12xlarge", 48, 192, 0, 2.765), ("24xlarge", 96, 384, 0, 5.53)])
        family("c5", [("large", 2, 4, 0, 0.102), ("xlarge", 4, 8, 0, 0.204), ("2xlarge", 8, 16, 0, 0.408), ("4xlarge", 16, 32, 0, 0.816),
                      ("9xlarge", 36, 72, 0, 1.836), ("18xlarge", 72, 144, 0, 3.672)])
        family("r5", [("large", 2, 16, 0, 0.151), ("xlarge", 4, 32, 0, 0.302), ("2xlarge", 8, 64, 0, 0.605), ("4xlarge", 16, 128, 0, 1.21),
                      ("8xlarge", 32, 256, 0, 2.419), ("12xlarge", 48, 384, 0, 3.629), ("16xlarge", 64, 512, 0, 4.838),
                      ("24xlarge", 96, 768, 0, 7.258)])
        family("g4dn", [("xlarge", 4, 16, 1, 0.736), ("2xlarge", 8, 32, 1, 0.94), ("4xlarge", 16, 64, 1, 1.505), ("8xlarge", 32, 128, 1, 2.72),
                        ("12xlarge", 48, 192, 4, 4.89), ("16xlarge", 64, 256, 1, 5.44)])
        family("g5", [("xlarge", 4, 16, 1, 1.408), ("2xlarge", 8, 32, 1, 1.515), ("4xlarge", 16, 64, 1, 2.03), ("8xlarge", 32, 128, 1, 3.06),
                      ("12xlarge", 48, 192, 4, 7.09), ("16xlarge", 64, 256, 1, 4.096), ("24xlarge", 96, 384, 4, 10.18),
                      ("48xlarge", 192, 768, 8, 20.36)])
        family("p3", [("2xlarge", 8, 61, 1, 3.825), ("8xlarge", 32, 244, 4, 14.688), ("16xlarge", 64, 488, 8, 28.152)])
        family("p4d", [("24xlarge", 96, 1152, 8, 37.688)])
        family("p2", [("xlarge", 4, 61, 1, 1.125), ("8xlarge", 32, 488, 8, 8.64), ("16xlarge", 64, 732, 16, 17.28)])
        family("g6", [("xlarge", 4, 16, 1, 1.006), ("2xlarge", 8, 32, 1, 1.222), ("4xlarge", 16, 64, 1, 1.654), ("8xlarge", 32, 128, 1, 2.518),
                      ("12xlarge", 48, 192, 4, 5.752), ("16xlarge", 64, 256, 1, 4.246), ("24xlarge", 96, 384, 4, 8.344),
                      ("48xlarge", 192, 768, 8, 16.688)])
        family("c4", [("xlarge", 4, 7.5, 0, 0.279), ("2xlarge", 8, 15, 0, 0.557), ("4xlarge", 16, 30, 0, 1.114), ("8xlarge", 36, 60, 0, 2.227)])
        family("c5n", [("xlarge", 4, 10.5, 0, 0.302), ("2xlarge", 8, 21, 0, 0.605), ("4xlarge", 16, 42, 0, 1.21), ("9xlarge", 36, 96, 0, 2.722),
                       ("18xlarge", 72, 192, 0, 5.443)])
        family("m6i", [("large", 2, 8, 0, 0.115), ("xlarge", 4, 16, 0, 0.23), ("2xlarge", 8, 32, 0, 0.461), ("4xlarge", 16, 64, 0, 0.922),
                       ("8xlarge", 32, 128, 0, 1.843), ("12xlarge", 48, 192, 0, 2.765), ("16xlarge", 64, 256, 0, 3.686),
                       ("24xlarge", 96, 384, 0, 5.53), ("32xlarge", 128, 512, 0, 7.373)])
        family("c6i", [("xlarge", 4, 8, 0, 0.204), ("2xlarge", 8, 16, 0, 0.408), ("4xlarge", 16, 32, 0, 0.816), ("8xlarge", 32, 64, 0, 1.632),
                       ("12xlarge", 48, 96, 0, 2.448), ("16xlarge", 64, 128, 0, 3.264), ("24xlarge", 96, 192, 0, 4.896),
                       ("32xlarge", 128, 256, 0, 6.528)])
        family("r5d", [("large", 2, 16, 0, 0.173), ("xlarge", 4, 32, 0, 0.346), ("2xlarge", 8, 64, 0, 0.691), ("4xlarge", 16, 128, 0, 1.382),
                       ("8xlarge", 32, 256, 0, 2.765), ("12xlarge", 48, 384, 0, 4.147), ("16xlarge", 64, 512, 0, 5.53),
                       ("24xlarge", 96, 768, 0, 8.294)])
        family("m7i", [("large", 2, 8, 0, 0.121), ("xlarge", 4, 16, 0, 0.242), ("2xlarge", 8, 32, 0, 0.484), ("4xlarge", 16, 64, 0, 0.968),
                       ("8xlarge", 32, 128, 0, 1.935), ("12xlarge", 48, 192, 0, 2.903), ("16xlarge", 64, 256, 0, 3.871),
                       ("24xlarge", 96, 384, 0, 5.806), ("48xlarge", 192, 768, 0, 11.612)])
        family("c7i", [("large", 2, 4, 0, 0.107), ("xlarge", 4, 8, 0, 0.214), ("2xlarge", 8, 16, 0, 0.428), ("4xlarge", 16, 32, 0, 0.857),
                       ("8xlarge", 32, 64, 0, 1.714), ("12xlarge", 48, 96, 0, 2.57), ("16xlarge", 64, 128, 0, 3.427),
                       ("24xlarge", 96, 192, 0, 5.141), ("48xlarge", 192, 384, 0, 10.282)])
        family("r7i", [("large", 2, 16, 0, 0.159), ("xlarge", 4, 32, 0, 0.318), ("2xlarge", 8, 64, 0, 0.635), ("4xlarge", 16, 128, 0, 1.27),
                       ("8xlarge", 32, 256, 0, 2.54), ("12xlarge", 48, 384, 0, 3.81), ("16xlarge", 64, 512, 0, 5.081),
                       ("24xlarge", 96, 768, 0, 7.621), ("48xlarge", 192, 1536, 0, 15.242)])
        return all
    }()
}
