/// An IMAP URL naming one message or part of it ([RFC 5092](https://datatracker.ietf.org/doc/html/rfc5092)),
/// optionally authorized by URLAUTH ([RFC 4467 §2](https://datatracker.ietf.org/doc/html/rfc4467#section-2)).
///
/// Two forms are accepted: absolute (`imap://user@host/INBOX;UIDVALIDITY=7/;UID=20/;SECTION=1.2`)
/// and, as CATENATE allows (RFC 4469 §3), absolute-path relative to this server
/// (`/INBOX/;UID=20/;SECTION=HEADER`). Keywords are case-insensitive; the mailbox, section and
/// user are percent-decoded.
///
///     IMAPURL("imap://fred@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a47")
///     → mailbox "INBOX", uid 20, section 1.2, access .submit("fred"), mechanism "internal", token "91354a47"
public struct IMAPURL: Equatable, Sendable {
    /// The URL's user (`enc-user`, decoded); nil for a relative URL or an absolute one without a user.
    public var user: String?
    /// The host of an absolute URL; nil for a relative one.
    public var host: String?
    /// The mailbox name (Unicode, `/` separated).
    public var mailbox: String
    /// `;UIDVALIDITY=n` when given.
    public var uidValidity: UInt32?
    /// `/;UID=n`.
    public var uid: UInt32
    /// `/;SECTION=…`, parsed as a FETCH section (nil = the whole message).
    public var section: IMAPSection?
    /// `/;PARTIAL=offset[.length]`.
    public var partial: IMAPURLPartial?
    /// `;EXPIRE=date-time` (RFC 4467 §2), seconds since 1970.
    public var expire: Int64?
    /// `;URLAUTH=access` (RFC 4467 §2).
    public var access: IMAPURLAccess?
    /// The URLAUTH mechanism (`INTERNAL`) of the verifier, as written; nil without a verifier.
    public var mechanism: String?
    /// The verifier's `enc-urlauth` hex digits; nil without a verifier.
    public var token: String?
    /// The URL up to and including the access identifier: the "rump URL" a URLAUTH token signs
    /// (RFC 4467 §2.1). Equal to the whole URL when there is no verifier.
    public var rump: String

    /// Whether this is an absolute `imap://` URL.
    public var isAbsolute: Bool { host != nil }

    /// Parses `text`; nil when it is not an IMAP URL naming a message (RFC 5092 `imessagepart`).
    public init?(_ text: String) {
        guard let parsed = IMAPURLParser(text).parse() else { return nil }
        self = parsed
    }

    init(user: String?, host: String?, mailbox: String, uidValidity: UInt32?, uid: UInt32, section: IMAPSection?,
         partial: IMAPURLPartial?, expire: Int64?, access: IMAPURLAccess?, mechanism: String?, token: String?, rump: String) {
        self.user = user
        self.host = host
        self.mailbox = mailbox
        self.uidValidity = uidValidity
        self.uid = uid
        self.section = section
        self.partial = partial
        self.expire = expire
        self.access = access
        self.mechanism = mechanism
        self.token = token
        self.rump = rump
    }
}

/// `/;PARTIAL=offset[.length]` (RFC 5092 §5, `partial-range`).
public struct IMAPURLPartial: Equatable, Sendable {
    public var offset: Int
    /// nil: to the end.
    public var length: Int?
    public init(offset: Int, length: Int?) {
        self.offset = offset
        self.length = length
    }

    /// The octets of `content` this range selects (empty past the end).
    public func apply(_ content: [UInt8]) -> [UInt8] {
        let start = min(offset, content.count)
        let end = length.map { min(content.count, start + $0) } ?? content.count
        return Array(content[start..<end])
    }
}

/// The URLAUTH access identifier (RFC 4467 §2.2, `access`): who may fetch the URL.
public enum IMAPURLAccess: Equatable, Sendable {
    /// `submit+user`: the message submission server, on behalf of `user`.
    case submit(String)
    /// `user+user`: only that authenticated user.
    case user(String)
    /// `authuser`: any authenticated user of this server.
    case authUser
    /// `anonymous`: anyone.
    case anonymous
}

/// The hand-written scanner behind `IMAPURL.init`: RFC 5092 §11 and RFC 4467 §9 formal syntax.
struct IMAPURLParser {
    let text: String
    let bytes: [UInt8]

    init(_ text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    /// `imapurl = "imap://" iserver ipath-query` (absolute), or `"/" imessagepart` (relative).
    func parse() -> IMAPURL? {
        var i = 0
        var user: String?
        var host: String?
        if hasPrefix("imap://", at: 0) {
            // iserver = [iuserinfo "@"] host [":" port]; iuserinfo = enc-user [iauth] / [enc-user] iauth
            i = 7
            let serverEnd = bytes[i...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
            let server = bytes[i..<serverEnd]
            var hostPart = server[...]
            if let at = server.lastIndex(of: UInt8(ascii: "@")) {
                var info = server[server.startIndex..<at]
                if let semicolon = info.firstIndex(of: UInt8(ascii: ";")) { info = info[info.startIndex..<semicolon] } // ;AUTH=
                guard let decoded = Self.percentDecoded(info) else { return nil }
                user = decoded.isEmpty ? nil : decoded
                hostPart = server[(at + 1)...]
            }
            if let colon = hostPart.lastIndex(of: UInt8(ascii: ":")), hostPart.last != UInt8(ascii: "]") {
                hostPart = hostPart[hostPart.startIndex..<colon]
            }
            guard !hostPart.isEmpty else { return nil }
            host = String(decoding: hostPart, as: UTF8.self).lowercased()
            i = serverEnd
        }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "/") else { return nil }
        i += 1
        // imessagepart = imailbox-ref iuid [isection] [ipartial] [iurlauth]
        guard let uidMarker = find("/;uid=", from: i) else { return nil }
        var mailboxEnd = uidMarker
        var uidValidity: UInt32?
        if let validity = find(";uidvalidity=", from: i), validity < uidMarker {
            mailboxEnd = validity
            guard let n = Self.number(bytes[(validity + 13)..<uidMarker]), n > 0 else { return nil }
            uidValidity = n
        }
        guard mailboxEnd > i, let mailboxText = Self.percentDecoded(bytes[i..<mailboxEnd]) else { return nil }
        let mailbox = mailboxText.count == 5 && mailboxText.uppercased() == "INBOX" ? "INBOX" : mailboxText
        i = uidMarker + 6
        let uidEnd = run(from: i, while: IMAPTokenReader.isDigit)
        guard let uid = Self.number(bytes[i..<uidEnd]), uid > 0 else { return nil }
        i = uidEnd
        var section: IMAPSection?
        var partial: IMAPURLPartial?
        var expire: Int64?
        var access: IMAPURLAccess?
        var mechanism: String?
        var token: String?
        var rumpEnd = bytes.count
        if hasPrefix("/;section=", at: i) {
            i += 10
            var end = bytes[i...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            if end < bytes.count, end > i, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
            guard end > i, let decoded = Self.percentDecoded(bytes[i..<end]) else { return nil }
            var reader = IMAPTokenReader(Array("[\(decoded)]".utf8))
            guard let parsed = try? IMAPFetchAttributeParser.parseSection(&reader), reader.isAtEnd else { return nil }
            section = parsed
            i = end
        }
        if hasPrefix("/;partial=", at: i) {
            i += 10
            let offsetEnd = run(from: i, while: IMAPTokenReader.isDigit)
            guard let offset = Self.number(bytes[i..<offsetEnd]) else { return nil }
            i = offsetEnd
            var length: UInt32?
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                let lengthEnd = run(from: i + 1, while: IMAPTokenReader.isDigit)
                guard let n = Self.number(bytes[(i + 1)..<lengthEnd]), n > 0 else { return nil }
                length = n
                i = lengthEnd
            }
            partial = IMAPURLPartial(offset: Int(offset), length: length.map(Int.init))
        }
        if hasPrefix(";expire=", at: i) {
            i += 8
            let end = bytes[i...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            guard let seconds = Self.rfc3339(String(decoding: bytes[i..<end], as: UTF8.self)) else { return nil }
            expire = seconds
            i = end
        }
        if hasPrefix(";urlauth=", at: i) {
            i += 9
            let end = bytes[i...].firstIndex(of: UInt8(ascii: ":")) ?? bytes.count
            guard let parsed = Self.access(bytes[i..<end]) else { return nil }
            access = parsed
            rumpEnd = end
            i = end
            if i < bytes.count {
                // iua-verifier = ":" uauth-mechanism ":" enc-urlauth
                let rest = bytes[(i + 1)...]
                guard let colon = rest.firstIndex(of: UInt8(ascii: ":")) else { return nil }
                let mech = rest[rest.startIndex..<colon], hex = rest[(colon + 1)...]
                guard !mech.isEmpty, mech.allSatisfy(IMAPTokenReader.isAtomChar),
                      hex.count >= 32, hex.allSatisfy(Self.isHexDigit) else { return nil }
                mechanism = String(decoding: mech, as: UTF8.self)
                token = String(decoding: hex, as: UTF8.self).lowercased()
                i = bytes.count
            }
        }
        guard i == bytes.count else { return nil }
        return IMAPURL(user: user, host: host, mailbox: mailbox, uidValidity: uidValidity, uid: uid, section: section,
                       partial: partial, expire: expire, access: access, mechanism: mechanism, token: token,
                       rump: String(decoding: bytes[..<rumpEnd], as: UTF8.self))
    }

    private func hasPrefix(_ keyword: String, at index: Int) -> Bool {
        let k = Array(keyword.utf8)
        guard index + k.count <= bytes.count else { return false }
        for (j, c) in k.enumerated() where IMAPTokenReader.asciiUpper(bytes[index + j]) != IMAPTokenReader.asciiUpper(c) { return false }
        return true
    }

    private func find(_ keyword: String, from index: Int) -> Int? {
        var i = index
        while i < bytes.count {
            if hasPrefix(keyword, at: i) { return i }
            i += 1
        }
        return nil
    }

    private func run(from index: Int, while predicate: (UInt8) -> Bool) -> Int {
        var i = index
        while i < bytes.count, predicate(bytes[i]) { i += 1 }
        return i
    }

    static func number(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy(IMAPTokenReader.isDigit) else { return nil }
        return UInt32(String(decoding: digits, as: UTF8.self))
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        IMAPTokenReader.isDigit(b) || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "f")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "F"))
    }

    /// RFC 3986 §2.1 percent-decoding, then UTF-8; nil for a malformed escape or invalid UTF-8.
    static func percentDecoded(_ octets: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        var i = octets.startIndex
        while i < octets.endIndex {
            let b = octets[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < octets.endIndex,
                      let value = UInt8(String(decoding: octets[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) else { return nil }
                out.append(value)
                i += 3
            } else {
                out.append(b)
                i += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// `access = ("submit+" enc-user) / ("user+" enc-user) / "authuser" / "anonymous"` (RFC 4467 §9).
    static func access(_ octets: ArraySlice<UInt8>) -> IMAPURLAccess? {
        let text = String(decoding: octets, as: UTF8.self)
        let lower = text.lowercased()
        if lower == "authuser" { return .authUser }
        if lower == "anonymous" { return .anonymous }
        for (prefix, make) in [("submit+", IMAPURLAccess.submit), ("user+", IMAPURLAccess.user)] where lower.hasPrefix(prefix) {
            guard let user = percentDecoded(octets.dropFirst(prefix.utf8.count)), !user.isEmpty else { return nil }
            return make(user)
        }
        return nil
    }

    /// RFC 3339 `date-time` (`2026-12-31T23:59:59Z`, `…+01:00`, optional fraction), seconds since 1970.
    static func rfc3339(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count, b[from..<(from + count)].allSatisfy(IMAPTokenReader.isDigit) else { return nil }
            return Int(String(decoding: b[from..<(from + count)], as: UTF8.self))
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
              let second = digits(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, IMAPTokenReader.isDigit(b[i]) { i += 1 }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard let oh = digits(i + 1, 2), b.count > i + 3, b[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2) else { return nil }
            offset = (oh * 60 + om) * 60 * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days from civil (H. Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Int64(days * 86400 + hour * 3600 + minute * 60 + second - offset)
    }
}
