/// The record types Tern asks for.
///
/// Type codes are those of the IANA "Resource Record (RR) TYPEs" registry
/// ([RFC 1035 §3.2.2](https://datatracker.ietf.org/doc/html/rfc1035#section-3.2.2),
/// [RFC 3596](https://datatracker.ietf.org/doc/html/rfc3596) for AAAA,
/// [RFC 6698](https://datatracker.ietf.org/doc/html/rfc6698) for TLSA).
public enum DNSRecordType: Sendable {
    case a, aaaa, mx, txt, ptr, tlsa, cname, srv

    /// The numeric RR type on the wire (A = 1, CNAME = 5, PTR = 12, MX = 15, TXT = 16, AAAA = 28, TLSA = 52).
    public var rrType: UInt16 {
        switch self {
        case .a: 1
        case .cname: 5
        case .ptr: 12
        case .mx: 15
        case .txt: 16
        case .aaaa: 28
        case .tlsa: 52
        case .srv: 33
        }
    }

    /// The type's name in zone files and logs (`MX`, `AAAA`).
    var mnemonic: String {
        String(describing: self).uppercased()
    }
}

/// One MX record ([RFC 1035 §3.3.9](https://datatracker.ietf.org/doc/html/rfc1035#section-3.3.9)).
///
/// `exchange` is lowercase without the trailing dot (`mx1.example.org`). The root name, used by a null MX
/// ([RFC 7505](https://datatracker.ietf.org/doc/html/rfc7505)), is spelled `"."`.
public struct MXRecord: Equatable, Sendable {
    /// Lower is preferred.
    public var preference: UInt16
    /// The mail exchanger's host name, lowercase, no trailing dot; `"."` for the root (null MX).
    public var exchange: String

    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }
}

/// One TLSA record, for DANE ([RFC 6698 §2.1](https://datatracker.ietf.org/doc/html/rfc6698#section-2.1),
/// [RFC 7672](https://datatracker.ietf.org/doc/html/rfc7672)).
public struct TLSARecord: Equatable, Sendable {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    public var usage: UInt8
    /// 0 full certificate, 1 SubjectPublicKeyInfo.
    public var selector: UInt8
    /// 0 exact match, 1 SHA-256, 2 SHA-512.
    public var matchingType: UInt8
    /// The certificate association data.
    public var data: [UInt8]

    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }
}

/// One SRV record ([RFC 2782](https://datatracker.ietf.org/doc/html/rfc2782)), e.g. for RFC 6186 client
/// autoconfiguration (`_submissions._tcp.example.org`). `target` is lowercase without the trailing dot.
public struct SRVRecord: Equatable, Sendable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    /// The host name; `"."` means "service not available".
    public var target: String

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// An answer with the DNSSEC verdict.
///
/// `secure` is true only when the validating resolver proved the whole answer (CNAME chain included) with
/// DNSSEC ([RFC 4035 §4.3](https://datatracker.ietf.org/doc/html/rfc4035#section-4.3)). A bogus answer is
/// never returned: it is a ``DNSError/Kind/temporary`` error.
public struct DNSAnswer<T: Sendable>: Sendable {
    /// The records, in the order the resolver gave them. Never empty: no records is ``DNSError/Kind/noData``.
    public var records: [T]
    /// Whether the answer was validated with DNSSEC.
    public var secure: Bool

    public init(records: [T], secure: Bool) {
        self.records = records
        self.secure = secure
    }
}

extension DNSAnswer: Equatable where T: Equatable {}

/// Why a lookup produced no records.
public struct DNSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The classes of failure a mail server acts on differently.
    public enum Kind: Equatable, Sendable {
        /// The name does not exist (RCODE 3, [RFC 1035 §4.1.1](https://datatracker.ietf.org/doc/html/rfc1035#section-4.1.1)).
        case nxdomain
        /// The name exists but has no record of the asked type
        /// ([RFC 2308 §2.2](https://datatracker.ietf.org/doc/html/rfc2308#section-2.2)).
        case noData
        /// Try again later: SERVFAIL, timeout, DNSSEC-bogus answer, resolver trouble.
        case temporary
        /// Retrying cannot help: an invalid query name, a malformed record.
        case permanent
    }

    /// The class of failure.
    public var kind: Kind
    /// What happened, for logs and bounce texts.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String {
        let word = switch kind {
        case .nxdomain: "NXDOMAIN"
        case .noData: "no data"
        case .temporary: "temporary failure"
        case .permanent: "permanent failure"
        }
        return message.isEmpty ? word : "\(word): \(message)"
    }
}
