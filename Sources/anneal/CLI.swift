import Glibc

/// Exit codes, as swift-argument-parser and sysexits use them.
enum ExitCode {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 64
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// A small argument parser: `--name value`, `--name=value` and `--flag`.
struct Arguments {
    private(set) var options: [String: String] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positional: [String] = []
    /// Every value of each option, in order (for repeatable options; `options` keeps the last).
    private(set) var lists: [String: [String]] = [:]

    init(_ arguments: [String], flags known: Set<String>, options allowed: Set<String>) throws(UsageError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                positional.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if known.contains(name) {
                guard value == nil else { throw UsageError("--\(name) takes no value") }
                flags.insert(name)
            } else if allowed.contains(name) {
                if value == nil {
                    guard index < arguments.count else { throw UsageError("--\(name) needs a value") }
                    value = arguments[index]
                    index += 1
                }
                options[name] = value
                lists[name, default: []].append(value ?? "")
            } else {
                throw UsageError("unknown option --\(name)")
            }
        }
    }
}

enum CLI {
    static let usage = """
        usage: anneal <command> [options]

        commands:
          serve      run the platform (SageMaker, S3, Logs, CloudWatch, STS, IAM on one port)
          jobs       list, describe, stop training jobs and read their logs
          train      run a training job from local code and data (uploads, creates, --wait follows it)
          tune       start a hyperparameter tuning job from a JSON request (--wait follows it)
          tunes      list, describe, stop tuning jobs and rank their trials
          capacity   capacity pools, instances, the queue and cost so far; reclaim a spot instance
          console    the web console's address; set a user's console password
          audit      the audit log: denied requests and IAM changes (who, what, when, from where)
          worker     run one instance of a training job (started by serve)
          version    print the version

        Run `anneal <command> --help` for a command's options.
        """

    static func run(_ arguments: [String]) -> Int32 {
        guard let command = arguments.first else {
            printError(usage)
            return ExitCode.usage
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "serve": return ServeCommand.main(rest)
        case "worker": return WorkerCommand.main(rest)
        case "jobs": return JobsCommand.main(rest)
        case "train": return TrainCommand.main(rest)
        case "tune": return TunesCommand.tune(rest)
        case "tunes": return TunesCommand.main(rest)
        case "capacity": return CapacityCommand.main(rest)
        case "console": return ConsoleCommand.main(rest)
        case "audit": return AuditCommand.main(rest)
        case "tuning-bench": return TuningBenchCommand.main(rest)  // hidden: bench/hpo drives the tuning strategies
        case "version", "--version": print("anneal \(version)"); return ExitCode.success
        case "help", "--help", "-h": print(usage); return ExitCode.success
        default:
            printError("anneal: unknown command '\(command)'\n\n\(usage)")
            return ExitCode.usage
        }
    }

    static let version = "0.1.0"
}

func printError(_ message: String) {
    var line = message
    if !line.hasSuffix("\n") { line += "\n" }
    fflush(nil)
    line.withUTF8 { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
}
