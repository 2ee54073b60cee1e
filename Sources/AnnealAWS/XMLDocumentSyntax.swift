/// The lexical rules of XML 1.0 the parser needs, over UTF-8 bytes.
enum XMLSyntax {
    /// Throws at the first byte that is not well-formed UTF-8 (overlong forms and surrogates
    /// included) or that encodes a code point XML does not allow (C0 controls other than tab, LF and
    /// CR; U+FFFE and U+FFFF).
    static func validateCharacters(_ bytes: [UInt8]) throws(XMLParseError) {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                guard lead >= 0x20 || lead == 0x09 || lead == 0x0A || lead == 0x0D else {
                    throw XMLParseError("Control character U+\(hex(UInt32(lead))) is not allowed in XML.", offset: index)
                }
                index += 1
                continue
            }
            // The allowed range of the second byte narrows for the leads that could otherwise spell
            // overlong forms (E0, F0), surrogates (ED) or code points past U+10FFFF (F4).
            let length: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: throw XMLParseError("Invalid UTF-8.", offset: index)
            }
            guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]),
                  (2..<length).allSatisfy({ (0x80...0xBF).contains(bytes[index + $0]) }) else {
                throw XMLParseError("Invalid UTF-8.", offset: index)
            }
            // U+FFFE and U+FFFF: EF BF BE, EF BF BF.
            if lead == 0xEF, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
                throw XMLParseError("U+FFFE and U+FFFF are not allowed in XML.", offset: index)
            }
            index += length
        }
    }

    /// XML 1.0 `Char`: what a character reference may produce.
    static func isCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x1_0000...0x10_FFFF: true
        default: false
        }
    }

    /// The body of a reference (between `&` and `;`): a predefined entity or a character reference.
    static func decodeReference(_ body: ArraySlice<UInt8>) -> Unicode.Scalar? {
        switch String(decoding: body, as: UTF8.self) {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default: break
        }
        guard body.first == UInt8(ascii: "#") else { return nil }
        var digits = body.dropFirst()
        var radix: UInt32 = 10
        if digits.first == UInt8(ascii: "x") {
            radix = 16
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            guard let digitValue = digitValue(digit, radix: radix) else { return nil }
            value = value * radix + digitValue
            guard value <= 0x10_FFFF else { return nil }
        }
        guard isCharacter(value) else { return nil }
        return Unicode.Scalar(value)
    }

    private static func digitValue(_ byte: UInt8, radix: UInt32) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    static func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        if let encoded = UTF8.encode(scalar) { out.append(contentsOf: encoded) }
    }

    /// Appends character data with line ends normalized as XML requires (section 2.11): CRLF and a
    /// lone CR both become LF.
    static func appendNormalizingLineEnds(_ data: ArraySlice<UInt8>, to out: inout [UInt8]) {
        guard data.contains(0x0D) else {
            out.append(contentsOf: data)
            return
        }
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            index += 1
            if byte == 0x0D {
                out.append(0x0A)
                if index < data.endIndex, data[index] == 0x0A { index += 1 }
            } else {
                out.append(byte)
            }
        }
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Letters, `_`, `:` and any non-ASCII character. Non-ASCII name characters are not checked
    /// against XML's tables: they cannot confuse the parser, and S3 names are ASCII.
    static func isNameStart(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "_"), UInt8(ascii: ":"), 0x80...0xFF:
            true
        default:
            false
        }
    }

    static func isNameCharacter(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// The part after the last `:` (the namespace prefix stripped).
    static func localName(_ name: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let colon = name.lastIndex(of: UInt8(ascii: ":")) else { return name }
        return name[(colon + 1)...]
    }

    /// Bytes already validated as UTF-8, as a String.
    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
