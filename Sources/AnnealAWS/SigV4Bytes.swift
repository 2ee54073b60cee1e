/// Byte-level helpers for canonicalisation. SigV4 is defined over UTF-8 bytes, and working on them
/// directly (rather than on `Character`s or through Foundation) keeps verification allocation-light.
enum SigV4Bytes {
    static let upperHexDigits: StaticString = "0123456789ABCDEF"
    static let lowerHexDigits: StaticString = "0123456789abcdef"

    static let slash = UInt8(ascii: "/")
    static let newline = UInt8(ascii: "\n")
    static let percent = UInt8(ascii: "%")

    /// Calls `body` with the UTF-8 bytes of `string`, copying only for the rare non-contiguous string.
    @inline(__always)
    static func withUTF8<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = string
        return copy.withUTF8(body)
    }

    /// RFC 3986 unreserved characters: the only ones AWS's URI encoding leaves alone.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// Appends `byte` as itself when unreserved, otherwise as `%XX` with uppercase hex.
    @inline(__always)
    static func appendEncoded(_ byte: UInt8, to out: inout [UInt8]) {
        if isUnreserved(byte) {
            out.append(byte)
        } else {
            let digits = upperHexDigits.utf8Start
            out.append(percent)
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
    }

    /// AWS-encodes `bytes` as they are: an existing `%` becomes `%25`.
    static func appendEncoded(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, to out: inout [UInt8]) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            // Copy runs of unreserved bytes (most of any path or query) in one go.
            var runEnd = index
            while runEnd < bytes.endIndex, isUnreserved(bytes[runEnd]) { runEnd += 1 }
            if runEnd > index {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<runEnd]))
                index = runEnd
            } else {
                appendEncoded(bytes[index], to: &out)
                index += 1
            }
        }
    }

    /// Percent-decodes `bytes` (`%XX` only: `+` stays `+`, a `%` not followed by two hex digits stays
    /// literal) and AWS-encodes the result, in one pass.
    static func appendReencoded(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, to out: inout [UInt8]) {
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            var runEnd = index
            while runEnd < end, isUnreserved(bytes[runEnd]) { runEnd += 1 }
            if runEnd > index {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<runEnd]))
                index = runEnd
                continue
            }
            let byte = bytes[index]
            if byte == percent, end - index >= 3,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                appendEncoded(high << 4 | low, to: &out)
                index += 3
            } else {
                appendEncoded(byte, to: &out)
                index += 1
            }
        }
    }

    /// `bytes` with `%XX` decoded (`+` stays `+`).
    static func percentDecoded(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            let byte = bytes[index]
            if byte == percent, end - index >= 3,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    /// Appends lowercase hex of `bytes`.
    static func appendLowerHex(_ bytes: [UInt8], to out: inout [UInt8]) {
        let digits = lowerHexDigits.utf8Start
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
    }

    /// Whether `name` equals `lowercased` ignoring ASCII case; `lowercased` must already be lowercase.
    @inline(__always)
    static func equalsIgnoringCase(_ name: String, lowercased: String) -> Bool {
        guard name.utf8.count == lowercased.utf8.count else { return false }
        return withUTF8(name) { a in
            withUTF8(lowercased) { b in
                for index in 0..<a.count where lowercase(a[index]) != b[index] { return false }
                return true
            }
        }
    }

    @inline(__always)
    static func lowercase(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// Appends the UTF-8 of `string` (`append(contentsOf: string.utf8)` goes byte by byte through
    /// generic code; this copies the contiguous storage).
    @inline(__always)
    static func appendUTF8(_ string: String, to out: inout [UInt8]) {
        withUTF8(string) { out.append(contentsOf: $0) }
    }

    /// `bytes[range]` as a string, with ASCII letters lowercased when asked. Bytes of multi-byte UTF-8
    /// sequences are all 0x80 or above, so lowercasing byte-wise never breaks one.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, lowercased: Bool = false) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        guard lowercased else { return String(decoding: slice, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: slice.count) { out in
            for index in 0..<slice.count { out[index] = lowercase(slice[index]) }
            return slice.count
        }
    }

    /// `string` without leading and trailing spaces and tabs; the same string when there are none.
    static func trimmed(_ string: String) -> String {
        withUTF8(string) { bytes in
            let range = trimmed(bytes, 0..<bytes.count)
            return range.count == bytes.count ? string : SigV4Bytes.string(bytes, range)
        }
    }

    /// `range` without leading and trailing spaces and tabs.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, bytes[lower] == UInt8(ascii: " ") || bytes[lower] == UInt8(ascii: "\t") { lower += 1 }
        while upper > lower, bytes[upper - 1] == UInt8(ascii: " ") || bytes[upper - 1] == UInt8(ascii: "\t") { upper -= 1 }
        return lower..<upper
    }

    /// Whether `bytes[range]` spells `literal`.
    @inline(__always)
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let start = literal.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != start[offset] { return false }
        return true
    }

    /// The ranges between `separator`s in `bytes[range]`, empty ones included.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, on separator: UInt8) -> [Range<Int>] {
        var parts: [Range<Int>] = []
        var start = range.lowerBound
        for index in range where bytes[index] == separator {
            parts.append(start..<index)
            start = index + 1
        }
        parts.append(start..<range.upperBound)
        return parts
    }

    /// The value of the first header named `lowercasedName`, in any case.
    static func firstHeader(_ lowercasedName: String, in headers: [(name: String, value: String)]) -> String? {
        for header in headers where equalsIgnoringCase(header.name, lowercased: lowercasedName) {
            return header.value
        }
        return nil
    }
}
