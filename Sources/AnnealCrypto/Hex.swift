extension Collection<UInt8> {
    /// Lowercase hexadecimal, the form AWS uses for every hash and signature on the wire.
    ///
    /// Table-driven and written straight into the string's storage: SigV4 hex-encodes at least two
    /// digests per request, so this runs tens of thousands of times a second.
    public var hexString: String {
        // Generic code is not specialised across modules: go through contiguous storage when there is
        // some, so the loop runs on a buffer pointer instead of through protocol witnesses.
        if let hex = withContiguousStorageIfAvailable({ Hex.encode(UnsafeRawBufferPointer($0)) }) { return hex }
        return Array(self).withUnsafeBytes { Hex.encode($0) }
    }
}

/// Hexadecimal decoding, for signatures, Content-MD5-style digests and keys given in configuration.
public enum Hex {
    static let lowercaseDigits: StaticString = "0123456789abcdef"

    static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { output in
            let digits = lowercaseDigits.utf8Start
            for index in 0..<bytes.count {
                let byte = bytes[index]
                output[2 * index] = digits[Int(byte >> 4)]
                output[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }

    /// The bytes `s` spells, or nil when it has an odd length or a character that is not a hex digit.
    /// Upper and lower case digits are both accepted.
    public static func decode(_ s: some StringProtocol) -> [UInt8]? {
        if let result = s.utf8.withContiguousStorageIfAvailable({ decode($0) }) { return result }
        return Array(s.utf8).withUnsafeBufferPointer { decode($0) }
    }

    private static func decode(_ utf8: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard utf8.count % 2 == 0 else { return nil }
        var failed = false
        let result = [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { output, initialized in
            for index in 0..<utf8.count / 2 {
                guard let high = value(of: utf8[2 * index]), let low = value(of: utf8[2 * index + 1]) else {
                    failed = true
                    return
                }
                output[index] = high << 4 | low
                initialized = index + 1
            }
        }
        return failed ? nil : result
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
