// Anneal: one binary, subcommands. Wiring only; see CLI.swift.
import Glibc

exit(CLI.run(Array(CommandLine.arguments.dropFirst())))
