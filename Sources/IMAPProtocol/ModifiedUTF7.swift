/// Modified UTF-7, the mailbox-name encoding of IMAP4rev1
/// ([RFC 9051 §5.1.3](https://datatracker.ietf.org/doc/html/rfc9051#section-5.1.3),
/// [RFC 3501 §5.1.3](https://datatracker.ietf.org/doc/html/rfc3501#section-5.1.3)).
///
/// Printable US-ASCII except `&` stands for itself, `&` is written `&-`, and every other run of
/// characters is UTF-16BE in modified base64 (`,` instead of `/`, no padding) between `&` and `-`:
/// `~peter/mail/台北/日本語` ↔ `~peter/mail/&U,BTFw-/&ZeVnLIqe-`.
public enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)
    private static let ampersand = UInt8(ascii: "&")
    private static let dash = UInt8(ascii: "-")

    /// Encodes a Unicode mailbox name as modified UTF-7 (RFC 9051 §5.1.3).
    public static func encode(_ s: String) -> String {
        var out: [UInt8] = []
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            out.append(ampersand)
            out += base64(pending)
            out.append(dash)
            pending.removeAll()
        }
        for scalar in s.unicodeScalars {
            if scalar.value >= 0x20, scalar.value <= 0x7E {
                flush()
                out.append(UInt8(scalar.value))
                if scalar.value == UInt32(ampersand) { out.append(dash) }
            } else {
                pending.append(contentsOf: String(scalar).utf16)
            }
        }
        flush()
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a modified UTF-7 mailbox name (RFC 9051 §5.1.3); nil when it is malformed:
    /// a character outside printable US-ASCII, an unterminated or invalid base64 run, leftover
    /// non-zero bits, invalid UTF-16, or a run encoding printable US-ASCII (not the canonical form).
    public static func decode(_ s: String) -> String? {
        let bytes = Array(s.utf8)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            guard b >= 0x20, b <= 0x7E else { return nil }
            i += 1
            guard b == ampersand else {
                out.append(Unicode.Scalar(b))
                continue
            }
            guard let end = bytes[i...].firstIndex(of: dash) else { return nil }
            defer { i = end + 1 }
            if end == i {
                out.append("&")
                continue
            }
            guard let units = unbase64(bytes[i..<end]) else { return nil }
            var iterator = units.makeIterator()
            var utf16 = UTF16()
            loop: while true {
                switch utf16.decode(&iterator) {
                case .scalarValue(let scalar):
                    if scalar.value >= 0x20, scalar.value <= 0x7E { return nil }
                    out.append(scalar)
                case .emptyInput:
                    break loop
                case .error:
                    return nil
                }
            }
        }
        return String(out)
    }

    private static func base64(_ units: [UInt16]) -> [UInt8] {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for unit in units {
            buffer = buffer << 16 | UInt32(unit)
            bits += 16
            while bits >= 6 {
                bits -= 6
                out.append(alphabet[Int(buffer >> UInt32(bits) & 0x3F)])
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 {
            out.append(alphabet[Int(buffer << UInt32(6 - bits) & 0x3F)])
        }
        return out
    }

    private static func unbase64(_ chars: ArraySlice<UInt8>) -> [UInt16]? {
        var units: [UInt16] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in chars {
            guard let value = alphabet.firstIndex(of: c) else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 16 {
                bits -= 16
                units.append(UInt16(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        guard bits < 6, buffer == 0, !units.isEmpty else { return nil }
        return units
    }
}
