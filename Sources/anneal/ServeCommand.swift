import AnnealCore
import AnnealCrypto
import AnnealHTTP
import AnnealObjects
import AnnealRuntime
import AnnealServices
import AnnealStore
import Foundation

/// `anneal serve`: open the store, make sure an administrator exists, listen, wait for a signal.
enum ServeCommand {
    static func main(_ arguments: [String]) -> Int32 {
        let config: ServeConfig
        do {
            let parsed = try Arguments(arguments, flags: ["help"], options: ServeConfig.options)
            if parsed.flags.contains("help") {
                print(ServeConfig.help)
                return ExitCode.success
            }
            guard parsed.positional.isEmpty else { throw UsageError("unexpected argument '\(parsed.positional[0])'") }
            config = try ServeConfig.resolve(arguments: parsed, environment: ProcessInfo.processInfo.environment)
        } catch {
            printError("anneal serve: \(error)\nRun `anneal serve --help` for the options.")
            return ExitCode.usage
        }
        do {
            try serve(config)
            return ExitCode.success
        } catch {
            printError("anneal serve: \(error)")
            return ExitCode.failure
        }
    }

    static func serve(_ config: ServeConfig) throws {
        let logger = Logger(minimumLevel: Logger.Level(rawValue: config.logLevel) ?? .info)
        // Signals are blocked before any thread starts, so every thread inherits the mask and the
        // main thread alone receives them in `sigwait`.
        let signals = ShutdownSignals.block()

        try SafeFile.makeDirectory(config.home, mode: 0o700)
        let database = try Database(path: config.home + "/anneal.db")
        let box = try SecretBox(key: try Bootstrap.secretKey(home: config.home))
        let identity = IdentityStore(database: database)
        let admin = try Bootstrap.administrator(identity: identity, box: box, now: Int64(Date().timeIntervalSince1970))
        if admin.created {
            logger.info("account_created", [("account", admin.accountID), ("user", admin.userName),
                                             ("access_key_id", admin.accessKeyID)])
        }

        let objects = try FileObjectStore(database: database, root: config.home + "/objects")
        let recovery = try objects.recover()
        if recovery.temporaryFiles + recovery.pendingBlobs + recovery.garbageBlobs > 0 {
            logger.info("objects_recovered", [("temporary_files", String(recovery.temporaryFiles)),
                                              ("pending_blobs", String(recovery.pendingBlobs)), ("garbage_blobs", String(recovery.garbageBlobs))])
        }

        let metrics = PlatformMetrics()
        let scheduler = DeferredScheduler()
        let jobs = TrainingJobStore(database: database)
        let tuningJobs = TuningJobStore(database: database)
        let tuner = DeferredTuner()
        let iamStore = IAMStore(database: database)
        if admin.created { Bootstrap.defaultExecutionRole(iam: iamStore, accountID: admin.accountID, logger: logger) }
        let sagemaker = SageMakerService(jobs: jobs, accountID: admin.accountID, region: config.region, scheduler: scheduler,
                                         clock: { Date().timeIntervalSince1970 }, tuningJobs: tuningJobs, tunerChanged: { tuner.wake() },
                                         roleTrust: { name in (try? iamStore.role(accountID: admin.accountID, name: name))?.trustPolicy })
        let logStore = LogStore(database: database)
        let logs = LogsService(store: logStore)
        let metricStore = MetricStore(database: database)
        let cloudwatch = CloudWatchService(store: metricStore)
        let workerEndpoint = WorkerEndpoint(metrics: metricStore, metricsPeriodSeconds: config.workerMetricsPeriod)
        let credentials = CredentialResolver(identity: identity, box: box, iam: iamStore,
                                             jobEnded: { name in (try? jobs.status(named: name)).map { $0?.isTerminal ?? true } ?? false })
        let iam = IAMService(store: iamStore, identity: identity, box: box, accountID: admin.accountID,
                             changed: { credentials.invalidateAll() })
        let capacityEndpoint = CapacityEndpoint(records: CapacityStore(database: database))
        let auditStore = AuditStore(database: database)
        let audit = AuditTrail(store: auditStore, logger: logger, clockMilliseconds: { Int64(Date().timeIntervalSince1970 * 1000) })
        let services = ServiceDirectory(json: [sagemaker, logs, cloudwatch, workerEndpoint, capacityEndpoint, AuditService(store: auditStore)], query: [STSService(roles: iamStore, credentials: credentials), cloudwatch, iam],
                                        s3: S3Service(storage: objects, region: config.region))
        try? identity.deleteSessions(expiredBefore: Int64(Date().timeIntervalSince1970) - 86_400)
        let console = Console(credentials: credentials, region: config.region,
                              sessions: ConsoleSessions(clock: { Int64(Date().timeIntervalSince1970) }),
                              passwords: ConsolePasswords(profiles: LoginProfileStore(database: database), identity: identity,
                                                          accountID: admin.accountID))
        let gateway = Gateway(services: services, credentials: credentials, policy: PlatformPolicy(), metrics: metrics, logger: logger,
                              console: console, audit: audit) {
            [(name: "anneal_database_bytes", help: "Size of the SQLite database and its WAL.", value: Double(database.sizeOnDisk))]
                + PlatformGauges.read(jobs: jobs, logs: logStore, metrics: metricStore)
        }
        RetentionSchedule(logs: logStore, metrics: metricStore, metricRetentionDays: config.metricRetentionDays,
                          interval: config.retentionInterval, note: { event, fields in logger.info(event, fields) }).start()

        var http = HTTPServerConfig()
        http.host = config.host
        http.port = config.port
        http.threads = config.threads
        http.connectionTimeout = config.connectionTimeout
        http.perIPConnectionLimit = config.perIPConnectionLimit
        http.connectionLimit = config.connectionLimit
        if let certPath = config.tlsCert, let keyPath = config.tlsKey {
            guard let cert = try? String(contentsOfFile: certPath, encoding: .utf8),
                  let key = try? String(contentsOfFile: keyPath, encoding: .utf8) else {
                throw ServiceError("cannot read --tls-cert \(certPath) or --tls-key \(keyPath)")
            }
            http.tlsCertPEM = cert
            http.tlsKeyPEM = key
        }
        let server = try HTTPServer(config: http, handler: gateway)

        let endpoint = config.endpoint(boundPort: server.port)
        var pools: [CapacityPool] = []
        for kind in PoolKind.allCases {
            let machine = config.slurm.isSlurm ? SlurmWiring.pool(kind, gpus: config.slurm.gpuGres != nil) : MachineResources.pool(kind, overcommit: config.overcommit)
            pools.append(try config.poolSettings[kind].map { setting throws(UsageError) in
                try ServeConfig.pool(setting, over: machine, option: "\(kind.rawValue)-pool")
            } ?? machine)
            logger.info("capacity_pool", [("pool", kind.rawValue), ("vcpus", String(pools[pools.count - 1].resources.vCPUs)),
                                          ("memory_mib", String(pools[pools.count - 1].resources.memoryMiB)),
                                          ("gpus", String(pools[pools.count - 1].resources.gpus))])
        }
        let market = SpotMarket(ratePerHour: config.spotInterruptionRate, trace: try config.spotMarketTrace(), seed: config.spotSeed)
        let capacityRecords = CapacityStore(database: database)
        let slurm = try SlurmWiring.executor(config, endpoint: endpoint, database: database, logger: logger)
        let supervisor = Supervisor(
            config: Supervisor.Config(workerExecutable: ServeCommand.executablePath(), controlPlane: URL(string: endpoint)!,
                                      region: config.region, jobsDirectory: config.home + "/jobs",
                                      runtimesDirectory: config.home + "/runtimes", stopGraceSeconds: config.stopGraceSeconds,
                                      capacity: SlurmWiring.maxInstances(config), pools: pools, market: market) { [stopGrace = config.stopGraceSeconds] job in
                // As SageMaker's instances: the execution role's session "SageMaker", for as long as the job may run.
                let lifetime = Int64(max(job.spec.maxRuntimeSeconds, job.spec.maxWaitSeconds ?? 0) + stopGrace + 3600)
                let session = try credentials.issueSession(accountID: admin.accountID, roleARN: job.spec.roleARN, sessionName: "SageMaker",
                                                           trainingJob: job.spec.name, lifetime: lifetime)
                return .init(accessKeyID: session.accessKeyID, secret: session.secret, sessionToken: session.sessionToken)
            },
            jobs: jobs, records: capacityRecords, executor: slurm, note: { event, fields in logger.info(event, fields) })
        scheduler.attach(supervisor)
        capacityEndpoint.attach(supervisor)
        if let slurm {
            capacityEndpoint.attachCluster { slurm.report() }
            slurm.start()
        }
        workerEndpoint.attach(supervisor)
        supervisor.start()
        tuner.start(tuningJobs: tuningJobs, trainingJobs: jobs, metrics: metricStore, supervisor: supervisor, accountID: admin.accountID,
                    region: config.region, note: { event, fields in logger.info(event, fields) })
        var caBundle: String?
        if config.isTLS, config.tlsCA != "none" {
            caBundle = URL(fileURLWithPath: config.tlsCA ?? config.tlsCert ?? "").path
        }
        let files = try Bootstrap.writeProfile(home: config.home, endpoint: endpoint, region: config.region,
                                               caBundle: caBundle, admin: admin)
        try SafeFile.write(endpoint + "\n", to: config.home + "/endpoint")
        // Read again at each job start; a broken table is reported now rather than first in a FailureReason.
        do { _ = try RuntimeTable.load(path: config.home + "/runtimes.json") } catch {
            logger.warning("runtime_table_invalid", [("error", error.message)])
        }
        logger.info("listening", [("endpoint", endpoint), ("home", config.home), ("threads", String(config.threads))])
        print("""
            Anneal is serving on \(endpoint) (account \(admin.accountID), data in \(config.home)).
            To use it from the AWS CLI, boto3 or the sagemaker SDK in another shell:

              export AWS_CONFIG_FILE=\(files.config)
              export AWS_SHARED_CREDENTIALS_FILE=\(files.credentials)
              export AWS_PROFILE=\(files.profile)

            Then try: aws sts get-caller-identity
            Stop with Ctrl-C.
            """)
        fflush(nil)

        let received = signals.wait()
        logger.info("shutting_down", [("signal", received), ("in_flight", String(server.inFlight))])
        server.shutdown(grace: .seconds(30))
        database.close()
        unlink(config.home + "/endpoint")
        logger.info("stopped")
    }
}

extension ServeCommand {
    /// This binary, which also runs workers (`anneal worker`).
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// The scheduler the SageMaker API notifies; the supervisor is attached once the server knows its
/// own endpoint (it needs it to start workers).
final class DeferredScheduler: TrainingJobScheduler, @unchecked Sendable {
    private let lock = NSLock()
    private var supervisor: Supervisor?

    func attach(_ supervisor: Supervisor) { lock.withLock { self.supervisor = supervisor } }

    func jobCreated(_ name: String) {
        let target = lock.withLock { supervisor }
        // Launching spawns processes and writes files: not on the request thread's critical path.
        DispatchQueue.global().async { target?.launch(name) }
    }

    func stopRequested(_ name: String) {
        let target = lock.withLock { supervisor }
        target?.stop(name, cause: .user)
    }

    func neverFits(_ spec: TrainingJobSpec) -> String? {
        lock.withLock { supervisor }?.neverFits(spec)
    }

    func keepWarm(_ name: String, seconds: Int) -> String? {
        guard let supervisor = lock.withLock({ supervisor }) else { return "The platform is starting; retry." }
        return supervisor.keepWarm(name, seconds: seconds)
    }
}
