/// Failed console sign-ins, counted per client address and per (address, access key): a pure
/// value, so the limits are tested with synthetic time. Successful sign-ins clear the pair's count
/// but not the address's, so guessing many keys from one address stays limited.
public struct SignInThrottle: Sendable {
    public struct Limit: Sendable {
        public var failures: Int
        public var windowSeconds: Int64
        public init(failures: Int, windowSeconds: Int64) {
            self.failures = failures
            self.windowSeconds = windowSeconds
        }
    }

    public var perKey = Limit(failures: 5, windowSeconds: 300)
    public var perAddress = Limit(failures: 30, windowSeconds: 300)
    private var failures: [String: [Int64]] = [:]

    public init() {}

    /// Seconds the client must wait before trying again, or nil when it may try now.
    public mutating func retryAfter(address: String, accessKeyID: String, now: Int64) -> Int64? {
        prune(now: now)
        let waits = [wait(Self.addressKey(address), perAddress, now: now),
                     wait(Self.pairKey(address, accessKeyID), perKey, now: now)].compactMap { $0 }
        return waits.max()
    }

    public mutating func recordFailure(address: String, accessKeyID: String, now: Int64) {
        failures[Self.addressKey(address), default: []].append(now)
        failures[Self.pairKey(address, accessKeyID), default: []].append(now)
    }

    public mutating func recordSuccess(address: String, accessKeyID: String) {
        failures.removeValue(forKey: Self.pairKey(address, accessKeyID))
    }

    private func wait(_ key: String, _ limit: Limit, now: Int64) -> Int64? {
        guard let times = failures[key]?.filter({ now - $0 < limit.windowSeconds }), times.count >= limit.failures else { return nil }
        // Allowed again once enough of the failures in the window have aged out of it.
        let pivot = times[times.count - limit.failures]
        return max(1, pivot + limit.windowSeconds - now)
    }

    private mutating func prune(now: Int64) {
        let horizon = max(perKey.windowSeconds, perAddress.windowSeconds)
        if failures.count > 100_000 { failures.removeAll() }  // bounded under a spray of addresses
        for (key, times) in failures {
            let kept = times.filter { now - $0 < horizon }
            failures[key] = kept.isEmpty ? nil : kept
        }
    }

    static func addressKey(_ address: String) -> String { "a:" + address }
    static func pairKey(_ address: String, _ key: String) -> String { "k:" + address + "|" + key }
}
