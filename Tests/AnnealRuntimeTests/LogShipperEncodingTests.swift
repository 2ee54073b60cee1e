import Foundation
import Testing
@testable import AnnealRuntime

@Suite struct LogShipperEncodingTests {
    @Test func putLogEventsBodyIsTheJSONOfTheEvents() throws {
        let messages = ["plain", "quote \" backslash \\ tab \t newline \n", "control \u{01}\u{1f} del \u{7f}", "ünïcödé ✓ 😀", ""]
        let events = messages.enumerated().map { (timestamp: Int64(1_796_400_000_000 + $0.offset), message: $0.element) }
        let body = LogShipper.putLogEvents(group: "/aws/sagemaker/TrainingJobs", stream: "job/algo-1-1", events[...])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(object["logGroupName"] as? String == "/aws/sagemaker/TrainingJobs")
        #expect(object["logStreamName"] as? String == "job/algo-1-1")
        let decoded = try #require(object["logEvents"] as? [[String: Any]])
        #expect(decoded.compactMap { $0["message"] as? String } == messages)
        #expect(decoded.compactMap { ($0["timestamp"] as? NSNumber)?.int64Value } == events.map(\.timestamp))
    }
}
