import Foundation
import Testing
@testable import AnnealCore

@Suite struct TrainingJobJSONValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#" {"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d\u00e9\n\"\\\/"}, "e": ""} "#)
        #expect(value == ["a": [1, -2.5, 300, true, false, nil], "b": ["c": "dé\n\"\\/"], "e": ""])
        #expect(value["a"]?[1]?.number == -2.5 && value["a"]?[0]?.int == 1 && value["a"]?[1]?.int == nil)
        #expect(value["b"]?["c"]?.string == "dé\n\"\\/" && value["missing"] == nil && value["a"]?["x"] == nil)
    }

    @Test func surrogatePairsAndLoneSurrogates() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == "😀")
        #expect(try JSONValue.parse(#""\ud83dx""#) == "\u{FFFD}x")
        #expect(try JSONValue.parse("\"日本\"") == "日本")
    }

    @Test(arguments: ["", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"abc", "\"\u{01}\"", "{} x",
                      "\"\\x\"", "[1 2]", "NaN", "1e999"])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func refusesDeepNesting() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        #expect((try? JSONValue.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100))) != nil)
    }

    @Test func wholeNumbersAreWrittenWithoutAFraction() throws {
        let value: JSONValue = ["count": 1, "big": 1_700_000_000, "frac": 0.1, "neg": -3, "time": 1_796_396_783.884, "x": 1e300]
        #expect(value.serialized == #"{"big":1700000000,"count":1,"frac":0.1,"neg":-3,"time":1796396783.884,"x":1e+300}"#)
        #expect(try JSONValue.parse(value.serialized) == value)
    }

    @Test func roundTripsThroughCodable() throws {
        let value = try JSONValue.parse(#"{"InstanceCount":1,"Lr":0.001,"Spot":true,"Tags":[{"Key":"k","Value":""}],"Nothing":null}"#)
        let data = try JSONEncoder().encode(value)
        #expect(String(decoding: data, as: UTF8.self).contains("\"InstanceCount\":1,") || String(decoding: data, as: UTF8.self).contains("\"InstanceCount\":1}"))
        #expect(!String(decoding: data, as: UTF8.self).contains("1.0"))
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        // Booleans stay booleans and numbers stay numbers (0 and 1 are not read as false and true).
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("[0,1,true]".utf8)) == [0, 1, true])
    }

    @Test func escapesControlCharacters() {
        #expect(JSONValue.string("a\u{01}b\tc").serialized == #""a\u0001b\tc""#)
    }

    @Test func membersDropsNils() {
        #expect(JSONValue.members([("a", 1), ("b", nil)]) == ["a": 1])
    }
}
