#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as octets, for SPF matching ([RFC 7208 §5.6](https://datatracker.ietf.org/doc/html/rfc7208#section-5.6)).
public struct IPAddress: Sendable, Equatable, CustomStringConvertible {
    /// 4 octets (IPv4) or 16 (IPv6).
    public var octets: [UInt8]

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) becomes the
    /// IPv4 address (RFC 7208 §5: "IPv4-mapped IPv6 addresses ... MUST be treated as IPv4").
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            octets = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            octets = Array(bytes[12...])
        } else {
            octets = bytes
        }
    }

    init(octets: [UInt8]) {
        self.octets = octets
    }

    /// True for IPv4.
    public var isIPv4: Bool { octets.count == 4 }

    /// Whether the first `prefix` bits of `self` and `other` agree (same family only).
    public func matches(_ other: IPAddress, prefix: Int) -> Bool {
        guard octets.count == other.octets.count else { return false }
        var bits = min(prefix, octets.count * 8)
        var i = 0
        while bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if octets[i] & mask != other.octets[i] & mask { return false }
            bits -= 8
            i += 1
        }
        return true
    }

    /// Dotted quad, or RFC 5952 text for IPv6.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = isIPv4 ? AF_INET : AF_INET6
        _ = octets.withUnsafeBytes { src in
            buffer.withUnsafeMutableBufferPointer { inet_ntop(family, src.baseAddress, $0.baseAddress, socklen_t($0.count)) }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The `%{i}` macro form (RFC 7208 §7.3): dotted quad, or 32 dot-separated nibbles for IPv6.
    var macroForm: String {
        if isIPv4 { return octets.map(String.init).joined(separator: ".") }
        let hex = Array("0123456789abcdef")
        return octets.flatMap { [String(hex[Int($0 >> 4)]), String(hex[Int($0 & 0x0F)])] }.joined(separator: ".")
    }
}
