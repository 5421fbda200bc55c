/// DKIM canonicalization of header fields and body
/// ([RFC 6376 §3.4](https://datatracker.ietf.org/doc/html/rfc6376#section-3.4)).
public enum DKIMCanonicalizer {
    /// One header field, canonicalized (§3.4.1 simple: unchanged; §3.4.2 relaxed: lowercase name, unfolded,
    /// WSP runs as one SP, no WSP at the ends of the value or around the colon), ending in CRLF.
    public static func header(_ raw: [UInt8], _ mode: DKIMCanonicalization) -> [UInt8] {
        if mode == .simple { return raw }
        guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return raw }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        for b in raw[..<colon] where b != 32 && b != 9 && b != 13 && b != 10 {
            out.append((65...90).contains(b) ? b + 32 : b)
        }
        out.append(UInt8(ascii: ":"))
        var pendingSpace = false
        var started = false
        for b in raw[(colon + 1)...] {
            if b == 13 || b == 10 { continue }
            if b == 32 || b == 9 {
                pendingSpace = started
                continue
            }
            if pendingSpace { out.append(32); pendingSpace = false }
            out.append(b)
            started = true
        }
        out += [13, 10]
        return out
    }

    /// The canonical body (§3.4.3 simple: trailing empty lines removed, an empty body is one CRLF; §3.4.4 relaxed:
    /// WSP runs as one SP, WSP at line ends removed, trailing empty lines removed, an empty body stays empty).
    /// A last line without CRLF gets one.
    public static func body(_ body: [UInt8], _ mode: DKIMCanonicalization) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 2)
        if mode == .simple {
            out = body
            if let last = out.last, last != 10 { out += [13, 10] }
        } else {
            var line: [UInt8] = []
            var pendingSpace = false
            var i = 0
            while i < body.count {
                let b = body[i]
                if b == 13, i + 1 < body.count, body[i + 1] == 10 {
                    out += line
                    out += [13, 10]
                    line.removeAll(keepingCapacity: true)
                    pendingSpace = false
                    i += 2
                    continue
                }
                if b == 32 || b == 9 {
                    pendingSpace = true
                } else {
                    if pendingSpace { line.append(32); pendingSpace = false }
                    line.append(b)
                }
                i += 1
            }
            if !line.isEmpty { out += line; out += [13, 10] }
        }
        // Remove trailing empty lines.
        while out.count >= 4, out[out.count - 4] == 13, out[out.count - 3] == 10, out[out.count - 2] == 13, out[out.count - 1] == 10 {
            out.removeLast(2)
        }
        if out.count == 2, out[0] == 13, out[1] == 10, mode == .relaxed { out.removeAll() }
        if out.isEmpty, mode == .simple { out = [13, 10] }
        return out
    }

    /// The signature field itself with the value of its `b=` tag emptied (§3.7: "with the value of the b= tag
    /// (including all surrounding whitespace) deleted").
    public static func removingSignatureValue(_ raw: [UInt8]) -> [UInt8] {
        guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return raw }
        var out = Array(raw[...colon])
        var i = colon + 1
        while i < raw.count {
            // One tag-spec: up to the next ";" or the end.
            var end = i
            while end < raw.count, raw[end] != UInt8(ascii: ";") { end += 1 }
            let spec = raw[i..<end]
            if let eq = spec.firstIndex(of: UInt8(ascii: "=")) {
                let name = spec[..<eq].filter { $0 != 32 && $0 != 9 && $0 != 13 && $0 != 10 }
                if name == [UInt8(ascii: "b")] {
                    out += raw[i...eq]
                    // Keep a trailing CRLF that ends the field.
                    if end == raw.count, raw.count >= 2, raw[raw.count - 2] == 13, raw[raw.count - 1] == 10 { out += [13, 10] }
                    i = end
                    if i < raw.count { out.append(raw[i]); i += 1 }
                    continue
                }
            }
            out += raw[i..<min(end + 1, raw.count)]
            i = end + 1
        }
        return out
    }
}
