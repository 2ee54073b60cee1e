// Anneal: one binary, subcommands. Wiring only; see CLI.swift.
import AnnealRuntime
import Glibc

MemoryTuning.keepLargeBuffersInHeap()
exit(CLI.run(Array(CommandLine.arguments.dropFirst())))
