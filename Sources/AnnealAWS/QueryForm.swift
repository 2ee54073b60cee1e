/// Decoding of `application/x-www-form-urlencoded` bodies and query strings, as the Query protocol
/// sends them (`Action=GetCallerIdentity&Version=2011-06-15`). Here `+` means a space.
public enum QueryForm {
    /// Parameters in order; a later duplicate wins in `dictionary`.
    public static func parse(_ bytes: some Collection<UInt8>, plusIsSpace: Bool = true) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var name: [UInt8] = []
        var value: [UInt8] = []
        var inValue = false
        func flush() {
            if !name.isEmpty || inValue {
                result.append((decode(name, plusIsSpace: plusIsSpace), decode(value, plusIsSpace: plusIsSpace)))
            }
            name.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
            inValue = false
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "&"): flush()
            case UInt8(ascii: "=") where !inValue: inValue = true
            default: if inValue { value.append(byte) } else { name.append(byte) }
            }
        }
        flush()
        return result
    }

    public static func dictionary(_ pairs: [(name: String, value: String)]) -> [String: String] {
        var out: [String: String] = [:]
        for pair in pairs { out[pair.name] = pair.value }
        return out
    }

    /// Percent-decodes bytes; malformed escapes are kept literally; invalid UTF-8 is repaired.
    public static func decode(_ bytes: [UInt8], plusIsSpace: Bool) -> String {
        guard bytes.contains(where: { $0 == UInt8(ascii: "%") || ($0 == UInt8(ascii: "+") && plusIsSpace) }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
                continue
            }
            out.append(byte == UInt8(ascii: "+") && plusIsSpace ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: some StringProtocol, plusIsSpace: Bool) -> String {
        decode(Array(text.utf8), plusIsSpace: plusIsSpace)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
