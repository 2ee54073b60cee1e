/// Standard base64 (RFC 4648 section 4, with padding), as used by Content-MD5, checksum headers and
/// sealed secrets stored as text.
///
/// Written here rather than taken from Foundation so `AnnealCrypto` stays free of Foundation and the
/// decoder's strictness is ours to define.
public enum Base64 {
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    public static func encode(_ bytes: [UInt8]) -> String {
        let length = (bytes.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: length) { output in
            let table = alphabet.utf8Start
            var out = 0
            var index = 0
            while index + 3 <= bytes.count {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                output[out] = table[Int(chunk >> 18 & 0x3F)]
                output[out + 1] = table[Int(chunk >> 12 & 0x3F)]
                output[out + 2] = table[Int(chunk >> 6 & 0x3F)]
                output[out + 3] = table[Int(chunk & 0x3F)]
                index += 3
                out += 4
            }
            let remaining = bytes.count - index
            if remaining > 0 {
                var chunk = UInt32(bytes[index]) << 16
                if remaining == 2 { chunk |= UInt32(bytes[index + 1]) << 8 }
                output[out] = table[Int(chunk >> 18 & 0x3F)]
                output[out + 1] = table[Int(chunk >> 12 & 0x3F)]
                output[out + 2] = remaining == 2 ? table[Int(chunk >> 6 & 0x3F)] : UInt8(ascii: "=")
                output[out + 3] = UInt8(ascii: "=")
                out += 4
            }
            return out
        }
    }

    /// The decoded bytes, or nil unless `s` is canonical padded base64: a multiple of four characters
    /// from the standard alphabet, `=` only as the final one or two, and no stray bits in the last
    /// character. Whitespace is not skipped: values we decode come from headers and our own storage.
    public static func decode(_ s: String) -> [UInt8]? {
        let input = Array(s.utf8)
        guard input.count % 4 == 0 else { return nil }
        if input.isEmpty { return [] }
        var padding = 0
        if input[input.count - 1] == UInt8(ascii: "=") { padding += 1 }
        if input[input.count - 2] == UInt8(ascii: "=") { padding += 1 }
        var result: [UInt8] = []
        result.reserveCapacity(input.count / 4 * 3 - padding)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            var chunk: UInt32 = 0
            for offset in 0..<4 {
                let character = input[index + offset]
                if isLast, offset >= 4 - padding {
                    chunk <<= 6
                    continue
                }
                guard let value = value(of: character) else { return nil }
                chunk = chunk << 6 | UInt32(value)
            }
            result.append(UInt8(truncatingIfNeeded: chunk >> 16))
            if !(isLast && padding == 2) { result.append(UInt8(truncatingIfNeeded: chunk >> 8)) }
            if !(isLast && padding >= 1) { result.append(UInt8(truncatingIfNeeded: chunk)) }
            if isLast {
                // Canonical form: the bits under the padding must be zero.
                if padding == 1, chunk & 0xFF != 0 { return nil }
                if padding == 2, chunk & 0xFFFF != 0 { return nil }
            }
            index += 4
        }
        return result
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
