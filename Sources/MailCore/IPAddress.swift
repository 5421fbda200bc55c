/// An IPv4 or IPv6 address: the one address type of Tern (client addresses, `mynetworks` blocks, SPF `ip4:`/`ip6:`,
/// DNS A/AAAA data, the loopback test for plaintext authentication).
///
/// Text is parsed strictly, the subset of `inet_pton(3)` that NIO's `SocketAddress.ipAddress`, Postfix
/// `mynetworks` and DNS zone data produce:
/// - IPv4: dotted quad, four decimal octets `0...255`, no leading zeros (they would be octal to some parsers —
///   [RFC 6943 §3.1.1](https://datatracker.ietf.org/doc/html/rfc6943#section-3.1.1)).
/// - IPv6: [RFC 4291 §2.2](https://datatracker.ietf.org/doc/html/rfc4291#section-2.2) text forms, with `::`
///   compression and an optional trailing dotted quad.
///
/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`,
/// [RFC 4291 §2.5.5.2](https://datatracker.ietf.org/doc/html/rfc4291#section-2.5.5.2)), which a dual-stack socket
/// reports for an IPv4 client, is the IPv4 address it maps unless asked to keep it
/// ([RFC 7208 §5](https://datatracker.ietf.org/doc/html/rfc7208#section-5): such addresses "MUST be treated as IPv4").
///
/// ```
/// IPAddress("192.0.2.1")?.family            // .v4
/// IPAddress("::ffff:127.0.0.1")?.isLoopback  // true (the IPv4 address 127.0.0.1)
/// IPAddress("2001:DB8:0:0::1")?.description  // "2001:db8::1"
/// ```
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address family.
    public enum Family: Sendable, Hashable {
        /// IPv4: 4 bytes.
        case v4
        /// IPv6: 16 bytes.
        case v6
    }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// The address with these bytes (4 for IPv4, 16 for IPv6, kept as given); nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses dotted-quad IPv4 or RFC 4291 §2.2 IPv6 text; nil for anything else (brackets, zone ids, host names).
    /// An IPv4-mapped IPv6 address becomes the IPv4 address unless `keepingIPv4Mapped` (for CIDR blocks such as
    /// `::ffff:10.0.0.0/104`, whose prefix counts IPv6 bits).
    public init?(_ text: some StringProtocol, keepingIPv4Mapped: Bool = false) {
        guard let parsed = text.contains(":") ? Self.parseIPv6(text) : Self.parseIPv4(text) else { return nil }
        if !keepingIPv4Mapped, let v4 = Self.mappedIPv4Bytes(parsed) {
            bytes = v4
        } else {
            bytes = parsed
        }
    }

    /// `.v4` or `.v6`.
    public var family: Family { bytes.count == 4 ? .v4 : .v6 }

    /// Whether this is an IPv4 address.
    public var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address inside an IPv4-mapped IPv6 address `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2), else nil.
    public var mappedIPv4: IPAddress? {
        Self.mappedIPv4Bytes(bytes).flatMap { IPAddress(bytes: $0) }
    }

    /// Whether the address is a loopback address: IPv4 `127.0.0.0/8`
    /// ([RFC 1122 §3.2.1.3](https://datatracker.ietf.org/doc/html/rfc1122#section-3.2.1.3)), IPv6 `::1`
    /// ([RFC 4291 §2.5.3](https://datatracker.ietf.org/doc/html/rfc4291#section-2.5.3)), or an IPv4-mapped
    /// IPv4 loopback address.
    public var isLoopback: Bool {
        if let v4 = mappedIPv4 { return v4.isLoopback }
        if isIPv4 { return bytes[0] == 127 }
        return bytes.dropLast().allSatisfy { $0 == 0 } && bytes[15] == 1
    }

    /// Whether the first `length` bits of `self` and `other` agree; false when the families differ. A `length`
    /// beyond the address size compares the whole address.
    public func sharesPrefix(with other: IPAddress, length: Int) -> Bool {
        guard bytes.count == other.bytes.count else { return false }
        var remaining = min(length, bytes.count * 8)
        for (mine, theirs) in zip(bytes, other.bytes) {
            if remaining <= 0 { break }
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if mine & mask != theirs & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// Whether every bit after the first `length` bits is zero (a network address for that prefix length).
    public func hostBitsAreZero(prefixLength length: Int) -> Bool {
        var remaining = length
        for byte in bytes {
            let mask: UInt8 = remaining >= 8 ? 0xFF : (remaining <= 0 ? 0 : ~(0xFF >> UInt8(remaining)))
            if byte & ~mask != 0 { return false }
            remaining -= 8
        }
        return true
    }

    /// Canonical text: dotted quad, or [RFC 5952 §4](https://datatracker.ietf.org/doc/html/rfc5952#section-4)
    /// IPv6 (lowercase, leading zeros dropped, the longest — first of equally long — run of two or more zero
    /// groups as `::`); an IPv4-mapped address ends in a dotted quad (RFC 5952 §5: `::ffff:192.0.2.1`).
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        if let v4 = mappedIPv4 { return "::ffff:" + v4.description }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
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
        return hex[..<bestStart].joined(separator: ":") + "::" + hex[(bestStart + bestLength)...].joined(separator: ":")
    }

    // MARK: - Parsing

    private static func mappedIPv4Bytes(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return Array(bytes[12..<16])
    }

    /// Four bytes for a dotted quad without leading zeros, nil otherwise.
    private static func parseIPv4(_ text: some StringProtocol) -> [UInt8]? {
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

    /// Sixteen bytes for RFC 4291 §2.2 IPv6 text, nil otherwise.
    private static func parseIPv6(_ text: some StringProtocol) -> [UInt8]? {
        let text = String(text)
        guard !text.isEmpty else { return nil }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        var head: [UInt16] = []
        var tail: [UInt16] = []
        switch halves.count {
        case 1:
            guard let groups = parseGroups(halves[0], allowEmbeddedIPv4: true), groups.count == 8 else { return nil }
            head = groups
        case 2:
            guard let h = halves[0].isEmpty ? [] : parseGroups(halves[0], allowEmbeddedIPv4: false),
                  let t = halves[1].isEmpty ? [] : parseGroups(halves[1], allowEmbeddedIPv4: true),
                  h.count + t.count <= 7 else { return nil } // "::" stands for one or more zero groups (§2.2 item 2)
            head = h
            tail = t
        default:
            return nil
        }
        let groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Colon-separated hex groups of 1–4 digits; the last may be a dotted quad (two groups).
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
}
