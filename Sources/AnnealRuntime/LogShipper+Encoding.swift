import Foundation

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
