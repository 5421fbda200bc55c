import Crypto
import DNS
import Foundation

/// The outcome of checking one DKIM signature ([RFC 6376 §6](https://datatracker.ietf.org/doc/html/rfc6376#section-6)),
/// reported as `dkim=<verdict>` ([RFC 8601 §2.7.1](https://datatracker.ietf.org/doc/html/rfc8601#section-2.7.1)).
public struct DKIMResult: Sendable, Equatable {
    /// pass, fail (signature or body hash wrong), neutral, temperror (key lookup failed), permerror (malformed
    /// signature or key, revoked key, rsa-sha1, expired).
    public var verdict: AuthVerdict
    /// Why, in a few words (empty for a clean pass).
    public var reason: String
    /// `d=` (lowercase), empty when the field could not be parsed at all.
    public var domain: String
    /// `s=`.
    public var selector: String
    /// `i=` (or `@d`).
    public var identity: String
    /// `a=` as written, e.g. `rsa-sha256`.
    public var algorithm: String
    /// The first 8 characters of `b=` (RFC 6008 `header.b`), to tell signatures apart.
    public var signaturePrefix: String
    /// Octets of the canonical body not covered by `l=` (0 = the whole body is signed).
    public var unsignedBodyOctets: Int
    /// The key record was marked `t=y` (testing).
    public var testing: Bool

    public init(verdict: AuthVerdict, reason: String, domain: String = "", selector: String = "", identity: String = "",
                algorithm: String = "", signaturePrefix: String = "", unsignedBodyOctets: Int = 0, testing: Bool = false) {
        self.verdict = verdict
        self.reason = reason
        self.domain = domain
        self.selector = selector
        self.identity = identity
        self.algorithm = algorithm
        self.signaturePrefix = signaturePrefix
        self.unsignedBodyOctets = unsignedBodyOctets
        self.testing = testing
    }
}

/// Verifies every `DKIM-Signature:` of a message ([RFC 6376 §6.1](https://datatracker.ietf.org/doc/html/rfc6376#section-6.1),
/// RFC 8301, RFC 8463). Keys come from TXT records at `selector._domainkey.domain` through the injected resolver.
public struct DKIMVerifier: Sendable {
    /// Signatures checked per message; further ones are ignored (a resource bound, RFC 6376 §8.4).
    public static let maxSignatures = 10
    /// How far in the future `t=` may lie before the signature is refused (clock skew), seconds.
    public static let allowedClockSkew: Int64 = 300

    let resolver: any DNSResolver

    public init(resolver: any DNSResolver) {
        self.resolver = resolver
    }

    /// One result per signature, top first (at most ``maxSignatures``); empty when the message has none
    /// (`dkim=none`). `now` is seconds since the epoch, for `t=`/`x=`.
    public func verify(_ message: RawMessage, now: Int64) async -> [DKIMResult] {
        var results: [DKIMResult] = []
        for field in message.fields(named: "DKIM-Signature").prefix(Self.maxSignatures) {
            results.append(await verify(field, in: message, now: now))
        }
        return results
    }

    /// Checks one signature field of `message`.
    public func verify(_ field: RawMessage.Field, in message: RawMessage, now: Int64) async -> DKIMResult {
        let signature: DKIMSignature
        do { signature = try DKIMSignature(parsing: field.unfoldedValue) } catch {
            let tags = try? TagList(parsing: field.unfoldedValue)
            return DKIMResult(verdict: .permerror, reason: error.description, domain: tags?["d"]?.lowercased() ?? "",
                              selector: tags?["s"] ?? "", algorithm: tags?["a"] ?? "",
                              signaturePrefix: String(removingWhitespace(tags?["b"] ?? "").prefix(8)))
        }
        var result = DKIMResult(verdict: .permerror, reason: "", domain: signature.domain, selector: signature.selector,
                                identity: signature.identity, algorithm: signature.algorithm.rawValue,
                                signaturePrefix: String(Data(signature.signature).base64EncodedString().prefix(8)))
        func finish(_ verdict: AuthVerdict, _ reason: String) -> DKIMResult {
            result.verdict = verdict
            result.reason = reason
            return result
        }
        if signature.algorithm == .rsaSHA1 { return finish(.permerror, "rsa-sha1 is not accepted (RFC 8301 §3.1)") }
        if let x = signature.expiration, x < now { return finish(.permerror, "signature expired (x=)") }
        if let t = signature.timestamp, t > now + Self.allowedClockSkew { return finish(.permerror, "signature time t= is in the future") }

        // Key record (§3.6.2.2): TXT at selector._domainkey.domain.
        let keyName = "\(signature.selector)._domainkey.\(signature.domain)"
        let key: DKIMKeyRecord
        do {
            let answer = try await resolver.txt(keyName)
            var parsed: DKIMKeyRecord?
            var lastError = "no key record"
            for text in answer.records {
                do { parsed = try DKIMKeyRecord(parsing: text); break } catch { lastError = error.description }
            }
            guard let parsed else { return finish(.permerror, "key record unusable: \(lastError)") }
            key = parsed
        } catch let error as DNSError {
            switch error.kind {
            case .temporary: return finish(.temperror, "key lookup \(keyName) failed: \(error.message)")
            default: return finish(.permerror, "no key record at \(keyName)")
            }
        } catch {
            return finish(.temperror, "key lookup \(keyName) failed")
        }
        result.testing = key.testing
        if key.publicKey.isEmpty { return finish(.permerror, "key revoked (empty p=)") }
        guard key.keyType == signature.algorithm.keyType else { return finish(.permerror, "key type k=\(key.keyType) does not match a=\(signature.algorithm.rawValue)") }
        if let hashes = key.hashes, !hashes.contains("sha256") { return finish(.permerror, "key h= does not allow sha256") }
        guard key.services.contains("*") || key.services.contains("email") else { return finish(.permerror, "key s= is not for email") }
        if key.strictIdentity {
            let idDomain = signature.identity.split(separator: "@").last.map { $0.lowercased() } ?? ""
            guard idDomain == signature.domain else { return finish(.permerror, "key t=s requires i= in exactly d=") }
        }
        let publicKey: DKIMPublicKey
        do { publicKey = try DKIMPublicKey(record: key) } catch { return finish(.permerror, error.description) }

        // Body hash (§3.7), limited by l=.
        var body = DKIMCanonicalizer.body(message.body, signature.bodyCanonicalization)
        if let limit = signature.bodyLength {
            guard limit <= body.count else { return finish(.fail, "body shorter than l=") }
            result.unsignedBodyOctets = body.count - limit
            body = Array(body.prefix(limit))
        }
        guard Array(SHA256.hash(data: body)) == signature.bodyHash else { return finish(.fail, "body hash did not verify") }

        // Header hash: h= fields bottom-up, each instance used once; absent ones count as empty.
        var data: [UInt8] = []
        var used: [String: Int] = [:]
        for name in signature.signedHeaders {
            let lower = name.lowercased()
            let instances = message.fields(named: lower)
            let n = used[lower, default: 0]
            used[lower] = n + 1
            if n < instances.count {
                data += DKIMCanonicalizer.header(instances[instances.count - 1 - n].raw, signature.headerCanonicalization)
            }
        }
        var own = DKIMCanonicalizer.header(DKIMCanonicalizer.removingSignatureValue(field.raw), signature.headerCanonicalization)
        if own.count >= 2, own[own.count - 2] == 13, own[own.count - 1] == 10 { own.removeLast(2) }
        data += own
        guard publicKey.isValid(signature: signature.signature, for: data) else { return finish(.fail, "signature did not verify") }
        var notes: [String] = []
        if result.unsignedBodyOctets > 0 { notes.append("l= leaves \(result.unsignedBodyOctets) body octets unsigned") }
        if key.testing { notes.append("key in test mode (t=y)") }
        return finish(.pass, notes.joined(separator: "; "))
    }
}
