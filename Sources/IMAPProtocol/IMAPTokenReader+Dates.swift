/// Dates in commands: SEARCH `date` and APPEND `date-time` (RFC 9051 §9).
extension IMAPTokenReader {
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

    /// `date = date-text / DQUOTE date-text DQUOTE`;
    /// `date-text = date-day "-" date-month "-" date-year`; `date-day = 1*2DIGIT`
    mutating func readDate() throws(IMAPParseError) -> IMAPDate {
        let quoted = consume(UInt8(ascii: "\""))
        let day = try readFixedDigits(1...2, "the day")
        let date = try readMonthAndYear(day: day)
        if quoted { try expect(UInt8(ascii: "\""), "'\"' to end the date") }
        return date
    }

    /// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`;
    /// `date-day-fixed = (SP DIGIT) / 2DIGIT`; `time = 2DIGIT ":" 2DIGIT ":" 2DIGIT`;
    /// `zone = ("+" / "-") 4DIGIT`. A one-digit day without the leading space is accepted too.
    mutating func readDateTime() throws(IMAPParseError) -> IMAPDateTime {
        try expect(UInt8(ascii: "\""), "'\"' to start the date-time")
        _ = consume(Self.sp)
        let day = try readFixedDigits(1...2, "the day")
        let date = try readMonthAndYear(day: day)
        try expectSpace()
        let hour = try readFixedDigits(2...2, "the hour")
        try expect(UInt8(ascii: ":"), "':' in the time")
        let minute = try readFixedDigits(2...2, "the minutes")
        try expect(UInt8(ascii: ":"), "':' in the time")
        let second = try readFixedDigits(2...2, "the seconds")
        guard hour < 24, minute < 60, second < 61 else { throw Self.error("invalid time") }
        try expectSpace()
        let sign: Int
        if consume(UInt8(ascii: "+")) {
            sign = 1
        } else if consume(UInt8(ascii: "-")) {
            sign = -1
        } else {
            throw Self.error("expected a zone like +0000")
        }
        let zone = try readFixedDigits(4...4, "the zone")
        guard zone % 100 < 60 else { throw Self.error("invalid zone") }
        try expect(UInt8(ascii: "\""), "'\"' to end the date-time")
        let zoneMinutes = sign * (zone / 100 * 60 + zone % 100)
        let days = Self.daysSince1970(year: date.year, month: date.month, day: date.day)
        let local = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return IMAPDateTime(secondsSince1970: local - Int64(zoneMinutes) * 60, zoneMinutes: zoneMinutes)
    }

    /// `"-" date-month "-" date-year`, validating the day against the month.
    private mutating func readMonthAndYear(day: Int) throws(IMAPParseError) -> IMAPDate {
        try expect(UInt8(ascii: "-"), "'-' in the date")
        let name = String(decoding: readRun(while: Self.isLetter), as: UTF8.self).uppercased()
        guard let monthIndex = Self.monthNames.firstIndex(of: name) else { throw Self.error("invalid month") }
        try expect(UInt8(ascii: "-"), "'-' in the date")
        let year = try readFixedDigits(4...4, "the year")
        let month = monthIndex + 1
        guard day >= 1, day <= Self.daysInMonth(year: year, month: month) else { throw Self.error("invalid day") }
        return IMAPDate(year: year, month: month, day: day)
    }

    /// Reads between `counts.lowerBound` and `counts.upperBound` decimal digits.
    private mutating func readFixedDigits(_ counts: ClosedRange<Int>, _ what: String) throws(IMAPParseError) -> Int {
        var value = 0
        var n = 0
        while n < counts.upperBound, let b = peek(), Self.isDigit(b) {
            value = value * 10 + Int(b - UInt8(ascii: "0"))
            n += 1
            index += 1
        }
        guard n >= counts.lowerBound else { throw Self.error("invalid \(what)") }
        return value
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64((month + 9) % 12)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
