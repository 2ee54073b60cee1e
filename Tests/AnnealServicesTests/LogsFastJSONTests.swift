import Foundation
import Testing
@testable import AnnealServices

/// The PutLogEvents fast path reads exactly what JSONDecoder reads, and declines what it does not expect.
@Suite struct LogsFastJSONTests {
    static let accepted = [
        #"{"logGroupName":"/aws/g","logStreamName":"s/1","logEvents":[{"timestamp":1796400000000,"message":"step 1 loss=0.5"}]}"#,
        #"  { "logEvents" : [ {"message":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00","timestamp":-5}, {"timestamp":0,"message":""} ] ,"logGroupName":"g","extra":{"x":[1,2.5e3,true,null]}} "#,
        #"{"logGroupName":"g","logStreamName":null,"logEvents":null,"sequenceToken":"49"}"#,
        #"{"logGroupName":"g","logEvents":[{"timestamp":1,"message":"héllo wörld ✓"}]}"#,
        #"{}"#,
    ]

    @Test(arguments: accepted)
    func agreesWithJSONDecoder(body: String) throws {
        let fast = try #require(LogsFastJSON.putLogEvents(Array(body.utf8)))
        let slow = try JSONDecoder().decode(LogsShapes.PutLogEvents.self, from: Data(body.utf8))
        #expect(fast.logGroupName == slow.logGroupName)
        #expect(fast.logStreamName == slow.logStreamName)
        #expect(fast.sequenceToken == slow.sequenceToken)
        #expect(fast.logEvents?.map(\.timestamp) == slow.logEvents?.map(\.timestamp))
        #expect(fast.logEvents?.map(\.message) == slow.logEvents?.map(\.message))
    }

    @Test(arguments: [
        #"{"logEvents":[{"timestamp":1.5,"message":"m"}]}"#,
        #"{"logEvents":[{"timestamp":"1","message":"m"}]}"#,
        #"{"logEvents":[{"timestamp":1,"message":7}]}"#,
        #"{"logEvents":[{"timestamp":99999999999999999999,"message":"m"}]}"#,
        #"{"logGroupName":"g""#,
        #"{"logGroupName":"g"} trailing"#,
        #"{"logGroupName":"bad \u12"}"#,
        "{\"logGroupName\":\"raw\ncontrol\"}",
        #"[1]"#,
    ])
    func declinesWhatItDoesNotExpect(body: String) {
        #expect(LogsFastJSON.putLogEvents(Array(body.utf8)) == nil)
    }
}
