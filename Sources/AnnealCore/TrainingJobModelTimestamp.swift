/// Timestamps in requests: epoch seconds (integer or fractional) or ISO-8601 text.
public enum ModelTimestamp {
    public static func seconds(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let seconds): seconds
        case .string(let text): Double(text) ?? iso8601(text)
        default: nil
        }
    }

    /// `2026-01-02T03:04:05Z`, with optional fractional seconds and a `±hh:mm` (or `±hhmm`) offset;
    /// a date alone (`2026-01-02`) means midnight UTC.
    public static func iso8601(_ text: String) -> Double? {
        let chars = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= chars.count else { return nil }
            var value = 0
            for byte in chars[index..<(index + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < chars.count, chars[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year, month, day) * 86_400)
        guard index < chars.count else { return seconds }
        guard expect(84) || expect(116) || expect(32),  // T, t or a space
              let hour = digits(2), expect(58), let minute = digits(2), hour < 24, minute < 60 else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        if expect(58) {
            guard let second = digits(2), second <= 60 else { return nil }
            seconds += Double(second)
            if expect(46) || expect(44) {
                let start = index
                var scale = 0.1
                while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                    seconds += Double(chars[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
                guard index > start else { return nil }
            }
        }
        if expect(90) || expect(122) { return index == chars.count ? seconds : nil }  // Z or z
        guard index < chars.count else { return seconds }
        let sign: Double = expect(43) ? -1 : (expect(45) ? 1 : 0)
        guard sign != 0, let offsetHours = digits(2) else { return nil }
        _ = expect(58)
        guard let offsetMinutes = digits(2), index == chars.count else { return nil }
        return seconds + sign * Double(offsetHours * 3600 + offsetMinutes * 60)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
