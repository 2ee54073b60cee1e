import AnnealClient
import Foundation
import Synchronization

/// Sends a training process's output lines to CloudWatch Logs (one stream per host) in batches,
/// within a fraction of a second of being read, and extracts `MetricDefinitions` matches.
public final class LogShipper: Sendable {
    struct Pending {
        var lines: [(timestamp: Int64, message: String)] = []
        var metrics: [WorkerProtocol.MetricPoint] = []
        /// The last `tailLength` lines, a ring: `tail[next]` is the oldest once it is full.
        var tail: [String] = []
        var next = 0
        /// When lines were last taken for sending (ms), and whether a prompt flush is on its way.
        var lastSent: Int64 = 0
        var promptFlushScheduled = false

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

    static let group = "/aws/sagemaker/TrainingJobs"
    private let client: AWSClient
    private let stream: String
    private let jobName: String
    private let hostIndex: Int
    private let definitions: [(name: String, regex: NSRegularExpression)]
    private let pending = Mutex(Pending())
    /// The flush in progress, which the next one waits for: flushes never overlap, so a final
    /// flush returns only once every line handed over before it has been sent.
    private let lastFlush = Mutex<Task<Void, Never>?>(nil)

    public init(client: AWSClient, jobName: String, hostIndex: Int, startedAt: Int64, metricDefinitions: [(String, String)]) {
        self.client = client
        self.jobName = jobName
        self.hostIndex = hostIndex
        stream = "\(jobName)/algo-\(hostIndex)-\(startedAt)"
        definitions = metricDefinitions.compactMap { name, pattern in
            (try? NSRegularExpression(pattern: pattern)).map { (name, $0) }
        }
    }

    /// Starts creating the group and stream in the background; every flush waits for it to end.
    public func startOpening(onError: @escaping @Sendable (ClientError) -> Void) {
        lastFlush.withLock { last in
            let previous = last
            last = Task { [self] in
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

    /// Queues one line (called from reader threads).
    public func add(_ line: String, at timestamp: Int64) {
        var points: [WorkerProtocol.MetricPoint] = []
        let range = definitions.isEmpty ? NSRange() : NSRange(line.startIndex..., in: line)
        for definition in definitions {
            for match in definition.regex.matches(in: line, range: range) where match.numberOfRanges > 1 {
                guard let captured = Range(match.range(at: 1), in: line),
                      let value = Double(line[captured].trimmingCharacters(in: .whitespaces)), value.isFinite else { continue }
                points.append(WorkerProtocol.MetricPoint(MetricName: definition.name, Value: value, Timestamp: Double(timestamp) / 1000))
            }
        }
        let prompt = pending.withLock { pending -> Bool in
            pending.lines.append((timestamp, line))
            if !points.isEmpty { pending.metrics += points }
            pending.remember(line)
            return Self.claimPromptFlush(&pending, now: timestamp)
        }
        if prompt { schedulePromptFlush() }
    }

    /// Whether these lines, arriving after a quiet spell, should be sent now (claimed under the lock).
    static func claimPromptFlush(_ pending: inout Pending, now: Int64) -> Bool {
        guard !pending.promptFlushScheduled, now - pending.lastSent >= idleMilliseconds else { return false }
        pending.promptFlushScheduled = true
        return true
    }

    private func schedulePromptFlush() {
        Task.detached { [self] in
            try? await Task.sleep(for: Self.promptDelay)
            await flush()
        }
    }

    /// Queues the lines of one read, under one lock (called from reader threads): at hundreds of
    /// thousands of lines a second, a lock per line slows the training script through its pipe.
    public func add(lines: [String], at timestamp: Int64) {
        guard definitions.isEmpty else {
            for line in lines { add(line, at: timestamp) }
            return
        }
        let prompt = pending.withLock { pending -> Bool in
            pending.lines.reserveCapacity(pending.lines.count + lines.count)
            for line in lines { pending.lines.append((timestamp, line)) }
            for line in lines.suffix(Self.tailLength) { pending.remember(line) }
            return Self.claimPromptFlush(&pending, now: timestamp)
        }
        if prompt { schedulePromptFlush() }
    }

    /// The last lines printed, oldest first, for failure reasons.
    public var tail: [String] {
        pending.withLock { Array($0.tail[$0.next...] + $0.tail[..<$0.next]) }
    }

    /// Sends what is queued; errors are retried on the next flush (lines are not dropped). Flushes
    /// run one after another, each to its end even if the caller's task is cancelled (a batch cut
    /// off mid-request might be stored and then sent again).
    public func flush() async {
        let task = lastFlush.withLock { last -> Task<Void, Never> in
            let previous = last
            let next = Task { [self] in
                await previous?.value
                await send()
            }
            last = next
            return next
        }
        await task.value
    }

    private func send() async {
        let (lines, metrics) = pending.withLock { pending -> ([(timestamp: Int64, message: String)], [WorkerProtocol.MetricPoint]) in
            if !pending.lines.isEmpty { pending.lastSent = Int64(Date().timeIntervalSince1970 * 1000) }
            let taken = pending.lines.count
            defer {
                // The next batch is likely as large: room for it now, rather than growth by copies.
                pending.lines = []
                pending.lines.reserveCapacity(min(taken, 1 << 20))
                pending.metrics.removeAll()
                pending.promptFlushScheduled = false
            }
            return (pending.lines, pending.metrics)
        }
        var index = 0
        while index < lines.count {
            // PutLogEvents takes at most 10,000 events and 1,048,576 bytes (26 more per event).
            var end = index
            var bytes = 0
            while end < lines.count && end - index < 10_000 {
                let size = lines[end].message.utf8.count + 26
                if end > index && bytes + size > 1_048_576 { break }
                bytes += size
                end += 1
            }
            let batch = lines[index..<end]
            do {
                // Large batches to another machine go compressed (lines compress about tenfold); over
                // the loopback, compressing would only cost both ends CPU.
                let body = Self.putLogEvents(group: Self.group, stream: stream, batch)
                _ = try await client.json(signingName: "logs", target: "Logs_20140328.PutLogEvents", body: body,
                                          gzip: body.count >= 64 * 1024 && !client.isLoopback)
            } catch let error as ClientError where error.status.map({ (400..<500).contains($0) }) == true && error.code != "ThrottlingException" {
                // The service refused this batch as it is: retrying it would jam every later line.
                print("anneal worker: \(batch.count) log line(s) refused: \(error)")
            } catch {
                pending.withLock { $0.lines.insert(contentsOf: lines[index...], at: 0) }
                break
            }
            index = end
        }
        if !metrics.isEmpty {
            let progress = WorkerProtocol.Progress(TrainingJobName: jobName, HostIndex: hostIndex, Event: "metrics", Metrics: metrics)
            do {
                _ = try await client.call(signingName: WorkerProtocol.signingName, target: "\(WorkerProtocol.targetPrefix).ReportProgress",
                                          progress, as: WorkerProtocol.Empty.self)
            } catch {
                pending.withLock { $0.metrics.insert(contentsOf: metrics, at: 0) }
            }
        }
    }
}

extension LogShipper {
    /// The PutLogEvents body, written directly: JSONSerialization of dictionaries costs more than
    /// the rest of the path together at hundreds of thousands of lines a second.
    static func putLogEvents(group: String, stream: String, _ events: ArraySlice<(timestamp: Int64, message: String)>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events.reduce(64 + group.utf8.count + stream.utf8.count) { $0 + $1.message.utf8.count + 40 })
        out += #"{"logGroupName":"#.utf8
        appendJSONString(group, to: &out)
        out += #","logStreamName":"#.utf8
        appendJSONString(stream, to: &out)
        out += #","logEvents":["#.utf8
        // The lines of one read share their time: its digits are written once.
        var lastTimestamp: Int64?
        var digits: [UInt8] = []
        for (index, event) in zip(events.indices, events) {
            out += index == events.startIndex ? eventStart[1...] : eventStart[...]
            if event.timestamp != lastTimestamp {
                lastTimestamp = event.timestamp
                digits = Array(String(event.timestamp).utf8)
            }
            out += digits
            out += messageKey
            appendJSONString(event.message, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out += "]}".utf8
        return out
    }

    private static let eventStart = Array(#",{"timestamp":"#.utf8)
    private static let messageKey = Array(#","message":"#.utf8)

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string literal of `text`: quotes, backslashes and control characters escaped.
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                switch byte {
                case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                default: out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
                }
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Reads a pipe line by line on its own thread (reads block), handing each line on with its time.
final class LineReader: Sendable {
    static func start(descriptor: Int32, onLine: @escaping @Sendable (String, Int64) -> Void, onEnd: @escaping @Sendable () -> Void) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            var partial: [UInt8] = []
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                var start = 0
                for index in 0..<count where buffer[index] == 10 {
                    partial.append(contentsOf: buffer[start..<index])
                    onLine(Self.text(partial), now)
                    partial.removeAll(keepingCapacity: true)
                    start = index + 1
                }
                partial.append(contentsOf: buffer[start..<count])
                // Lines of megabytes are split (at a character boundary), not held without bound.
                while partial.count >= Self.maximumLine {
                    var cut = Self.maximumLine
                    while cut > 0 && (partial[cut] & 0xC0) == 0x80 { cut -= 1 }
                    onLine(Self.text(Array(partial[..<cut])), now)
                    partial.removeFirst(cut)
                }
            }
            if !partial.isEmpty { onLine(Self.text(partial), Int64(Date().timeIntervalSince1970 * 1000)) }
            close(descriptor)
            onEnd()
        }
        thread.start()
    }

    /// Reads the training process's output into `shipper`, a read's lines at a time.
    static func start(descriptor: Int32, shipper: LogShipper, onEnd: @escaping @Sendable () -> Void) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 256 * 1024)
            var partial: [UInt8] = []
            var lines: [String] = []
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                buffer.withUnsafeBufferPointer { bytes in
                    var start = 0
                    for index in 0..<count where bytes[index] == 10 {
                        if partial.isEmpty {
                            lines.append(Self.text(UnsafeBufferPointer(rebasing: bytes[start..<index])))
                        } else {
                            partial.append(contentsOf: bytes[start..<index])
                            lines.append(Self.text(partial))
                            partial.removeAll(keepingCapacity: true)
                        }
                        start = index + 1
                    }
                    partial.append(contentsOf: bytes[start..<count])
                }
                // Lines of megabytes are split (at a character boundary), not held without bound.
                while partial.count >= Self.maximumLine {
                    var cut = Self.maximumLine
                    while cut > 0 && (partial[cut] & 0xC0) == 0x80 { cut -= 1 }
                    lines.append(Self.text(Array(partial[..<cut])))
                    partial.removeFirst(cut)
                }
                shipper.add(lines: lines, at: now)
                lines.removeAll(keepingCapacity: true)
                // A script printing steadily would otherwise wake this thread for each of its writes
                // (a few KiB): on a VM every such wakeup costs the writer more than the write. A
                // short pause after a short read lets output gather in the pipe (1 MiB): the script
                // rarely waits, and this thread wakes a few hundred times a second at most. A line
                // after a quiet spell is still read (and timed) the moment it comes.
                if count < Self.gatherBelow { usleep(Self.gatherMicroseconds) }
            }
            if !partial.isEmpty { shipper.add(lines: [Self.text(partial)], at: Int64(Date().timeIntervalSince1970 * 1000)) }
            close(descriptor)
            onEnd()
        }
        thread.start()
    }

    /// A line's text without its carriage return, from bytes (invalid UTF-8 repaired).
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var end = bytes.count
        if end > 0 && bytes[end - 1] == 13 { end -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self)
    }

    /// After a read shorter than `gatherBelow` bytes, the reader pauses `gatherMicroseconds`.
    static let gatherBelow = 256 * 1024
    static let gatherMicroseconds: useconds_t = 5000

    /// CloudWatch Logs takes events of up to 256 KiB.
    static let maximumLine = 256 * 1024 - 64

    static func text(_ bytes: [UInt8]) -> String {
        var line = String(decoding: bytes, as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}
