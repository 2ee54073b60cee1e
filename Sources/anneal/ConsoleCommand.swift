import AnnealClient
import Foundation
import Glibc

/// `anneal console` prints the web console's address; `anneal console password USER` sets the
/// user's console password (IAM CreateLoginProfile, or UpdateLoginProfile when one is set), read
/// from standard input, without echo on a terminal, so it never sits in the shell's history.
enum ConsoleCommand {
    static let usage = """
        usage: anneal console                     print the web console's address
               anneal console password USER      set USER's console password (read from standard input)
        options: --home DIR (default $ANNEAL_HOME or ~/.anneal)
        """

    static func main(_ arguments: [String]) -> Int32 {
        let parsed: Arguments
        do { parsed = try Arguments(arguments, flags: ["help"], options: ["home"]) } catch {
            printError("anneal console: \(error)\n\(usage)")
            return ExitCode.usage
        }
        if parsed.flags.contains("help") {
            print(usage)
            return ExitCode.success
        }
        let verb = parsed.positional.first ?? "url"
        guard (verb == "url" && parsed.positional.count <= 1) || (verb == "password" && parsed.positional.count == 2) else {
            printError("anneal console: \(verb == "password" ? "name exactly one user" : "unknown verb '\(verb)'")\n\(usage)")
            return ExitCode.usage
        }
        let client: AWSClient
        do { client = try ClientProfile.load(home: parsed.options["home"]) } catch {
            printError("anneal console: \(error)")
            return ExitCode.failure
        }
        let address = client.endpoint.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/console/"
        if verb == "url" {
            print(address)
            return ExitCode.success
        }
        let user = parsed.positional[1]
        guard let password = readPassword(prompt: "Console password for \(user): "), !password.isEmpty else {
            printError("anneal console password: no password given on standard input")
            return ExitCode.usage
        }
        return JobsCommand.run { () async throws -> Int32 in
            let parameters = ["UserName": user, "Password": password]
            do {
                _ = try await client.query(signingName: "iam", action: "CreateLoginProfile", version: "2010-05-08", parameters: parameters)
            } catch let error as ClientError where error.code == "EntityAlreadyExists" {
                _ = try await client.query(signingName: "iam", action: "UpdateLoginProfile", version: "2010-05-08", parameters: parameters)
            }
            print("Console password set for \(user). Sign in at \(address)")
            return ExitCode.success
        }
    }

    /// One line from standard input; on a terminal, prompted and not echoed.
    static func readPassword(prompt: String) -> String? {
        let terminal = isatty(0) == 1
        var saved = termios()
        if terminal {
            printError(prompt)
            tcgetattr(0, &saved)
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSANOW, &quiet)
        }
        defer {
            if terminal {
                tcsetattr(0, TCSANOW, &saved)
                printError("")
            }
        }
        return readLine(strippingNewline: true)
    }
}
