import MailCore

/// The string forms of RFC 9051 §4.3 and §9: atom, astring, quoted, literal, literal8, nstring,
/// mailbox, number sets and `resp-text`. Every string a response holds is written by one of these.
extension IMAPResponseEncoder {
    /// `string` (RFC 9051 §4.3): quoted when `isQuotable`, else a synchronising literal.
    public func string(_ value: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        string(value, &out)
        return out
    }

    /// A mailbox name (RFC 9051 §5.1, §9 `mailbox`): modified UTF-7 (RFC 9051 §5.1.3) unless
    /// UTF8=ACCEPT is enabled (RFC 6855 §3), then written as a string.
    public func mailbox(_ name: String) -> [UInt8] {
        var out: [UInt8] = []
        mailbox(name, &out)
        return out
    }

    /// `literal8 = "~{" number64 "}" CRLF *OCTET` (RFC 3516 §4.1) when `value` holds a NUL, a
    /// plain literal otherwise (RFC 3516 §4.2: servers use literal8 only when needed).
    public func literal8(_ value: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        literal8(value, &out)
        return out
    }

    /// Whether `value` may be written as a quoted string (RFC 9051 §4.3, RFC 6855 §3): at most
    /// `maxQuotedLength` octets, no control octet (CR, LF, NUL, …, DEL), and 8-bit octets only as
    /// valid UTF-8 with UTF8=ACCEPT enabled.
    public func isQuotable(_ value: [UInt8]) -> Bool {
        guard value.count <= Self.maxQuotedLength else { return false }
        var eightBit = false
        for b in value {
            if b < 0x20 || b == 0x7F { return false }
            if b >= 0x80 { eightBit = true }
        }
        guard eightBit else { return true }
        return utf8Accept && String(validating: value, as: UTF8.self) != nil
    }

    // MARK: Writers

    func raw(_ s: String, _ out: inout [UInt8]) { out += s.utf8 }

    func space(_ out: inout [UInt8]) { out.append(UInt8(ascii: " ")) }

    func string(_ value: [UInt8], _ out: inout [UInt8]) {
        guard isQuotable(value) else { return literal(value, &out) }
        out.reserveCapacity(out.count + value.count + 2)
        out.append(UInt8(ascii: "\""))
        for b in value {
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `nstring`: NIL or a string.
    func nstring(_ value: String?, _ out: inout [UInt8]) {
        guard let value else { return raw("NIL", &out) }
        string(Array(value.utf8), &out)
    }

    /// `astring`: an atom when every octet is an ASTRING-CHAR, else a string.
    func astring(_ value: String, _ out: inout [UInt8]) {
        let bytes = Array(value.utf8)
        if !bytes.isEmpty, bytes.allSatisfy(Self.isAStringChar) {
            out += bytes
        } else {
            string(bytes, &out)
        }
    }

    /// A fixed token (flag, capability, attribute): octets that cannot be in an atom are dropped,
    /// except `\` (flags and attributes start with it) and the wildcards (`\*` in PERMANENTFLAGS).
    func atom(_ value: String, _ out: inout [UInt8]) {
        out += value.utf8.filter(Self.isTokenChar)
    }

    func mailbox(_ name: String, _ out: inout [UInt8]) {
        string(Array((utf8Accept ? name : ModifiedUTF7.encode(name)).utf8), &out)
    }

    /// The hierarchy delimiter: `"/"` or NIL.
    func delimiter(_ delimiter: Character?, _ out: inout [UInt8]) {
        guard let delimiter else { return raw("NIL", &out) }
        string(Array(String(delimiter).utf8), &out)
    }

    /// `literal = "{" number "}" CRLF *CHAR8` (RFC 9051 §4.3, RFC 3501 §9: `CHAR8` excludes NUL).
    /// A NUL in the content (a binary part fetched with BODY[]) is written as 0x80, as Dovecot
    /// does: only BINARY may send NUL, in a `literal8`.
    func literal(_ value: [UInt8], _ out: inout [UInt8]) {
        raw("{\(value.count)}\r\n", &out)
        if value.contains(0) {
            out += value.map { $0 == 0 ? 0x80 : $0 }
        } else {
            out += value
        }
    }

    func literal8(_ value: [UInt8], _ out: inout [UInt8]) {
        guard value.contains(0) else { return literal(value, &out) }
        raw("~{\(value.count)}\r\n", &out)
        out += value
    }

    /// `resp-text` (RFC 9051 §9): controls (CR, LF, NUL, …) become spaces, and a line may not end
    /// in what reads as a literal announcement (`{5}`, `{5+}`), which would make a client take the
    /// next octets as literal data: those braces become parentheses.
    func text(_ text: String, _ out: inout [UInt8]) {
        let start = out.count
        out += text.responseLineSafe.utf8
        guard out.count - start >= 2, out[out.count - 1] == UInt8(ascii: "}") else { return }
        var i = out.count - 2
        if out[i] == UInt8(ascii: "+") { i -= 1 }
        while i > start, out[i] >= 0x30, out[i] <= 0x39 { i -= 1 }
        guard out[i] == UInt8(ascii: "{") else { return }
        out[i] = UInt8(ascii: "(")
        out[out.count - 1] = UInt8(ascii: ")")
    }

    /// `"(" item *(SP item) ")"`, `()` when empty.
    func list<T>(_ items: [T], _ out: inout [UInt8], _ item: (T, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "("))
        for (i, element) in items.enumerated() {
            if i > 0 { space(&out) }
            item(element, &out)
        }
        out.append(UInt8(ascii: ")"))
    }

    /// `sequence-set` / `uid-set` (RFC 9051 §9) of a list of numbers, sorted, runs as `a:b`: `1:3,5`.
    func sequenceSet(_ numbers: [UInt32], _ out: inout [UInt8]) {
        let sorted = numbers.sorted()
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1] == sorted[j] &+ 1 { j += 1 }
            if i > 0 { out.append(UInt8(ascii: ",")) }
            raw(i == j ? "\(sorted[i])" : "\(sorted[i]):\(sorted[j])", &out)
            i = j + 1
        }
    }

    // MARK: Character classes

    /// RFC 9051 §9 `ASTRING-CHAR = ATOM-CHAR / resp-specials`.
    static func isAStringChar(_ b: UInt8) -> Bool {
        guard b > 0x20, b < 0x7F else { return false }
        return !"(){%*\"\\".utf8.contains(b)
    }

    static func isTokenChar(_ b: UInt8) -> Bool {
        guard b > 0x20, b < 0x7F else { return false }
        return !"(){\"]".utf8.contains(b)
    }

    static func isBase64(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2F || b == 0x3D
    }
}
