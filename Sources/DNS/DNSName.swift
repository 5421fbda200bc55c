import MailCore

/// Domain-name text forms shared by the resolvers.
enum DNSName {
    /// Maximum length of a label ([RFC 1035 §2.3.4](https://datatracker.ietf.org/doc/html/rfc1035#section-2.3.4)).
    static let maxLabelLength = 63
    /// Maximum length of a name in text form without the trailing dot (255 octets on the wire).
    static let maxNameLength = 253

    /// The lookup form of a name: A-labels (IDNA), lowercase, no trailing dot. Throws
    /// ``DNSError/Kind/permanent`` for names no resolver can ask for.
    static func normalized(_ name: String) throws(DNSError) -> String {
        var text = name
        if text.hasSuffix(".") { text.removeLast() }
        guard !text.isEmpty else { throw DNSError(.permanent, "empty domain name") }
        guard let ascii = IDNA.toASCII(text), !ascii.hasPrefix("[") else {
            throw DNSError(.permanent, "invalid domain name \"\(name)\"")
        }
        guard ascii.utf8.count <= maxNameLength else {
            throw DNSError(.permanent, "domain name too long: \(name)")
        }
        for label in ascii.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= maxLabelLength else {
                throw DNSError(.permanent, "invalid label in domain name \"\(name)\"")
            }
            // Characters a master-file parser would take as syntax (space, `\`, `;`, quotes, controls).
            guard label.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x5C && $0 != 0x3B && $0 != 0x22 }) else {
                throw DNSError(.permanent, "invalid character in domain name \"\(name)\"")
            }
        }
        return ascii
    }

    /// The `in-addr.arpa` / `ip6.arpa` name of an IP address, without trailing dot
    /// ([RFC 1035 §3.5](https://datatracker.ietf.org/doc/html/rfc1035#section-3.5),
    /// [RFC 3596 §2.5](https://datatracker.ietf.org/doc/html/rfc3596#section-2.5)); nil when `ip` is not an address.
    static func reverseName(ip: String) -> String? {
        guard let address = IPAddress(ip, keepingIPv4Mapped: true) else { return nil }
        if address.isIPv4 {
            return address.bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa"
        } else {
            let hex = Array("0123456789abcdef")
            var nibbles: [String] = []
            for byte in address.bytes.reversed() {
                nibbles.append(String(hex[Int(byte & 0x0F)]))
                nibbles.append(String(hex[Int(byte >> 4)]))
            }
            return nibbles.joined(separator: ".") + ".ip6.arpa"
        }
    }

    /// Compares host names the way DNS does: ASCII case-insensitively, ignoring a trailing dot.
    static func comparable(_ host: String) -> String {
        var text = host.lowercased()
        if text.count > 1, text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// IP literals in host positions.
enum IPLiteral {
    /// The address inside an IP literal: `192.0.2.1`, `[192.0.2.1]`, `::1`, `[IPv6:::1]`
    /// ([RFC 5321 §4.1.3](https://datatracker.ietf.org/doc/html/rfc5321#section-4.1.3)), canonicalized; nil otherwise.
    static func literal(_ text: String) -> String? {
        var inner = Substring(text)
        if inner.hasPrefix("["), inner.hasSuffix("]") {
            inner = inner.dropFirst().dropLast()
            if inner.lowercased().hasPrefix("ipv6:") { inner = inner.dropFirst(5) }
        }
        return IPAddress(inner, keepingIPv4Mapped: true)?.description
    }
}
