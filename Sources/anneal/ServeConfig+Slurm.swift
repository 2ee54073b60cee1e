import AnnealCore
import Foundation

/// `anneal serve --executor slurm` and the `--slurm-*` settings (docs/slurm.md).
struct SlurmServeSettings {
    var executor = "local"
    var url: String?
    var user: String?
    /// A token given inline (`--slurm-token`; prefer the file: a command line is visible to `ps`).
    var token: String?
    var tokenFile: String?
    /// rest (slurmrestd) or cli (sbatch, squeue, scontrol, scancel on this machine).
    var api = "rest"
    var slurmConf: String?
    var onDemandPartition = "on-demand"
    var spotPartition = "spot"
    var nodeDirectory = "/tmp/anneal-slurm"
    var runtimesDirectory: String?
    var controlPlane: String?
    var gpuGres: String?
    var pollSeconds = 1.0
    /// Whether --max-instances was given (on Slurm the cluster's own queue is the limit otherwise).
    var maxInstancesSet = false

    var isSlurm: Bool { executor == "slurm" }

    static let options: Set<String> = [
        "executor", "slurm-url", "slurm-user", "slurm-token", "slurm-token-file", "slurm-api", "slurm-conf",
        "slurm-on-demand-partition", "slurm-spot-partition", "slurm-node-dir", "slurm-runtimes", "slurm-control-plane",
        "slurm-gpu-gres", "slurm-poll",
    ]

    static let help = """
          --executor local|slurm      where workers run: this machine (default) or a Slurm cluster
          --slurm-url URL             slurmrestd's URL (http://host:6820), for --slurm-api rest
          --slurm-user NAME           the user the token is for; jobs run as this user
          --slurm-token-file FILE     the JWT (`scontrol token username=NAME`), read again at each request
          --slurm-token JWT           the JWT inline (visible to ps: prefer --slurm-token-file)
          --slurm-api rest|cli        slurmrestd (default) or the sbatch/squeue/scontrol/scancel commands
          --slurm-conf FILE           SLURM_CONF for the commands (--slurm-api cli)
          --slurm-on-demand-partition NAME   partition of the on-demand pool (default on-demand)
          --slurm-spot-partition NAME        partition of the spot pool, preemptible (default spot)
          --slurm-node-dir DIR        node-local directory for job directories and worker logs (default /tmp/anneal-slurm)
          --slurm-runtimes DIR        node-local cache of framework runtimes (default NODE-DIR/runtimes)
          --slurm-control-plane URL   the control plane as the nodes reach it (default the endpoint)
          --slurm-gpu-gres NAME       GRES name of the nodes' GPUs (e.g. gpu), for instance types with GPUs
          --slurm-poll S              seconds between reads of the cluster's job states (default 1)
        """

    mutating func set(_ name: String, _ value: String) throws(UsageError) {
        switch name {
        case "executor":
            guard value == "local" || value == "slurm" else { throw UsageError("--executor must be local or slurm, not '\(value)'") }
            executor = value
        case "slurm-url":
            guard let parsed = URL(string: value), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw UsageError("--slurm-url must be slurmrestd's http(s)://host:port, not '\(value)'")
            }
            url = value
        case "slurm-user": user = value
        case "slurm-token": token = value
        case "slurm-token-file": tokenFile = value
        case "slurm-api":
            guard value == "rest" || value == "cli" else { throw UsageError("--slurm-api must be rest or cli, not '\(value)'") }
            api = value
        case "slurm-conf": slurmConf = value
        case "slurm-on-demand-partition": onDemandPartition = value
        case "slurm-spot-partition": spotPartition = value
        case "slurm-node-dir":
            guard value.hasPrefix("/") else { throw UsageError("--slurm-node-dir must be an absolute path, not '\(value)'") }
            nodeDirectory = value
        case "slurm-runtimes":
            guard value.hasPrefix("/") else { throw UsageError("--slurm-runtimes must be an absolute path, not '\(value)'") }
            runtimesDirectory = value
        case "slurm-control-plane":
            guard let parsed = URL(string: value), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw UsageError("--slurm-control-plane must be an http(s) URL the nodes reach, not '\(value)'")
            }
            controlPlane = value
        case "slurm-gpu-gres": gpuGres = value
        case "slurm-poll":
            guard let seconds = Double(value), seconds >= 0.1, seconds <= 600 else {
                throw UsageError("--slurm-poll must be a number of seconds in 0.1...600, not '\(value)'")
            }
            pollSeconds = seconds
        default: throw UsageError("unknown setting '\(name)'")
        }
    }

    func validate() throws(UsageError) {
        guard isSlurm else { return }
        for partition in [onDemandPartition, spotPartition] where partition.isEmpty || partition.contains(where: { $0 == "," || $0 == " " }) {
            throw UsageError("'\(partition)' is not a Slurm partition name")
        }
        guard api == "rest" else { return }
        guard url != nil else { throw UsageError("--executor slurm needs --slurm-url (slurmrestd's URL), or --slurm-api cli") }
        guard let user, !user.isEmpty else { throw UsageError("--executor slurm needs --slurm-user (the user the token is for)") }
        guard (token == nil) != (tokenFile == nil) else {
            throw UsageError("--executor slurm needs exactly one of --slurm-token-file (preferred) and --slurm-token")
        }
        if let tokenFile, !FileManager.default.isReadableFile(atPath: tokenFile) {
            throw UsageError("--slurm-token-file \(tokenFile) cannot be read: create it with `scontrol token username=\(user)`")
        }
    }
}
