import MailCore

/// Decodes the RDATA of one resource record in wire format, as libunbound hands it over (names are never
/// compressed there: [RFC 3597 §4](https://datatracker.ietf.org/doc/html/rfc3597#section-4) forbids
/// compression in the RDATA of types it does not know, and libunbound decompresses the rest).
///
/// Every decoder throws ``DNSError/Kind/permanent`` on malformed data.
enum RDataDecoder {
    /// A: four octets ([RFC 1035 §3.4.1](https://datatracker.ietf.org/doc/html/rfc1035#section-3.4.1)).
    static func a(_ rdata: [UInt8]) throws(DNSError) -> String {
        guard rdata.count == 4, let address = IPAddress(bytes: rdata) else { throw malformed("A") }
        return address.description
    }

    /// AAAA: sixteen octets ([RFC 3596 §2.2](https://datatracker.ietf.org/doc/html/rfc3596#section-2.2)).
    static func aaaa(_ rdata: [UInt8]) throws(DNSError) -> String {
        guard rdata.count == 16, let address = IPAddress(bytes: rdata) else { throw malformed("AAAA") }
        return address.description
    }

    /// MX: 16-bit preference, then the exchange name ([RFC 1035 §3.3.9](https://datatracker.ietf.org/doc/html/rfc1035#section-3.3.9)).
    static func mx(_ rdata: [UInt8]) throws(DNSError) -> MXRecord {
        guard rdata.count >= 3 else { throw malformed("MX") }
        let preference = UInt16(rdata[0]) << 8 | UInt16(rdata[1])
        let (exchange, end) = try name(rdata, from: 2, type: "MX")
        guard end == rdata.count else { throw malformed("MX") }
        return MXRecord(preference: preference, exchange: exchange)
    }

    /// TXT: one or more length-prefixed character-strings, concatenated without separator
    /// ([RFC 1035 §3.3.14](https://datatracker.ietf.org/doc/html/rfc1035#section-3.3.14),
    /// [RFC 7208 §3.3](https://datatracker.ietf.org/doc/html/rfc7208#section-3.3)). Bytes that are not UTF-8
    /// become U+FFFD.
    static func txt(_ rdata: [UInt8]) throws(DNSError) -> String {
        var bytes: [UInt8] = []
        var index = 0
        while index < rdata.count {
            let length = Int(rdata[index])
            index += 1
            guard index + length <= rdata.count else { throw malformed("TXT") }
            bytes.append(contentsOf: rdata[index..<index + length])
            index += length
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// PTR: one name ([RFC 1035 §3.3.12](https://datatracker.ietf.org/doc/html/rfc1035#section-3.3.12)).
    static func ptr(_ rdata: [UInt8]) throws(DNSError) -> String {
        let (target, end) = try name(rdata, from: 0, type: "PTR")
        guard end == rdata.count else { throw malformed("PTR") }
        return target
    }

    /// TLSA: usage, selector, matching type, association data
    /// ([RFC 6698 §2.1](https://datatracker.ietf.org/doc/html/rfc6698#section-2.1)).
    static func tlsa(_ rdata: [UInt8]) throws(DNSError) -> TLSARecord {
        guard rdata.count >= 3 else { throw malformed("TLSA") }
        return TLSARecord(usage: rdata[0], selector: rdata[1], matchingType: rdata[2], data: Array(rdata[3...]))
    }

    /// SRV: priority, weight, port, target ([RFC 2782](https://datatracker.ietf.org/doc/html/rfc2782)).
    static func srv(_ rdata: [UInt8]) throws(DNSError) -> SRVRecord {
        guard rdata.count >= 7 else { throw malformed("SRV") }
        func u16(_ i: Int) -> UInt16 { UInt16(rdata[i]) << 8 | UInt16(rdata[i + 1]) }
        let (target, end) = try name(rdata, from: 6, type: "SRV")
        guard end == rdata.count else { throw malformed("SRV") }
        return SRVRecord(priority: u16(0), weight: u16(2), port: u16(4), target: target)
    }

    /// An uncompressed wire-format name starting at `start`: its text form (lowercase, no trailing dot, `"."` for
    /// the root; octets other than letters, digits, `-` and `_` written `\DDD` as in
    /// [RFC 1035 §5.1](https://datatracker.ietf.org/doc/html/rfc1035#section-5.1)) and the index after it.
    static func name(_ rdata: [UInt8], from start: Int, type: String) throws(DNSError) -> (String, Int) {
        var labels: [String] = []
        var index = start
        var wireLength = 0
        while true {
            guard index < rdata.count else { throw malformed(type) }
            let length = Int(rdata[index])
            index += 1
            wireLength += length + 1
            // 0xC0 marks a compression pointer and 0x40/0x80 are reserved label types (RFC 6891 §5).
            guard length <= DNSName.maxLabelLength, wireLength <= 255 else { throw malformed(type) }
            if length == 0 { break }
            guard index + length <= rdata.count else { throw malformed(type) }
            labels.append(labelText(rdata[index..<index + length]))
            index += length
        }
        return (labels.isEmpty ? "." : labels.joined(separator: "."), index)
    }

    private static func labelText(_ bytes: ArraySlice<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                text.unicodeScalars.append(Unicode.Scalar(byte + 0x20))
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "*"):
                text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = String(byte)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text
    }

    private static func malformed(_ type: String) -> DNSError {
        DNSError(.permanent, "malformed \(type) record")
    }
}
