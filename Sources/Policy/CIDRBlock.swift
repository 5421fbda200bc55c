import MailCore

/// A CIDR block as written in [Postfix `mynetworks`](https://www.postfix.org/postconf.5.html#mynetworks):
/// IPv4 `127.0.0.0/8`, IPv6 `::1/128` or `2001:db8::/32`
/// ([RFC 4632 §3.1](https://datatracker.ietf.org/doc/html/rfc4632#section-3.1),
/// [RFC 4291 §2.3](https://datatracker.ietf.org/doc/html/rfc4291#section-2.3)).
///
/// A bare address is a host block (`/32` or `/128`). Postfix's bracketed IPv6 form `[::1]/128`
/// is accepted too. As in Postfix, a block whose host bits are not zero (`127.0.0.1/8`) is
/// rejected as a likely typo. An IPv4-mapped IPv6 block (`::ffff:10.0.0.0/104`) is stored as the
/// IPv4 block it denotes (`10.0.0.0/8`), so it matches both spellings of a client address.
public struct CIDRBlock: Equatable, Sendable, CustomStringConvertible {
    /// The network address (IPv4, or IPv6 other than IPv4-mapped). Host bits are zero.
    public let network: IPAddress
    /// Prefix length, `0...32` for IPv4 and `0...128` for IPv6.
    public let prefixLength: Int

    /// Parses `address[/prefix]`, `[ipv6]` or `[ipv6]/prefix`; nil on any syntax error,
    /// an out-of-range prefix, or non-zero host bits.
    ///
    /// ```
    /// CIDRBlock("127.0.0.0/8")   // IPv4 loopback network
    /// CIDRBlock("[::1]/128")     // Postfix bracket form
    /// CIDRBlock("192.0.2.7")     // host block 192.0.2.7/32
    /// ```
    public init?(_ text: String) {
        var addressText = Substring(text)
        var prefixText: Substring?
        if let slash = addressText.lastIndex(of: "/") {
            prefixText = addressText[addressText.index(after: slash)...]
            addressText = addressText[..<slash]
        }
        if addressText.hasPrefix("[") {
            guard addressText.hasSuffix("]"), addressText.count > 2 else { return nil }
            addressText = addressText.dropFirst().dropLast()
            guard addressText.contains(":") else { return nil }
        }
        guard var address = IPAddress(addressText, keepingIPv4Mapped: true) else { return nil }
        let maxLength = address.bytes.count * 8
        var length = maxLength
        if let prefixText {
            guard !prefixText.isEmpty, prefixText.count <= 3, prefixText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(prefixText), value <= maxLength else { return nil }
            length = value
        }
        guard address.hostBitsAreZero(prefixLength: length) else { return nil }
        if length >= 96, let v4 = address.mappedIPv4 {
            address = v4
            length -= 96
        }
        network = address
        prefixLength = length
    }

    /// Whether `address` lies in this block. An IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2) matches IPv4 blocks.
    public func contains(_ address: IPAddress) -> Bool {
        network.sharesPrefix(with: address.mappedIPv4 ?? address, length: prefixLength)
    }

    /// Whether the address `text` lies in this block.
    ///
    /// `text` is client address text as SwiftNIO reports it: `127.0.0.1`, `::1`,
    /// `::ffff:127.0.0.1` (an IPv4-mapped address, RFC 4291 §2.5.5.2, matches IPv4 blocks),
    /// possibly with a `%zone` suffix ([RFC 4007 §11](https://datatracker.ietf.org/doc/html/rfc4007#section-11))
    /// that is ignored. Unparseable text never matches.
    public func contains(_ text: String) -> Bool {
        var text = Substring(text)
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        if text.hasPrefix("["), text.hasSuffix("]"), text.count > 2 { text = text.dropFirst().dropLast() }
        guard let address = IPAddress(text) else { return false }
        return contains(address)
    }

    /// `network/prefix` in canonical form (RFC 5952 for IPv6): `127.0.0.0/8`, `2001:db8::/32`.
    public var description: String {
        "\(network)/\(prefixLength)"
    }
}
