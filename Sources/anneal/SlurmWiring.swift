import AnnealCore
import AnnealRuntime
import AnnealServices
import AnnealStore
import Foundation

/// `anneal serve --executor slurm`: the Slurm executor, checked against the cluster before the
/// server takes jobs (an invalid token or a missing partition stops it; an unreachable cluster
/// only delays jobs).
enum SlurmWiring {
    static func executor(_ config: ServeConfig, endpoint: String, database: Database, logger: Logger) throws -> SlurmExecutor? {
        let slurm = config.slurm
        guard slurm.isSlurm else { return nil }
        let cluster: any SlurmCluster
        if slurm.api == "cli" {
            cluster = SlurmCLI(configuration: slurm.slurmConf)
        } else {
            let token: @Sendable () throws(SlurmError) -> String
            if let file = slurm.tokenFile {
                token = SlurmREST.tokenFile(file)
            } else {
                let inline = slurm.token ?? ""
                token = { () throws(SlurmError) -> String in inline }
            }
            // Validated: url and user are set for the REST API.
            cluster = SlurmREST(url: URL(string: slurm.url ?? "")!, user: slurm.user ?? "", token: token)
        }
        let settings = SlurmSettings(
            partitions: [.onDemand: slurm.onDemandPartition, .spot: slurm.spotPartition], nodeDirectory: slurm.nodeDirectory,
            runtimesDirectory: slurm.runtimesDirectory ?? slurm.nodeDirectory + "/runtimes",
            workerExecutable: ServeCommand.executablePath(), controlPlane: URL(string: slurm.controlPlane ?? endpoint)!,
            region: config.region, stopGraceSeconds: config.stopGraceSeconds, gpuGres: slurm.gpuGres)
        let executor = SlurmExecutor(cluster: cluster, settings: settings, store: SlurmAllocationStore(database: database),
                                     pollSeconds: slurm.pollSeconds, note: { event, fields in logger.info(event, fields) })
        let (fatal, warning) = executor.validate()
        if let fatal { throw ServiceError("the Slurm executor cannot start: \(fatal)") }
        if let warning { logger.warning("slurm_unreachable_at_start", [("error", warning)]) }
        logger.info("slurm_executor", [("cluster", cluster.location), ("on_demand_partition", slurm.onDemandPartition),
                                       ("spot_partition", slurm.spotPartition), ("node_dir", slurm.nodeDirectory)])
        return executor
    }

    /// On Slurm the cluster queues what it cannot run yet: Anneal's pools do not limit it unless set.
    /// GPUs only where the nodes' GPU GRES is configured, so a GPU instance type is refused at
    /// CreateTrainingJob rather than at submission.
    static func pool(_ kind: PoolKind, gpus: Bool) -> CapacityPool {
        CapacityPool(kind: kind, resources: Resources(vCPUs: 10_000_000, memoryMiB: 10_000_000_000, gpus: gpus ? 1_000_000 : 0))
    }

    static func maxInstances(_ config: ServeConfig) -> Int {
        config.slurm.isSlurm && !config.slurm.maxInstancesSet ? 10_000 : config.maxInstances
    }
}
