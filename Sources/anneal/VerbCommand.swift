import AnnealClient

/// What `anneal jobs VERB` and `anneal tunes VERB` share: the options parsed, `--help`, a verb that
/// takes one name (or, for `list`, none), and a client signed with the profile `anneal serve` wrote.
struct VerbCommand {
    enum Prelude {
        case ready(VerbCommand)
        /// Help was printed or the command line was wrong: exit with this.
        case exit(Int32)
    }

    let parsed: Arguments
    let verb: String
    /// The one name the verb takes (empty for `list`).
    let name: String
    let client: AWSClient

    static func parse(_ arguments: [String], command: String, usage: String, flags: Set<String>, options: Set<String>,
                      noun: String) -> Prelude {
        let parsed: Arguments
        do { parsed = try Arguments(arguments, flags: flags.union(["help"]), options: options.union(["home"])) } catch {
            printError("\(command): \(error)\n\(usage)")
            return .exit(ExitCode.usage)
        }
        guard !parsed.flags.contains("help"), let verb = parsed.positional.first else {
            print(usage)
            return .exit(parsed.flags.contains("help") ? ExitCode.success : ExitCode.usage)
        }
        let names = Array(parsed.positional.dropFirst())
        guard verb == "list" ? names.isEmpty : names.count == 1 else {
            printError("\(command) \(verb): \(verb == "list" ? "takes no name" : "needs exactly one \(noun) name")\n\(usage)")
            return .exit(ExitCode.usage)
        }
        do {
            return .ready(VerbCommand(parsed: parsed, verb: verb, name: names.first ?? "",
                                      client: try ClientProfile.load(home: parsed.options["home"])))
        } catch {
            printError("\(command): \(error)")
            return .exit(ExitCode.failure)
        }
    }
}
