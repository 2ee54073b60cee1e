import AnnealCore
import AnnealStore
import Synchronization

/// What one request's authorisation decided, as the audit log needs it: the action and resource of
/// the decision that refused it, else of the last one that allowed it.
public final class AuthorizationNote: Sendable {
    private let state = Mutex<(action: String, resource: String, denied: Bool)?>(nil)

    public init() {}

    func allowed(_ action: String, _ resource: String) {
        state.withLock { current in
            if current?.denied != true { current = (action, resource, false) }
        }
    }

    func denied(_ action: String, _ resource: String) {
        state.withLock { $0 = (action, resource, true) }
    }

    /// The action and resource decided last (a denial wins), if any was.
    var decided: (action: String, resource: String)? {
        state.withLock { current in current.map { ($0.action, $0.resource) } }
    }
}

/// Keeps the audit log: events are committed before the reply is sent, and the log is pruned to its
/// retention bound (an age and a count) every so many events.
public final class AuditTrail: Sendable {
    public struct Retention: Sendable {
        public var days: Int
        public var maxEvents: Int
        /// Prune once every this many appended events (and at start).
        public var pruneEvery: Int

        public init(days: Int = 90, maxEvents: Int = 1_000_000, pruneEvery: Int = 1000) {
            self.days = days
            self.maxEvents = maxEvents
            self.pruneEvery = pruneEvery
        }
    }

    let store: AuditStore
    let retention: Retention
    let clockMilliseconds: @Sendable () -> Int64
    let logger: Logger?
    private let appended = Atomic<Int>(0)

    public init(store: AuditStore, retention: Retention = Retention(), logger: Logger? = nil,
                clockMilliseconds: @escaping @Sendable () -> Int64) {
        self.store = store
        self.retention = retention
        self.logger = logger
        self.clockMilliseconds = clockMilliseconds
        prune()
    }

    /// Records one event. A failure to write is logged (without secrets: the event holds none) rather
    /// than turned into the caller's error: what it records has already happened.
    func record(_ event: AuditEvent) {
        do {
            try store.append(event)
        } catch {
            logger?.error("audit_write_failed", [("action", event.action), ("principal", event.principal),
                                                 ("request_id", event.requestID), ("error", error.message)])
        }
        if appended.add(1, ordering: .relaxed).newValue % max(1, retention.pruneEvery) == 0 { prune() }
    }

    func prune() {
        let cutoff = clockMilliseconds() - Int64(retention.days) * 86_400_000
        do {
            let removed = try store.prune(olderThan: cutoff, keep: retention.maxEvents)
            if removed > 0 { logger?.info("audit_pruned", [("events", String(removed))]) }
        } catch {
            logger?.warning("audit_prune_failed", [("error", error.message)])
        }
    }
}
