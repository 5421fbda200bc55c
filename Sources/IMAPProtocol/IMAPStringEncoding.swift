/// Encoding of IMAP strings in responses (RFC 9051 §4.3): quoted when safe, literal otherwise.
public enum IMAPStringEncoding {
    /// `nstring`: `NIL` for nil, else `string(bytes)`.
    public static func nstring(_ value: [UInt8]?) -> [UInt8] {
        guard let value else { return Array("NIL".utf8) }
        return string(value)
    }

    /// `string` (RFC 9051 §9): a quoted string when every octet is printable 7-bit (or UTF-8 ≥ 0x80)
    /// without CR/LF/NUL and the length is at most 1024, else a synchronising literal `{n}\r\n…`.
    public static func string(_ value: [UInt8]) -> [UInt8] {
        if value.count <= 1024, value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) {
            var out: [UInt8] = [UInt8(ascii: "\"")]
            out.reserveCapacity(value.count + 2)
            for b in value {
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(b)
            }
            out.append(UInt8(ascii: "\""))
            return out
        }
        return literal(value)
    }

    /// A literal `{n}\r\n` followed by the octets (RFC 9051 §4.3).
    public static func literal(_ value: [UInt8]) -> [UInt8] {
        Array("{\(value.count)}\r\n".utf8) + value
    }

    /// Convenience for Swift strings (UTF-8 octets).
    public static func string(_ value: String) -> [UInt8] { string(Array(value.utf8)) }

    /// Convenience for optional Swift strings.
    public static func nstring(_ value: String?) -> [UInt8] { nstring(value.map { Array($0.utf8) }) }
}
