/// Charset decoding for MIME text (RFC 2046 §4.1.2), RFC 2047 encoded-words and RFC 2231 values.
///
/// See [RFC 2046 §4.1.2](https://datatracker.ietf.org/doc/html/rfc2046#section-4.1.2).
/// Supported: UTF-8, US-ASCII, ISO-8859-1, ISO-8859-15 and Windows-1252. Anything else is decoded as
/// UTF-8 when valid and as ISO-8859-1 otherwise (best effort, never fails).
public enum MIMECharset {
    /// Decodes `bytes` written in `charset` (case-insensitive IANA name; nil means unknown).
    public static func decode(_ bytes: some Collection<UInt8>, charset: String?) -> String {
        let name = charset.map { MailASCII.lowercased(MailASCII.trimmed($0)) } ?? ""
        switch name {
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819", "ibm819":
            return latin1(bytes)
        case "windows-1252", "cp1252", "x-cp1252":
            if let s = String(validating: bytes, as: UTF8.self), bytes.allSatisfy({ $0 < 0x80 }) { return s }
            return String(String.UnicodeScalarView(bytes.map { windows1252Scalar($0) }))
        case "iso-8859-15", "iso8859-15", "latin9", "latin-9":
            return String(String.UnicodeScalarView(bytes.map { latin9Scalar($0) }))
        default:
            return String(validating: bytes, as: UTF8.self) ?? latin1(bytes)
        }
    }

    private static func latin1(_ bytes: some Collection<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// Windows-1252 assigns printable characters to 0x80–0x9F (undefined ones map to C1 controls).
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]

    private static func windows1252Scalar(_ b: UInt8) -> Unicode.Scalar {
        guard b >= 0x80, b <= 0x9F else { return Unicode.Scalar(b) }
        return Unicode.Scalar(windows1252High[Int(b - 0x80)]) ?? Unicode.Scalar(b)
    }

    /// ISO-8859-15 differs from ISO-8859-1 in eight positions.
    private static func latin9Scalar(_ b: UInt8) -> Unicode.Scalar {
        let code: UInt32
        switch b {
        case 0xA4: code = 0x20AC
        case 0xA6: code = 0x0160
        case 0xA8: code = 0x0161
        case 0xB4: code = 0x017D
        case 0xB8: code = 0x017E
        case 0xBC: code = 0x0152
        case 0xBD: code = 0x0153
        case 0xBE: code = 0x0178
        default: code = UInt32(b)
        }
        return Unicode.Scalar(code) ?? Unicode.Scalar(b)
    }
}
