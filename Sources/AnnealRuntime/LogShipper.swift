import AnnealClient
import Foundation
import Synchronization

/// Sends a training process's output lines to CloudWatch Logs (one stream per host) in batches,
/// within a fraction of a second of being read, and extracts `MetricDefinitions` matches.
///
/// The output comes in as the raw bytes of each read (`add(output:)`): the reader of the script's
/// pipe only copies, so the pipe is drained at memory speed whatever the rest costs, and the script
/// never waits for the platform while it has room (`outputLimit`). Lines are cut, decoded and matched
/// on the sending side, in order with the worker's own lines (`add(_:at:)`).
public final class LogShipper: Sendable {
    enum Entry {
        /// A line of the worker's own.
        case line(String, Int64)
        /// The bytes of one read of the output pipe `source`, read at `timestamp`.
        case output(source: Int32, bytes: [UInt8], timestamp: Int64)
        /// The end of `source`: what is left of its last line is a line.
        case end(source: Int32, timestamp: Int64)
    }

    /// What the readers hand over, under a lock they hold only to append.
    struct Pending {
        var entries: [Entry] = []
        /// Bytes of output handed over and not yet cut into lines.
        var outputBytes = 0
        /// When lines were last taken for sending (ms), and whether a prompt flush is on its way.
        var lastSent: Int64 = 0
        var promptFlushScheduled = false
    }

    /// The sending side's state: lines cut and not yet sent, the unfinished line of each source, the
    /// last lines for failure reasons.
    struct Lines {
        /// Entries taken from the readers and not cut yet.
        var queued: [Entry] = []
        var ready: [(timestamp: Int64, message: String)] = []
        var metrics: [WorkerProtocol.MetricPoint] = []
        var partial: [Int32: [UInt8]] = [:]
        /// The pieces (and their bytes) of the line of each source being split.
        var split: [Int32: (pieces: Int, bytes: Int)] = [:]
        /// The last `tailLength` lines, a ring: `tail[next]` is the oldest once it is full.
        var tail: [String] = []
        var next = 0
        /// For each metric definition, the lines its regex gave up on for taking too long; at
        /// `regexStrikes` it is applied no more.
        var slowLines: [Int] = []

        /// A line of the platform's about the output (not matched against the metric definitions).
        mutating func notice(_ line: String, at timestamp: Int64) {
            ready.append((timestamp, line))
            remember(line)
        }

        /// Keeps `line` among the last `tailLength` (for FailureReason), replacing the oldest.
        mutating func remember(_ line: String) {
            if tail.count < LogShipper.tailLength {
                tail.append(line)
            } else {
                tail[next] = line
                next = (next + 1) % LogShipper.tailLength
            }
        }
    }

    /// After this long without output, the first new lines are sent at once (after a short pause to
    /// gather the lines that come with them) instead of at the next periodic flush: a job's first
    /// line shows within milliseconds, while steady output still goes in the periodic batches.
    static let idleMilliseconds: Int64 = 200
    static let promptDelay = Duration.milliseconds(5)

    static let tailLength = 20

    /// Output held in memory before the reader lets the pipe fill (and the script wait).
    static let outputLimit = 256 << 20

    static let group = "/aws/sagemaker/TrainingJobs"
    private let client: AWSClient
    private let stream: String
    private let jobName: String
    private let hostIndex: Int
    private let definitions: [(name: String, regex: NSRegularExpression)]
    private let pending = Mutex(Pending())
    /// Taken by whoever cuts lines (a flush, `tail`), never by the readers.
    private let lines: Mutex<Lines>
    /// The flush in progress, which the next one waits for: flushes never overlap, so a final
    /// flush returns only once every line handed over before it has been sent. A flush queued and
    /// not started yet is joined rather than another queued behind it (it sends what is there when it
    /// starts): the periodic flushes of a long send pile up no further than one.
    private struct Flushes {
        var last: Task<Void, Never>?
        var queued: Task<Void, Never>?
    }

    private let flushes = Mutex(Flushes())

    public init(client: AWSClient, jobName: String, hostIndex: Int, startedAt: Int64, metricDefinitions: [(String, String)]) {
        self.client = client
        self.jobName = jobName
        self.hostIndex = hostIndex
        stream = "\(jobName)/algo-\(hostIndex)-\(startedAt)"
        definitions = metricDefinitions.compactMap { name, pattern in
            (try? NSRegularExpression(pattern: pattern)).map { (name, $0) }
        }
        lines = Mutex(Lines(slowLines: Array(repeating: 0, count: definitions.count)))
    }

    /// Starts creating the group and stream in the background; every flush waits for it to end.
    public func startOpening(onError: @escaping @Sendable (ClientError) -> Void) {
        flushes.withLock { flushes in
            let previous = flushes.last
            flushes.last = Task { [self] in
                await previous?.value
                do throws(ClientError) { try await open() } catch { onError(error) }
            }
        }
    }

    /// Creates this host's stream, and the group first if it does not exist yet (only the first job
    /// of a server meets that: asking for the group every time cost a request per instance).
    public func open() async throws(ClientError) {
        do throws(ClientError) {
            try await create("CreateLogStream", ["logGroupName": Self.group, "logStreamName": stream])
        } catch where error.code == "ResourceNotFoundException" {
            try await create("CreateLogGroup", ["logGroupName": Self.group])
            try await create("CreateLogStream", ["logGroupName": Self.group, "logStreamName": stream])
        }
    }

    /// One Create call; what already exists is no error.
    private func create(_ target: String, _ body: [String: String]) async throws(ClientError) {
        do {
            _ = try await client.json(signingName: "logs", target: "Logs_20140328.\(target)", body: Array(try JSONEncoder().encode(body)))
        } catch let error as ClientError where error.code == "ResourceAlreadyExistsException" {
            return
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError(status: nil, code: "SerializationError", message: "\(error)")
        }
    }

    /// Queues one line of the worker's own.
    public func add(_ line: String, at timestamp: Int64) {
        hand(.line(line, timestamp), bytes: 0)
    }

    /// Queues the bytes of one read of the output pipe `source` (called from its reader thread), and
    /// returns how many bytes of output are waiting to be cut into lines.
    @discardableResult
    public func add(output bytes: [UInt8], source: Int32, at timestamp: Int64) -> Int {
        hand(.output(source: source, bytes: bytes, timestamp: timestamp), bytes: bytes.count)
    }

    /// The output pipe `source` has ended.
    public func endOutput(source: Int32, at timestamp: Int64) {
        hand(.end(source: source, timestamp: timestamp), bytes: 0)
    }

    /// Bytes of output handed over and not yet cut into lines.
    var outputWaiting: Int { pending.withLock { $0.outputBytes } }

    @discardableResult
    private func hand(_ entry: Entry, bytes: Int) -> Int {
        let (prompt, waiting) = pending.withLock { pending -> (Bool, Int) in
            pending.entries.append(entry)
            pending.outputBytes += bytes
            let prompt = Self.claimPromptFlush(&pending, now: Int64(Date().timeIntervalSince1970 * 1000))
                || Self.claimBacklogFlush(&pending)
            return (prompt, pending.outputBytes)
        }
        if prompt { schedulePromptFlush() }
        return waiting
    }

    /// Whether these lines, arriving after a quiet spell, should be sent now (claimed under the lock).
    static func claimPromptFlush(_ pending: inout Pending, now: Int64) -> Bool {
        guard !pending.promptFlushScheduled, now - pending.lastSent >= idleMilliseconds else { return false }
        pending.promptFlushScheduled = true
        return true
    }

    /// Whether a batch's worth of output is waiting with no flush on its way: it goes now rather than
    /// at the next periodic flush (a script printing as fast as it can keeps the sending loop busy).
    static func claimBacklogFlush(_ pending: inout Pending) -> Bool {
        guard !pending.promptFlushScheduled, pending.outputBytes >= backlogBytes else { return false }
        pending.promptFlushScheduled = true
        return true
    }

    static let backlogBytes = 256 * 1024

    private func schedulePromptFlush() {
        Task.detached { [self] in
            try? await Task.sleep(for: Self.promptDelay)
            await flush()
        }
    }

    /// Cuts what the readers handed over into lines (under `lines`' lock, held by the caller), until
    /// `enough` lines are ready (a read's bytes at a time) or all is cut.
    private func cut(_ state: inout Lines, enough: Int = .max) {
        while state.ready.count < enough {
            if state.queued.isEmpty {
                state.queued = pending.withLock { pending -> [Entry] in
                    defer {
                        pending.entries = []
                        pending.outputBytes = 0
                    }
                    return pending.entries
                }
                state.queued.reverse()
                if state.queued.isEmpty { return }
            }
            cut(state.queued.removeLast(), into: &state)
        }
    }

    private func cut(_ entry: Entry, into state: inout Lines) {
        switch entry {
        case .line(let line, let timestamp):
            take(line, at: timestamp, into: &state)
        case .output(let source, let bytes, let timestamp):
            bytes.withUnsafeBufferPointer { bytes in
                var start = 0
                while start < bytes.count {
                    guard let base = bytes.baseAddress, let found = memchr(base + start, 10, bytes.count - start) else { break }
                    let end = start + (UnsafeRawPointer(found) - UnsafeRawPointer(base + start))
                    if var partial = state.partial.removeValue(forKey: source) {
                        partial.append(contentsOf: bytes[start..<end])
                        partial.withUnsafeBufferPointer { _ = emit($0, source: source, at: timestamp, ends: true, into: &state) }
                    } else {
                        _ = emit(UnsafeBufferPointer(rebasing: bytes[start..<end]), source: source, at: timestamp, ends: true, into: &state)
                    }
                    start = end + 1
                }
                if start < bytes.count { state.partial[source, default: []].append(contentsOf: bytes[start...]) }
            }
            // An unfinished line of megabytes goes in pieces as it comes, not held without bound.
            if let partial = state.partial[source], partial.count >= LineReader.maximumLine {
                let kept = partial.withUnsafeBufferPointer { emit($0, source: source, at: timestamp, ends: false, into: &state) }
                state.partial[source] = Array(partial.suffix(kept))
            }
        case .end(let source, let timestamp):
            if let partial = state.partial.removeValue(forKey: source), !partial.isEmpty {
                partial.withUnsafeBufferPointer { _ = emit($0, source: source, at: timestamp, ends: true, into: &state) }
            }
        }
    }

    /// Takes the line `bytes` of `source`, in pieces CloudWatch Logs takes (`maximumLine` bytes at
    /// most, cut at a character boundary) if it is longer, with a line saying so after its last
    /// piece. Unless the line `ends` here, the last piece is kept back: returns its length.
    private func emit(_ bytes: UnsafeBufferPointer<UInt8>, source: Int32, at timestamp: Int64, ends: Bool,
                      into state: inout Lines) -> Int {
        var start = 0
        while bytes.count - start > LineReader.maximumLine {
            var cut = start + LineReader.maximumLine
            while cut > start && (bytes[cut] & 0xC0) == 0x80 { cut -= 1 }
            take(LineReader.text(UnsafeBufferPointer(rebasing: bytes[start..<cut])), at: timestamp, into: &state)
            state.split[source, default: (0, 0)].pieces += 1
            state.split[source, default: (0, 0)].bytes += cut - start
            start = cut
        }
        guard ends else { return bytes.count - start }
        take(LineReader.text(UnsafeBufferPointer(rebasing: bytes[start...])), at: timestamp, into: &state)
        if let split = state.split.removeValue(forKey: source) {
            let notice = "[anneal] the line above was \(split.bytes + bytes.count - start) bytes: it was split into \(split.pieces + 1) "
                + "events (CloudWatch Logs takes up to \(LineReader.maximumLine) bytes in one)"
            state.notice(notice, at: timestamp)
        }
        return 0
    }

    /// One line: queued for sending, remembered for the tail, matched against the metric definitions.
    private func take(_ line: String, at timestamp: Int64, into state: inout Lines) {
        state.ready.append((timestamp, line))
        state.remember(line)
        guard !definitions.isEmpty else { return }
        let range = NSRange(line.startIndex..., in: line)
        for (index, definition) in definitions.enumerated() where state.slowLines[index] < Self.regexStrikes {
            // A regex that backtracks catastrophically on a line is stopped after `regexBudget` (ICU
            // reports progress every few thousand steps) rather than stalling every later line.
            let started = ContinuousClock.now
            var values: [Double] = []
            var gaveUp = false
            definition.regex.enumerateMatches(in: line, options: [.reportProgress], range: range) { match, _, stop in
                guard let match else {
                    if ContinuousClock.now - started > Self.regexBudget {
                        gaveUp = true
                        stop.pointee = true
                    }
                    return
                }
                guard match.numberOfRanges > 1, let captured = Range(match.range(at: 1), in: line),
                      let value = Double(line[captured].trimmingCharacters(in: .whitespaces)), value.isFinite else { return }
                values.append(value)
            }
            for value in values {
                state.metrics.append(WorkerProtocol.MetricPoint(MetricName: definition.name, Value: value, Timestamp: Double(timestamp) / 1000))
            }
            guard gaveUp else { continue }
            state.slowLines[index] += 1
            let notice = state.slowLines[index] < Self.regexStrikes
                ? "[anneal] metric \(definition.name): its regex ran over \(Self.regexBudget) on a line and was stopped there"
                : "[anneal] metric \(definition.name): its regex ran over \(Self.regexBudget) on \(Self.regexStrikes) lines; it is no "
                    + "longer applied to this job's lines (catastrophic backtracking? make its repetitions unambiguous)"
            state.notice(notice, at: timestamp)
        }
    }

    /// How long one metric regex may run on one line, and on how many lines it may run out of it.
    static let regexBudget = Duration.milliseconds(20)
    static let regexStrikes = 3

    /// The metric points of the lines not sent yet (what was handed over is cut first).
    var metricsWaiting: [WorkerProtocol.MetricPoint] {
        lines.withLock { state in
            cut(&state)
            return state.metrics
        }
    }

    /// The last lines printed, oldest first, for failure reasons (what was handed over is cut first).
    public var tail: [String] {
        lines.withLock { state in
            cut(&state)
            return Array(state.tail[state.next...] + state.tail[..<state.next])
        }
    }

    /// Sends what is queued; errors are retried on the next flush (lines are not dropped). Flushes
    /// run one after another, each to its end even if the caller's task is cancelled (a batch cut
    /// off mid-request might be stored and then sent again).
    public func flush() async {
        let task = flushes.withLock { flushes -> Task<Void, Never> in
            if let queued = flushes.queued { return queued }
            let previous = flushes.last
            let next = Task { [self] in
                await previous?.value
                // Started: what is handed over from now on needs a flush of its own.
                self.flushes.withLock { $0.queued = nil }
                await send()
            }
            flushes.last = next
            flushes.queued = next
            return next
        }
        await task.value
    }

    private func send() async {
        pending.withLock { pending in
            if !pending.entries.isEmpty { pending.lastSent = Int64(Date().timeIntervalSince1970 * 1000) }
            pending.promptFlushScheduled = false
        }
        // One batch is on its way while the next is cut and encoded: the worker's work overlaps the
        // service's instead of alternating with it.
        var next = nextBatch()
        while let current = next {
            async let delivered = deliver(current)
            next = nextBatch()
            guard await delivered else {
                // The service is unreachable or busy: these lines go first at the next flush.
                let back = current.lines + (next?.lines ?? [])
                lines.withLock { $0.ready.insert(contentsOf: back, at: 0) }
                break
            }
        }
        let metrics = lines.withLock { state -> [WorkerProtocol.MetricPoint] in
            defer { state.metrics.removeAll() }
            return state.metrics
        }
        if !metrics.isEmpty {
            let progress = WorkerProtocol.Progress(TrainingJobName: jobName, HostIndex: hostIndex, Event: "metrics", Metrics: metrics)
            do {
                _ = try await client.call(signingName: WorkerProtocol.signingName, target: "\(WorkerProtocol.targetPrefix).ReportProgress",
                                          progress, as: WorkerProtocol.Empty.self)
            } catch {
                lines.withLock { $0.metrics.insert(contentsOf: metrics, at: 0) }
            }
        }
    }

    struct Batch: Sendable {
        var lines: [(timestamp: Int64, message: String)]
        var body: [UInt8]
    }

    /// The next PutLogEvents batch (at most 10,000 events and 1,048,576 bytes, 26 more per event),
    /// cut from what was handed over; nil when nothing is left.
    private func nextBatch() -> Batch? {
        let taken = lines.withLock { state -> [(timestamp: Int64, message: String)] in
            cut(&state, enough: 10_000)
            var end = 0
            var bytes = 0
            while end < state.ready.count && end < 10_000 {
                let size = state.ready[end].message.utf8.count + 26
                if end > 0 && bytes + size > 1_048_576 { break }
                bytes += size
                end += 1
            }
            defer { state.ready.removeFirst(end) }
            return Array(state.ready[..<end])
        }
        guard !taken.isEmpty else { return nil }
        return Batch(lines: taken, body: Self.putLogEvents(group: Self.group, stream: stream, taken[...]))
    }

    /// Sends one batch: false if it should go again later (the service unreachable or throttling).
    private func deliver(_ batch: Batch) async -> Bool {
        do {
            // Large batches to another machine go compressed (lines compress about tenfold); over
            // the loopback, compressing would only cost both ends CPU.
            _ = try await client.json(signingName: "logs", target: "Logs_20140328.PutLogEvents", body: batch.body,
                                      gzip: batch.body.count >= 64 * 1024 && !client.isLoopback)
        } catch where error.status.map({ (400..<500).contains($0) }) == true && error.code != "ThrottlingException" {
            // The service refused this batch as it is: retrying it would jam every later line.
            print("anneal worker: \(batch.lines.count) log line(s) refused: \(error)")
        } catch {
            return false
        }
        return true
    }
}
