/// Strict text ⇄ bytes conversion for IP addresses, the subset of `inet_pton(3)` that
/// [Postfix `mynetworks`](https://www.postfix.org/postconf.5.html#mynetworks) and NIO's
/// `SocketAddress.ipAddress` produce.
///
/// - IPv4: dotted quad, four decimal octets `0...255`, no leading zeros (they would be octal
///   to some parsers — [RFC 6943 §3.1.1](https://datatracker.ietf.org/doc/html/rfc6943#section-3.1.1)).
/// - IPv6: [RFC 4291 §2.2](https://datatracker.ietf.org/doc/html/rfc4291#section-2.2) text forms,
///   with `::` compression and an optional trailing dotted quad.
enum IPAddressText {
    /// Four bytes for a dotted quad, nil otherwise.
    static func parseIPv4<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4)
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            if part.count > 1, part.hasPrefix("0") { return nil }
            guard let value = UInt8(part) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    /// Sixteen bytes for an RFC 4291 §2.2 IPv6 text address, nil otherwise.
    static func parseIPv6<S: StringProtocol>(_ text: S) -> [UInt8]? {
        let text = String(text)
        guard !text.isEmpty else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawCompression = false
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        switch halves.count {
        case 1:
            guard let groups = parseGroups(halves[0], allowEmbeddedIPv4: true) else { return nil }
            head = groups
        case 2:
            sawCompression = true
            guard let h = halves[0].isEmpty ? [] : parseGroups(halves[0], allowEmbeddedIPv4: false),
                  let t = halves[1].isEmpty ? [] : parseGroups(halves[1], allowEmbeddedIPv4: true) else { return nil }
            head = h
            tail = t
        default:
            return nil
        }
        let present = head.count + tail.count
        if sawCompression {
            // "::" stands for one or more zero groups (RFC 4291 §2.2 item 2).
            guard present <= 7 else { return nil }
        } else {
            guard present == 8 else { return nil }
        }
        let groups = head + Array(repeating: 0, count: 8 - present) + tail
        return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Colon-separated hex groups; the last may be a dotted quad (counted as two groups).
    private static func parseGroups(_ text: String, allowEmbeddedIPv4: Bool) -> [UInt16]? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, allowEmbeddedIPv4, part.contains(".") {
                guard let v4 = parseIPv4(part) else { return nil }
                groups.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                groups.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                continue
            }
            guard !part.isEmpty, part.count <= 4, part.allSatisfy(\.isHexDigit), let value = UInt16(part, radix: 16) else {
                return nil
            }
            groups.append(value)
        }
        return groups
    }

    /// Bytes of an IPv4 or IPv6 address text (4 or 16), nil for anything else.
    static func parse<S: StringProtocol>(_ text: S) -> [UInt8]? {
        text.contains(":") ? parseIPv6(text) : parseIPv4(text)
    }

    /// The embedded IPv4 address of an IPv4-mapped IPv6 address `::ffff:a.b.c.d`
    /// ([RFC 4291 §2.5.5.2](https://datatracker.ietf.org/doc/html/rfc4291#section-2.5.5.2)), else nil.
    static func unmapIPv4(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return Array(bytes[12..<16])
    }

    /// Canonical text: dotted quad, or [RFC 5952 §4](https://datatracker.ietf.org/doc/html/rfc5952#section-4)
    /// IPv6 (lowercase, leading zeros dropped, the longest run of two or more zero groups as `::`).
    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...groups.count {
            if i < groups.count, groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        let left = hex[..<bestStart].joined(separator: ":")
        let right = hex[(bestStart + bestLength)...].joined(separator: ":")
        return left + "::" + right
    }
}
