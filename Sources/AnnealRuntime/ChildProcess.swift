import CAnnealShim
import Foundation
import Glibc
import Synchronization

/// How a child process ended.
public enum ProcessExit: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var succeeded: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signaled(let signal): "signal \(signal)" + (signal == SIGKILL ? " (SIGKILL)" : signal == SIGTERM ? " (SIGTERM)" : "")
        }
    }
}

public struct SpawnError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Starts child processes in their own sessions and reports their ends, from one reaper thread
/// that blocks in waitid (never on the cooperative pool).
///
/// The reaper is one per process, whatever the number of `ChildProcesses`: two reapers waiting
/// for any child would take each other's children, and the handler of a stolen child would never
/// run. It reaps only the children it started: another part of the process (`popen`, Foundation's
/// `Process`) waits for its own.
public final class ChildProcesses: Sendable {
    private struct State {
        var handlers: [Int32: @Sendable (ProcessExit) -> Void] = [:]
    }

    private static let state = Mutex(State())
    private static let wakeup = DispatchSemaphore(value: 0)
    private static let reaper: Void = {
        let thread = Thread { ChildProcesses.reap() }
        thread.name = "anneal-reaper"
        thread.start()
    }()

    /// Children are forked from this one long-lived thread: PR_SET_PDEATHSIG fires when the *thread*
    /// that forked exits, and pool threads come and go.
    private let spawner = SpawnThread()

    public init() {
        _ = Self.reaper
    }

    /// Starts `arguments[0]` (an absolute path) and calls `onExit` once it ends.
    public func spawn(_ arguments: [String], environment: [String: String], directory: String? = nil,
                      stdout: Int32 = -1, stderr: Int32 = -1, dieWithParent: Bool = true, limits: ResourceLimits? = nil,
                      onExit: @escaping @Sendable (ProcessExit) -> Void) throws(SpawnError) -> Int32 {
        guard let path = arguments.first else { throw SpawnError(message: "nothing to run") }
        let variables = environment.map { "\($0.key)=\($0.value)" }
        let box = SpawnResult()
        // The handler is registered under the lock before the child can be reaped.
        spawner.run { [self] in
            let argv = arguments.map { strdup($0) } + [nil]
            let envp = variables.map { strdup($0) } + [nil]
            defer {
                argv.forEach { free($0) }
                envp.forEach { free($0) }
            }
            var pid: Int32 = 0
            let joins = limits?.procsDescriptors ?? []
            let addressSpace = UInt64(limits?.addressSpaceLimit ?? 0)
            let rc: Int32 = Self.state.withLock { state in
                let rc = argv.withUnsafeBufferPointer { argvPointer in
                    envp.withUnsafeBufferPointer { envpPointer in
                        joins.withUnsafeBufferPointer { joinPointer in
                            withOptionalCString(directory) { cwd in
                                anneal_spawn(path, argvPointer.baseAddress, envpPointer.baseAddress, cwd, stdout, stderr,
                                             dieWithParent ? 1 : 0, joinPointer.baseAddress, Int32(joins.count), addressSpace, &pid)
                            }
                        }
                    }
                }
                if rc == 0 { state.handlers[pid] = onExit }
                return rc
            }
            box.set(rc, pid)
        }
        let (result, pid) = box.get()
        guard result == 0 else { throw SpawnError(message: "cannot start \(path): \(String(cString: strerror(result)))") }
        Self.wakeup.signal()
        return pid
    }

    /// Signals a child's whole process group (it leads its own session).
    public func signal(_ pid: Int32, _ signal: Int32) {
        if kill(-pid, signal) != 0 { kill(pid, signal) }
    }

    /// SIGTERM to every process of the child's session except the child itself. A sandbox's
    /// bubblewrap would die of the signal and take the training process with it before that could
    /// react; the processes inside get the notice instead, as `docker stop` gives it.
    public func terminateDescendants(of pid: Int32) {
        for member in Self.sessionMembers(pid) where member != pid { kill(member, SIGTERM) }
    }

    static func sessionMembers(_ session: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // Fields after the command name: state ppid pgrp session ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, Int32(fields[3]) == session else { return nil }
            return pid
        }
    }

    private static func reap() {
        while true {
            if state.withLock({ $0.handlers.isEmpty }) {
                wakeup.wait()
                continue
            }
            // Which child ended, without reaping it yet: it may be someone else's.
            var info = siginfo_t()
            if waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) != 0 {
                if errno == ECHILD { usleep(50_000) }
                continue
            }
            let pid = info._sifields._sigchld.si_pid
            guard state.withLock({ $0.handlers[pid] != nil }) else {
                // Not ours: its owner reaps it. Give it the moment it needs.
                usleep(5_000)
                continue
            }
            var status: Int32 = 0
            guard waitpid(pid, &status, 0) == pid else { continue }
            let exit: ProcessExit = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
            if let handler = state.withLock({ $0.handlers.removeValue(forKey: pid) }) { handler(exit) }
        }
    }
}

func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

/// The result of a spawn, handed from the spawner thread back to the caller.
private final class SpawnResult: @unchecked Sendable {
    private var value: (Int32, Int32) = (0, 0)
    func set(_ rc: Int32, _ pid: Int32) { value = (rc, pid) }
    func get() -> (Int32, Int32) { value }
}

/// A thread that lives as long as the process and runs the closures it is given, one at a time.
private final class SpawnThread: @unchecked Sendable {
    private let lock = NSCondition()
    private var queue: [() -> Void] = []

    init() {
        let thread = Thread { [self] in
            while true {
                lock.lock()
                while queue.isEmpty { lock.wait() }
                let work = queue.removeFirst()
                lock.unlock()
                work()
            }
        }
        thread.name = "anneal-spawner"
        thread.start()
    }

    /// Runs `work` on the thread and waits for it (the semaphore orders the result's write before the read).
    func run(_ work: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        lock.lock()
        queue.append {
            work()
            done.signal()
        }
        lock.signal()
        lock.unlock()
        done.wait()
    }
}
