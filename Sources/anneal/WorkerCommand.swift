import AnnealRuntime
import Dispatch
import Foundation
import Glibc

/// `anneal worker`: one instance of a training job, started by an executor (never by hand).
enum WorkerCommand {
    static let options: Set<String> = ["job", "host", "control-plane", "region", "job-dir", "runtimes", "stop-grace", "signals", "log", "warm-from"]

    static func main(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do { parsed = try Arguments(arguments, flags: ["help", "own-directory"], options: options) } catch {
            printError("anneal worker: \(error)")
            return ExitCode.usage
        }
        if parsed.flags.contains("help") {
            print("usage: anneal worker --job NAME --host N --control-plane URL --region R --job-dir DIR --runtimes DIR "
                + "[--stop-grace S] [--signals slurm] [--own-directory [--warm-from DIR]] [--log FILE]\n(started by anneal serve; credentials come in ANNEAL_WORKER_ACCESS_KEY_ID, "
                + "ANNEAL_WORKER_SECRET_ACCESS_KEY and ANNEAL_WORKER_SESSION_TOKEN)")
            return ExitCode.success
        }
        // The worker's own log (its stdout and stderr from here on), made by the worker so that
        // starting one costs the control plane no file-system work.
        if let log = parsed.options["log"] {
            try? FileManager.default.createDirectory(atPath: (log as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let descriptor = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                printError("anneal worker: cannot open its log \(log): \(String(cString: strerror(errno)))")
                return ExitCode.failure
            }
            dup2(descriptor, 1)
            dup2(descriptor, 2)
            close(descriptor)
        }
        let environment = ProcessInfo.processInfo.environment
        guard let job = parsed.options["job"], let host = parsed.options["host"].flatMap(Int.init), host >= 1,
              let endpoint = parsed.options["control-plane"].flatMap(URL.init(string:)),
              let directory = parsed.options["job-dir"], let runtimes = parsed.options["runtimes"],
              let key = environment["ANNEAL_WORKER_ACCESS_KEY_ID"], let secret = environment["ANNEAL_WORKER_SECRET_ACCESS_KEY"] else {
            printError("anneal worker: --job, --host, --control-plane, --job-dir, --runtimes and the credential variables are required")
            return ExitCode.usage
        }
        let signals = parsed.options["signals"] ?? "local"
        guard signals == "local" || signals == "slurm" else {
            printError("anneal worker: --signals is local or slurm, not '\(signals)'")
            return ExitCode.usage
        }
        var options = WorkerOptions(
            jobName: job, hostIndex: host, controlPlane: endpoint, region: parsed.options["region"] ?? "us-east-1",
            jobDirectory: directory, runtimesDirectory: runtimes,
            stopGraceSeconds: parsed.options["stop-grace"].flatMap(Int.init) ?? 120, accessKeyID: key, secret: secret,
            sessionToken: environment["ANNEAL_WORKER_SESSION_TOKEN"])
        options.clusterSignals = signals == "slurm"
        options.ownsDirectory = parsed.flags.contains("own-directory")
        options.warmFrom = parsed.options["warm-from"]
        let worker = TrainingWorker(options: options)
        signal(SIGTERM, SIG_IGN)
        let stop = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        // On Slurm a SIGTERM comes from the cluster (a preemption, a cancellation): an interruption.
        stop.setEventHandler { if options.clusterSignals { worker.requestInterruption() } else { worker.requestStop() } }
        stop.resume()
        signal(SIGUSR2, SIG_IGN)
        let anneal = DispatchSource.makeSignalSource(signal: SIGUSR2, queue: .global())
        anneal.setEventHandler { if options.clusterSignals { worker.requestStop() } }
        anneal.resume()
        signal(SIGUSR1, SIG_IGN)
        let interruption = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .global())
        interruption.setEventHandler { worker.requestInterruption() }
        interruption.resume()
        return withExtendedLifetime((stop, interruption, anneal)) { JobsCommand.run { await worker.run() } }
    }
}
