import Foundation
import Synchronization

/// The platform's own metrics, rendered for Prometheus on `/metrics`.
public final class PlatformMetrics: Sendable {
    struct RequestKey: Hashable {
        var service: String
        var operation: String
        var status: Int
    }

    struct LatencyKey: Hashable {
        var service: String
        var operation: String
    }

    struct Histogram {
        var buckets: [Int]
        var count = 0
        var sum = 0.0

        init(bounds: Int) { buckets = Array(repeating: 0, count: bounds) }
    }

    struct State {
        var requests: [RequestKey: Int] = [:]
        var latency: [LatencyKey: Histogram] = [:]
        /// CPU seconds the server's threads spent in requests, by service.
        var cpu: [String: Double] = [:]
    }

    /// Upper bounds of the latency buckets, in seconds.
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let state = Mutex(State())
    public let inFlight = Atomic<Int>(0)

    public init() {}

    /// `cpuSeconds`: what the request cost the thread that served it (reading, authenticating,
    /// running the operation, not the sending of a reply body).
    public func record(service: String, operation: String, status: Int, seconds: Double, cpuSeconds: Double = 0) {
        state.withLock { state in
            state.requests[RequestKey(service: service, operation: operation, status: status), default: 0] += 1
            state.cpu[service, default: 0] += cpuSeconds
            let key = LatencyKey(service: service, operation: operation)
            var histogram = state.latency[key] ?? Histogram(bounds: Self.bounds.count)
            if let index = Self.bounds.firstIndex(where: { seconds <= $0 }) { histogram.buckets[index] += 1 }
            histogram.count += 1
            histogram.sum += seconds
            state.latency[key] = histogram
        }
    }

    /// Prometheus text exposition format 0.0.4. `gauges` adds platform gauges (name, help, value).
    public func render(gauges: [(name: String, help: String, value: Double)] = []) -> String {
        let snapshot = state.withLock { $0 }
        var out = "# HELP anneal_requests_total Requests served, by service, operation and HTTP status.\n"
        out += "# TYPE anneal_requests_total counter\n"
        for (key, count) in snapshot.requests.sorted(by: { ($0.key.service, $0.key.operation, $0.key.status) < ($1.key.service, $1.key.operation, $1.key.status) }) {
            out += "anneal_requests_total{service=\"\(label(key.service))\",operation=\"\(label(key.operation))\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP anneal_request_duration_seconds Time from request line to response, by service and operation.\n"
        out += "# TYPE anneal_request_duration_seconds histogram\n"
        for (key, histogram) in snapshot.latency.sorted(by: { ($0.key.service, $0.key.operation) < ($1.key.service, $1.key.operation) }) {
            let labels = "service=\"\(label(key.service))\",operation=\"\(label(key.operation))\""
            var cumulative = 0
            for (index, bound) in Self.bounds.enumerated() {
                cumulative += histogram.buckets[index]
                out += "anneal_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "anneal_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "anneal_request_duration_seconds_sum{\(labels)} \(histogram.sum)\n"
            out += "anneal_request_duration_seconds_count{\(labels)} \(histogram.count)\n"
        }
        out += "# HELP anneal_request_cpu_seconds_total CPU time spent serving requests, by service (reading, "
            + "authenticating and running them; sending reply bodies not included).\n"
        out += "# TYPE anneal_request_cpu_seconds_total counter\n"
        for (service, seconds) in snapshot.cpu.sorted(by: { $0.key < $1.key }) {
            out += "anneal_request_cpu_seconds_total{service=\"\(label(service))\"} \(seconds)\n"
        }
        out += "# HELP anneal_requests_in_flight Requests being served now.\n# TYPE anneal_requests_in_flight gauge\n"
        out += "anneal_requests_in_flight \(inFlight.load(ordering: .relaxed))\n"
        // A gauge's name may carry labels (`name{status="Failed"}`): HELP and TYPE once per family;
        // a family named `..._total` is a counter.
        var described: Set<Substring> = []
        for gauge in gauges {
            let family = gauge.name.prefix { $0 != "{" }
            if described.insert(family).inserted {
                out += "# HELP \(family) \(gauge.help)\n# TYPE \(family) \(family.hasSuffix("_total") ? "counter" : "gauge")\n"
            }
            out += "\(gauge.name) \(gauge.value)\n"
        }
        return out
    }

    private func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
