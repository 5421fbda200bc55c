import Foundation

/// DKIM signing algorithms ([RFC 6376 §3.3](https://datatracker.ietf.org/doc/html/rfc6376#section-3.3),
/// [RFC 8463 §3](https://datatracker.ietf.org/doc/html/rfc8463#section-3)).
public enum DKIMAlgorithm: String, Sendable, Equatable {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rsaSHA256 = "rsa-sha256"
    /// Ed25519 over the SHA-256 digest (RFC 8463).
    case ed25519SHA256 = "ed25519-sha256"
    /// RSA with SHA-1: parsed only to be refused ([RFC 8301 §3.1](https://datatracker.ietf.org/doc/html/rfc8301#section-3.1)).
    case rsaSHA1 = "rsa-sha1"

    /// The key type (`k=` of the key record) this algorithm needs.
    public var keyType: String { self == .ed25519SHA256 ? "ed25519" : "rsa" }
}

/// Header and body canonicalization ([RFC 6376 §3.4](https://datatracker.ietf.org/doc/html/rfc6376#section-3.4)).
public enum DKIMCanonicalization: String, Sendable, Equatable {
    case simple, relaxed
}

/// A parsed `DKIM-Signature:` field ([RFC 6376 §3.5](https://datatracker.ietf.org/doc/html/rfc6376#section-3.5)).
public struct DKIMSignature: Sendable, Equatable {
    /// `a=`.
    public var algorithm: DKIMAlgorithm
    /// `b=`: the signature octets.
    public var signature: [UInt8]
    /// `bh=`: the body hash octets.
    public var bodyHash: [UInt8]
    /// `c=` header part (default simple).
    public var headerCanonicalization: DKIMCanonicalization
    /// `c=` body part (default simple).
    public var bodyCanonicalization: DKIMCanonicalization
    /// `d=`: the signing domain, lowercased.
    public var domain: String
    /// `h=`: signed header field names as written, in order.
    public var signedHeaders: [String]
    /// `i=`: the agent or user identifier (default `@d`).
    public var identity: String
    /// `l=`: body octets covered, nil = the whole body.
    public var bodyLength: Int?
    /// `s=`: the selector.
    public var selector: String
    /// `t=`: signature time, seconds since the epoch.
    public var timestamp: Int64?
    /// `x=`: expiry, seconds since the epoch.
    public var expiration: Int64?

    /// Why a signature field is unusable (RFC 6376 §6.1.1: PERMFAIL).
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Parses the value of a `DKIM-Signature:` field (everything after the colon, folding allowed).
    ///
    /// Throws ``ParseError`` when: the tag list is malformed; `v=` is not `1`; a required tag (`a b bh d h s`)
    /// is missing; `a=`/`c=` are unknown; `h=` lacks `From`; `i=` is not `d=` or a subdomain of it; `l=`, `t=`,
    /// `x=` are not decimal numbers; `x=` is earlier than `t=`; base64 is invalid.
    public init(parsing value: String) throws(ParseError) {
        let tags: TagList
        do { tags = try TagList(parsing: value) } catch { throw ParseError("malformed tag list: \(error)") }
        guard let v = tags["v"] else { throw ParseError("missing v=") }
        guard v == "1" else { throw ParseError("unsupported version v=\(v.prefix(10))") }
        for required in ["a", "b", "bh", "d", "h", "s"] where tags[required] == nil {
            throw ParseError("missing required tag \(required)=")
        }
        guard let algorithm = DKIMAlgorithm(rawValue: tags["a"]!.lowercased()) else {
            throw ParseError("unknown algorithm a=\(tags["a"]!.prefix(30))")
        }
        self.algorithm = algorithm
        guard let b = Data(base64Encoded: removingWhitespace(tags["b"]!)), !b.isEmpty else { throw ParseError("invalid base64 in b=") }
        signature = Array(b)
        guard let bh = Data(base64Encoded: removingWhitespace(tags["bh"]!)), !bh.isEmpty else { throw ParseError("invalid base64 in bh=") }
        bodyHash = Array(bh)
        let c = (tags["c"] ?? "simple/simple").lowercased().split(separator: "/", omittingEmptySubsequences: false)
        guard c.count <= 2, let hc = DKIMCanonicalization(rawValue: String(c[0])),
              let bc = c.count == 2 ? DKIMCanonicalization(rawValue: String(c[1])) : .simple else {
            throw ParseError("unknown canonicalization c=\(tags["c"]!.prefix(30))")
        }
        headerCanonicalization = hc
        bodyCanonicalization = bc
        let d = tags["d"]!.lowercased()
        guard !d.isEmpty, !d.contains(" ") else { throw ParseError("empty or invalid d=") }
        domain = d.hasSuffix(".") ? String(d.dropLast()) : d
        let s = tags["s"]!
        guard !s.isEmpty else { throw ParseError("empty s=") }
        selector = s
        signedHeaders = tags["h"]!.split(separator: ":").map { String($0).trimmingFWS() }
        guard signedHeaders.contains(where: { $0.lowercased() == "from" }) else { throw ParseError("h= does not include From") }
        identity = tags["i"] ?? "@\(domain)"
        if tags["i"] != nil {
            guard let at = identity.lastIndex(of: "@") else { throw ParseError("i= has no @") }
            let idDomain = identity[identity.index(after: at)...].lowercased()
            guard idDomain == domain || idDomain.hasSuffix("." + domain) else {
                throw ParseError("i= domain is not d= or a subdomain of it")
            }
        }
        func number(_ tag: String) throws(ParseError) -> Int64? {
            guard let text = tags[tag] else { return nil }
            guard !text.isEmpty, text.utf8.count <= 76, text.utf8.allSatisfy({ (48...57).contains($0) }) else {
                throw ParseError("\(tag)= is not a decimal number")
            }
            return Int64(text.prefix(18)) ?? Int64.max
        }
        bodyLength = try number("l").map { Int(clamping: $0) }
        timestamp = try number("t")
        expiration = try number("x")
        if let t = timestamp, let x = expiration, x < t { throw ParseError("x= is earlier than t=") }
    }
}

/// A DKIM public key record at `selector._domainkey.domain`
/// ([RFC 6376 §3.6.1](https://datatracker.ietf.org/doc/html/rfc6376#section-3.6.1)).
public struct DKIMKeyRecord: Sendable, Equatable {
    /// `k=`: `rsa` (default) or `ed25519`.
    public var keyType: String
    /// `h=`: acceptable hash algorithms, nil = all.
    public var hashes: [String]?
    /// `p=`: the public key octets; empty = revoked.
    public var publicKey: [UInt8]
    /// `s=`: service types (`*` or `email`).
    public var services: [String]
    /// `t=y`: the domain is testing DKIM.
    public var testing: Bool
    /// `t=s`: `i=` must use exactly the `d=` domain, not a subdomain.
    public var strictIdentity: Bool

    /// Why a key record is unusable.
    public typealias ParseError = DKIMSignature.ParseError

    /// Parses a TXT record. Throws when the tag list is malformed, `v=` is present but not first or not
    /// `DKIM1`, `p=` is missing or not base64.
    public init(parsing value: String) throws(ParseError) {
        let tags: TagList
        do { tags = try TagList(parsing: value) } catch { throw ParseError("malformed key record: \(error)") }
        if let v = tags["v"] {
            guard tags.tags.first?.name == "v", v == "DKIM1" else { throw ParseError("key record v= must be first and DKIM1") }
        }
        keyType = (tags["k"] ?? "rsa").lowercased()
        hashes = tags["h"].map { $0.split(separator: ":").map { String($0).trimmingFWS().lowercased() } }
        guard let p = tags["p"] else { throw ParseError("key record without p=") }
        let compact = removingWhitespace(p)
        if compact.isEmpty {
            publicKey = []
        } else {
            guard let key = Data(base64Encoded: compact) else { throw ParseError("invalid base64 in p=") }
            publicKey = Array(key)
        }
        services = (tags["s"] ?? "*").split(separator: ":").map { String($0).trimmingFWS().lowercased() }
        let flags = (tags["t"] ?? "").split(separator: ":").map { String($0).trimmingFWS().lowercased() }
        testing = flags.contains("y")
        strictIdentity = flags.contains("s")
    }
}
