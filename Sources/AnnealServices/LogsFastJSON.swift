/// A reader for the one request that carries bulk data, PutLogEvents, written for its shape: at
/// 10,000 events a request, Foundation's JSONDecoder spent two thirds of the server's time (generic
/// metadata lookups per member). It returns nil for anything it does not expect (a type it does not
/// take, a malformed document), and the caller then decodes with JSONDecoder, whose errors are the
/// ones clients see; so the two always agree on what they accept.
enum LogsFastJSON {
    static func putLogEvents(_ body: [UInt8]) -> LogsShapes.PutLogEvents? {
        body.withUnsafeBufferPointer { bytes -> LogsShapes.PutLogEvents? in
            var reader = Reader(bytes: bytes)
            var request = LogsShapes.PutLogEvents()
            guard reader.object({ key, reader in
                switch key {
                case "logGroupName": return reader.optionalString(&request.logGroupName)
                case "logStreamName": return reader.optionalString(&request.logStreamName)
                case "sequenceToken": return reader.optionalString(&request.sequenceToken)
                case "logEvents":
                    if reader.null() { return true }
                    var events: [LogsShapes.InputLogEvent] = []
                    guard reader.array({ reader in
                        var event = LogsShapes.InputLogEvent()
                        guard reader.object({ key, reader in
                            switch key {
                            case "timestamp": return reader.optionalInteger(&event.timestamp)
                            case "message": return reader.optionalString(&event.message)
                            default: return reader.skipValue()
                            }
                        }) else { return false }
                        events.append(event)
                        return true
                    }) else { return false }
                    request.logEvents = events
                    return true
                default: return reader.skipValue()
                }
            }) else { return nil }
            reader.skipSpace()
            return reader.atEnd ? request : nil
        }
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        mutating func literal(_ text: StaticString) -> Bool {
            skipSpace()
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func null() -> Bool { literal("null") }

        /// `{ "key": value, ... }`; `member` reads each value and says whether it could.
        mutating func object(_ member: (String, inout Reader) -> Bool) -> Bool {
            guard take(UInt8(ascii: "{")) else { return false }
            if take(UInt8(ascii: "}")) { return true }
            while true {
                skipSpace()
                guard let key = string(), take(UInt8(ascii: ":")), member(key, &self) else { return false }
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "}"))
            }
        }

        mutating func array(_ element: (inout Reader) -> Bool) -> Bool {
            guard take(UInt8(ascii: "[")) else { return false }
            if take(UInt8(ascii: "]")) { return true }
            while true {
                guard element(&self) else { return false }
                if take(UInt8(ascii: ",")) { continue }
                return take(UInt8(ascii: "]"))
            }
        }

        mutating func optionalString(_ target: inout String?) -> Bool {
            if null() { return true }
            skipSpace()
            guard let text = string() else { return false }
            target = text
            return true
        }

        mutating func optionalInteger(_ target: inout Int64?) -> Bool {
            if null() { return true }
            skipSpace()
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            let start = index
            var value: Int64 = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowB) = times.addingReportingOverflow(Int64(bytes[index] - 0x30))
                guard !overflowA, !overflowB else { return false }
                value = sum
                index += 1
            }
            // Fractions and exponents are JSONDecoder's to judge.
            guard index > start, index == bytes.count || (bytes[index] != UInt8(ascii: ".") && bytes[index] | 0x20 != UInt8(ascii: "e")) else {
                return false
            }
            target = negative ? -value : value
            return true
        }

        /// A string at `index` (which must be its opening quote), escapes decoded.
        mutating func string() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            let start = index
            // The common case: no escapes, a slice of the body.
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                index += 1
            }
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var scalar = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                return nil
                            }
                            index += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let character = Unicode.Scalar(scalar) else { return nil }
                        out += Array(String(Character(character)).utf8)
                    default: return nil
                    }
                default:
                    if byte < 0x20 { return nil }
                    out.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                default: return nil
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        /// Skips any value: strings, numbers, literals, arrays and objects.
        mutating func skipValue() -> Bool {
            skipSpace()
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "{"): return object { _, reader in reader.skipValue() }
            case UInt8(ascii: "["): return array { reader in reader.skipValue() }
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default:
                let start = index
                while index < bytes.count, "+-.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
                return index > start
            }
        }
    }
}
