/// RFC 5322 `date-time`, e.g. `Tue, 1 Jul 2003 10:52:37 +0200`.
///
/// See [RFC 5322 §3.3](https://datatracker.ietf.org/doc/html/rfc5322#section-3.3) and the obsolete
/// forms of [§4.3](https://datatracker.ietf.org/doc/html/rfc5322#section-4.3).
public enum RFC5322Date {
    /// Parses an RFC 5322 §3.3 date-time; returns seconds since 1970-01-01T00:00:00Z and the zone
    /// offset in minutes east of UTC.
    ///
    /// Tolerated (RFC 5322 §4.3): comments and extra whitespace, a missing or wrong day of week,
    /// two-digit years (< 50 → 20xx, else 19xx) and three-digit years (+1900), missing seconds,
    /// named zones (`UT`, `GMT`, `EST`…), military and unknown zones (taken as `-0000`, i.e. 0)
    /// and a missing zone (0). Returns nil for impossible dates and times.
    public static func parse(_ s: String) -> (secondsSince1970: Int64, zoneMinutes: Int)? {
        let text = joinTimeColons(Array(MIMEHeaderValue.stripComments(s).utf8))
        var tokens = text.split { $0 == MailASCII.space || $0 == MailASCII.tab || $0 == MailASCII.cr || $0 == MailASCII.lf || $0 == UInt8(ascii: ",") }
            .map { Array($0) }
        guard !tokens.isEmpty else { return nil }
        if let first = tokens.first, first.allSatisfy(isLetter), month(first) == nil { tokens.removeFirst() }
        guard tokens.count >= 4,
              let day = number(tokens[0], maxDigits: 2),
              let month = month(tokens[1]),
              var year = number(tokens[2], maxDigits: 4) else { return nil }
        switch tokens[2].count {
        case 1, 2: year += year < 50 ? 2000 : 1900
        case 3: year += 1900
        default: break
        }
        let time = tokens[3].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard time.count == 2 || time.count == 3,
              let hour = number(Array(time[0]), maxDigits: 2),
              let minute = number(Array(time[1]), maxDigits: 2) else { return nil }
        let second = time.count == 3 ? number(Array(time[2]), maxDigits: 2) : 0
        guard let second, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        let zone = tokens.count > 4 ? zoneMinutes(tokens[4]) : 0
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(zone * 60)
        return (seconds, zone)
    }

    /// Formats as `Tue, 01 Jul 2003 10:52:37 +0200` (RFC 5322 §3.3), local to `zoneMinutes`.
    public static func format(secondsSince1970: Int64, zoneMinutes: Int) -> String {
        let local = secondsSince1970 &+ Int64(zoneMinutes) &* 60
        let days = floorDiv(local, 86_400)
        let secs = Int(local - days * 86_400)
        let (year, month, day) = civilFromDays(Int(days))
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday
        let sign = zoneMinutes < 0 ? "-" : "+"
        let z = abs(zoneMinutes)
        return "\(weekdayNames[weekday]), \(pad(day)) \(monthNames[month - 1]) \(year) "
            + "\(pad(secs / 3600)):\(pad(secs / 60 % 60)):\(pad(secs % 60)) \(sign)\(pad(z / 60 % 100))\(pad(z % 60))"
    }

    /// Removes whitespace around `:` so `obs-time` like `09 :  55  : 06` (RFC 5322 §4.3) is one token.
    private static func joinTimeColons(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var skipBlanks = false
        for b in bytes {
            let blank = b == MailASCII.space || b == MailASCII.tab || b == MailASCII.cr || b == MailASCII.lf
            if blank && skipBlanks { continue }
            if b == MailASCII.colon {
                while let last = out.last, last == MailASCII.space || last == MailASCII.tab || last == MailASCII.cr || last == MailASCII.lf {
                    out.removeLast()
                }
            }
            skipBlanks = b == MailASCII.colon
            out.append(b)
        }
        return out
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }

    private static func number(_ token: [UInt8], maxDigits: Int) -> Int? {
        guard !token.isEmpty, token.count <= maxDigits, token.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return token.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    /// `month` (RFC 5322 §3.3): the first three letters, case-insensitive.
    private static func month(_ token: [UInt8]) -> Int? {
        guard token.count >= 3 else { return nil }
        let prefix = String(decoding: token.prefix(3).map(MailASCII.lower), as: UTF8.self)
        return monthNames.firstIndex { MailASCII.lowercased($0) == prefix }.map { $0 + 1 }
    }

    /// `zone` (RFC 5322 §3.3) or `obs-zone` (§4.3); unknown zones count as 0.
    private static func zoneMinutes(_ token: [UInt8]) -> Int {
        var t = token.filter { $0 != MailASCII.colon }
        if let sign = t.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            t.removeFirst()
            guard t.count == 4, let hhmm = number(t, maxDigits: 4), hhmm % 100 < 60 else { return 0 }
            let minutes = hhmm / 100 * 60 + hhmm % 100
            return sign == UInt8(ascii: "-") ? -minutes : minutes
        }
        switch MailASCII.uppercased(String(decoding: t, as: UTF8.self)) {
        case "EDT": return -4 * 60
        case "EST", "CDT": return -5 * 60
        case "CST", "MDT": return -6 * 60
        case "MST", "PDT": return -7 * 60
        case "PST": return -8 * 60
        default: return 0  // UT, GMT, Z, military and unknown zones (RFC 5322 §4.3)
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
