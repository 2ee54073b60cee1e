extension Collection<UInt8> {
    /// Lowercase hexadecimal, the form AWS uses for every hash and signature on the wire.
    ///
    /// Table-driven and written straight into the string's storage: SigV4 hex-encodes at least two
    /// digests per request, so this runs tens of thousands of times a second.
    public var hexString: String {
        let length = count * 2
        return String(unsafeUninitializedCapacity: length) { output in
            let digits = Hex.lowercaseDigits.utf8Start
            var index = 0
            for byte in self {
                output[index] = digits[Int(byte >> 4)]
                output[index + 1] = digits[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }
}

/// Hexadecimal decoding, for signatures, Content-MD5-style digests and keys given in configuration.
public enum Hex {
    static let lowercaseDigits: StaticString = "0123456789abcdef"

    /// The bytes `s` spells, or nil when it has an odd length or a character that is not a hex digit.
    /// Both cases are accepted.
    public static func decode(_ s: some StringProtocol) -> [UInt8]? {
        let utf8 = s.utf8
        guard utf8.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(utf8.count / 2)
        var high: UInt8 = 0
        var isHigh = true
        for character in utf8 {
            guard let nibble = value(of: character) else { return nil }
            if isHigh {
                high = nibble
            } else {
                result.append(high << 4 | nibble)
            }
            isHigh.toggle()
        }
        return result
    }

    /// The value of one ASCII hex digit, or nil.
    @inline(__always)
    static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}
