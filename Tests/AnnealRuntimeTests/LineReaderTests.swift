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
        let pieces = tail.dropFirst(3).dropLast()
        #expect(pieces.joined() == long)
        #expect(pieces.count >= 3 && pieces.allSatisfy { $0.utf8.count <= 256 * 1024 })
        #expect(tail.last == "no newline at the end")
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
}
