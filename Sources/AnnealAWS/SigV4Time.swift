/// The two date formats SigV4 meets, parsed without Foundation (no locale, no formatter caches, no
/// allocation beyond the result).
enum SigV4Time {
    /// Epoch seconds of `yyyyMMdd'T'HHmmss'Z'`, or nil when `text` is not exactly that.
    static func parseAmzDate(_ text: String) -> Int64? {
        SigV4Bytes.withUTF8(text) { parseAmzDate($0) }
    }

    private static func parseAmzDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
              let year = number(bytes[0..<4]), let month = number(bytes[4..<6]), let day = number(bytes[6..<8]),
              let hour = number(bytes[9..<11]), let minute = number(bytes[11..<13]), let second = number(bytes[13..<15])
        else { return nil }
        return epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// An RFC 1123 date (`Sun, 06 Nov 1994 08:49:37 GMT`) as the ISO 8601 basic form and epoch seconds.
    static func parseHTTPDate(_ text: String) -> (amzDate: String, epoch: Int64)? {
        SigV4Bytes.withUTF8(text) { parseHTTPDate($0) }
    }

    private static func parseHTTPDate(_ bytes: UnsafeBufferPointer<UInt8>) -> (amzDate: String, epoch: Int64)? {
        guard bytes.count == 29, bytes[3] == UInt8(ascii: ","), bytes[4] == UInt8(ascii: " "),
              bytes[7] == UInt8(ascii: " "), bytes[11] == UInt8(ascii: " "), bytes[16] == UInt8(ascii: " "),
              bytes[19] == UInt8(ascii: ":"), bytes[22] == UInt8(ascii: ":"), bytes[25] == UInt8(ascii: " "),
              bytes[26...].elementsEqual("GMT".utf8),
              let day = number(bytes[5..<7]), let year = number(bytes[12..<16]),
              let hour = number(bytes[17..<19]), let minute = number(bytes[20..<22]), let second = number(bytes[23..<25]),
              let monthIndex = months.firstIndex(where: { bytes[8..<11].elementsEqual($0.utf8) })
        else { return nil }
        let month = monthIndex + 1
        guard let epoch = epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let amzDate = "\(year)\(twoDigits(month))\(twoDigits(day))T\(twoDigits(hour))\(twoDigits(minute))\(twoDigits(second))Z"
        return (amzDate, epoch)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func number(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> Int? {
        var value = 0
        for index in digits.indices {
            let digit = digits[index]
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }

    /// Proleptic Gregorian calendar to Unix time (Howard Hinnant's days_from_civil), after range checks.
    static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard year >= 1970, (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute),
              (0...60).contains(second), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension SigV4Time {
    /// `yyyyMMdd'T'HHmmss'Z'` for epoch seconds (UTC), by Howard Hinnant's civil-from-days.
    static func amzDate(_ epoch: Int64) -> String {
        let days = epoch >= 0 ? epoch / 86_400 : (epoch - 86_399) / 86_400
        let secondsOfDay = epoch - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T" + pad(secondsOfDay / 3600, 2)
            + pad(secondsOfDay / 60 % 60, 2) + pad(secondsOfDay % 60, 2) + "Z"
    }
}
