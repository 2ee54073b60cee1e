import AnnealClient
import Foundation
import Glibc
import Testing
@testable import AnnealRuntime

@Suite struct LineReaderTests {
    @Test func readsLinesAcrossWritesIntoTheShipper() async throws {
        let client = AWSClient(endpoint: URL(string: "http://127.0.0.1:9")!, region: "us-east-1",
                               credentials: ClientCredentials(accessKeyID: "AK", secret: "S"))
        let shipper = LogShipper(client: client, jobName: "j", hostIndex: 1, startedAt: 0, metricDefinitions: [])
        var fds: [Int32] = [-1, -1]
        #expect(pipe(&fds) == 0)
        let done = LineReader.Completion()
        LineReader.start(descriptor: fds[0], shipper: shipper, onEnd: { done.finish() })
        let long = String(repeating: "x", count: 3 * LineReader.maximumLine)
        for chunk in ["first\r\nsec", "ond\n", "bad \u{FF} byte\n", long + "\n", "no newline at the end"] {
            var bytes = Array(chunk.utf8)
            if chunk.hasPrefix("bad") { bytes = Array("bad ".utf8) + [0xFF] + Array(" byte\n".utf8) }
            #expect(write(fds[1], bytes, bytes.count) == bytes.count)
            usleep(20_000)
        }
        close(fds[1])
        await done.wait()
        let tail = shipper.tail
        #expect(tail.first == "first")
        #expect(tail[1] == "second")
        #expect(tail[2] == "bad \u{FFFD} byte")
        // A line of megabytes comes through in pieces that CloudWatch Logs takes (256 KiB at most).
        let pieces = tail.dropFirst(3).dropLast(2)
        #expect(pieces.joined() == long, "the pieces hold the line")
        #expect(pieces.count >= 3 && pieces.allSatisfy { $0.utf8.count <= 256 * 1024 })
        // ... and a line after them says so.
        #expect(tail.dropLast().last == "[anneal] the line above was \(long.utf8.count) bytes: it was split into \(pieces.count) events "
            + "(CloudWatch Logs takes up to \(LineReader.maximumLine) bytes in one)")
        #expect(tail.last == "no newline at the end")
    }

    @Test func aLineOverTheEventLimitIsSplitWhereverItsBytesArrive() throws {
        let client = AWSClient(endpoint: URL(string: "http://127.0.0.1:9")!, region: "us-east-1",
                               credentials: ClientCredentials(accessKeyID: "AK", secret: "S"))
        let shipper = LogShipper(client: client, jobName: "j", hostIndex: 1, startedAt: 0, metricDefinitions: [])
        // Whole in one read, and begun in one read and ended in the next, each a little over the limit.
        let over = LineReader.maximumLine + 10
        shipper.add(output: Array((String(repeating: "a", count: over) + "\n").utf8), source: 3, at: 1)
        shipper.add(output: Array(String(repeating: "b", count: over - 20).utf8), source: 3, at: 2)
        shipper.add(output: Array((String(repeating: "b", count: 20) + "\nend\n").utf8), source: 3, at: 3)
        let tail = shipper.tail
        #expect(tail.count == 7)
        #expect(tail.allSatisfy { $0.utf8.count <= LineReader.maximumLine })
        #expect(tail[0] + tail[1] == String(repeating: "a", count: over) && tail[3] + tail[4] == String(repeating: "b", count: over))
        #expect(tail[2].hasPrefix("[anneal] the line above was \(over) bytes: it was split into 2 events"))
        #expect(tail[5].hasPrefix("[anneal] the line above was \(over) bytes") && tail[6] == "end")
    }

    @Test func ownLinesKeepTheirPlaceAndMetricsAreMatchedInOutput() throws {
        let client = AWSClient(endpoint: URL(string: "http://127.0.0.1:9")!, region: "us-east-1",
                               credentials: ClientCredentials(accessKeyID: "AK", secret: "S"))
        let shipper = LogShipper(client: client, jobName: "j", hostIndex: 1, startedAt: 0,
                                 metricDefinitions: [("loss", "loss=([0-9.]+)")])
        shipper.add("[anneal] running", at: 1)
        #expect(shipper.add(output: Array("epoch 1 loss=0.5\nepoch 2 lo".utf8), source: 7, at: 2) == 27)
        shipper.add(output: Array("ss=0.25\n".utf8), source: 8, at: 3)
        shipper.add(output: Array("ss=0.25\nlast".utf8), source: 7, at: 4)
        shipper.add("[anneal] exited", at: 5)
        shipper.endOutput(source: 7, at: 6)
        #expect(shipper.outputWaiting == 47)
        // Each source's unfinished line waits for its own next read, not the other source's.
        #expect(shipper.tail == ["[anneal] running", "epoch 1 loss=0.5", "ss=0.25", "epoch 2 loss=0.25", "[anneal] exited", "last"])
        #expect(shipper.outputWaiting == 0)
        #expect(shipper.metricsWaiting.map { "\($0.MetricName)=\($0.Value)@\($0.Timestamp)" } == ["loss=0.5@0.002", "loss=0.25@0.004"])
    }

    @Test func aCatastrophicMetricRegexIsStoppedThenDropped() throws {
        let client = AWSClient(endpoint: URL(string: "http://127.0.0.1:9")!, region: "us-east-1",
                               credentials: ClientCredentials(accessKeyID: "AK", secret: "S"))
        // (a+)+$ against a run of a's that ends in b backtracks 2^n ways.
        let shipper = LogShipper(client: client, jobName: "j", hostIndex: 1, startedAt: 0,
                                 metricDefinitions: [("hostile", "loss=.*(a+)+$"), ("loss", "loss=([0-9.]+)")])
        let line = "loss=0.5 " + String(repeating: "a", count: 40) + "b\n"
        let started = ContinuousClock.now
        shipper.add(output: Array(String(repeating: line, count: 6).utf8), source: 3, at: 1000)
        let tail = shipper.tail
        #expect(ContinuousClock.now - started < .seconds(2), "each of three lines stopped after 20 ms, then the regex is dropped")
        #expect(tail.filter { $0.hasPrefix("[anneal] metric hostile: its regex ran over") }.count == 3)
        #expect(tail.last { $0.hasPrefix("[anneal]") }?.contains("no longer applied") == true)
        #expect(tail.filter { $0.hasPrefix("loss=") }.count == 6)
        #expect(shipper.metricsWaiting.map(\.MetricName) == Array(repeating: "loss", count: 6), "the other definition still matches every line")
    }
}
