import Crypto
import Foundation

/// Signs messages with DKIM ([RFC 6376 §5](https://datatracker.ietf.org/doc/html/rfc6376#section-5)):
/// relaxed/relaxed, SHA-256, no `l=`, `t=` set, the fields in ``defaultHeaders`` signed once more than they occur
/// ("over-signing", §8.15) so that none can be added later without breaking the signature.
///
/// ```swift
/// let signer = DKIMSigner(domain: "example.org", selector: "ed", key: key)
/// let field = try signer.signatureField(for: RawMessage(bytes), now: 1_700_000_000)   // "DKIM-Signature: ...\r\n"
/// ```
public struct DKIMSigner: Sendable {
    /// Fields signed when present, and over-signed (one extra, absent instance).
    public static let defaultHeaders = [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID", "In-Reply-To", "References",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Language", "List-Unsubscribe",
        "List-Unsubscribe-Post", "List-Id", "Sender", "Resent-From", "Resent-To", "Resent-Date",
    ]
    /// The fields always included even when absent (so that adding them breaks the signature).
    static let alwaysSigned: Set<String> = ["from", "subject", "to", "cc", "date", "message-id", "reply-to", "mime-version", "content-type"]

    /// `d=`.
    public var domain: String
    /// `s=`.
    public var selector: String
    /// The private key (its type picks `a=`).
    public var key: DKIMPrivateKey
    /// Header canonicalization (`c=` first part, default relaxed).
    public var headerCanonicalization = DKIMCanonicalization.relaxed
    /// Body canonicalization (`c=` second part, default relaxed).
    public var bodyCanonicalization = DKIMCanonicalization.relaxed
    /// Fields to sign (see ``defaultHeaders``).
    public var headers = DKIMSigner.defaultHeaders
    /// `x=` as seconds after `t=`; nil = no expiry.
    public var expiresAfter: Int64?

    /// A signer for `d=domain`, `s=selector` with `key` (relaxed/relaxed, ``defaultHeaders``, no expiry).
    public init(domain: String, selector: String, key: DKIMPrivateKey) {
        self.domain = domain.lowercased()
        self.selector = selector
        self.key = key
    }

    /// The `DKIM-Signature:` field (folded, ending in CRLF) to prepend to `message`, signed at `now` (seconds
    /// since the epoch). Throws ``DKIMKeyError`` when the crypto library fails.
    public func signatureField(for message: RawMessage, now: Int64) throws -> [UInt8] {
        let body = DKIMCanonicalizer.body(message.body, bodyCanonicalization)
        let bodyHash = Data(SHA256.hash(data: body)).base64EncodedString()
        var names: [String] = []
        for name in headers {
            let present = message.fields(named: name).count
            let extra = Self.alwaysSigned.contains(name.lowercased()) || present > 0 ? 1 : 0
            names += Array(repeating: name, count: present + extra)
        }
        var tags = [
            "v=1", "a=\(key.algorithm.rawValue)", "c=\(headerCanonicalization.rawValue)/\(bodyCanonicalization.rawValue)",
            "d=\(domain)", "s=\(selector)", "t=\(now)",
        ]
        if let expiresAfter { tags.append("x=\(now + expiresAfter)") }
        tags.append("h=\(names.joined(separator: ":"))")
        tags.append("bh=\(bodyHash)")
        tags.append("b=")
        // Fold between tags (and inside h=) so that no line is much longer than 78 octets.
        var text = "DKIM-Signature:"
        var lineLength = text.count
        for (i, tag) in tags.enumerated() {
            let piece = tag + (i < tags.count - 1 ? ";" : "")
            if lineLength + 1 + piece.count > 76, lineLength > 1 {
                if piece.hasPrefix("h=") {
                    // h= may fold after each colon.
                    text += "\r\n\t"
                    lineLength = 1
                    let parts = piece.split(separator: ":", omittingEmptySubsequences: false)
                    for (j, part) in parts.enumerated() {
                        let chunk = String(part) + (j < parts.count - 1 ? ":" : "")
                        if lineLength + chunk.count > 76 { text += "\r\n\t"; lineLength = 1 }
                        text += chunk
                        lineLength += chunk.count
                    }
                    continue
                }
                text += "\r\n\t" + piece
                lineLength = 1 + piece.count
            } else {
                text += " " + piece
                lineLength += 1 + piece.count
            }
        }
        let unsigned = Array((text + "\r\n").utf8)
        var data: [UInt8] = []
        var used: [String: Int] = [:]
        for name in names {
            let lower = name.lowercased()
            let instances = message.fields(named: lower)
            let n = used[lower, default: 0]
            used[lower] = n + 1
            if n < instances.count {
                data += DKIMCanonicalizer.header(instances[instances.count - 1 - n].raw, headerCanonicalization)
            }
        }
        var own = DKIMCanonicalizer.header(unsigned, headerCanonicalization)
        if own.count >= 2 { own.removeLast(2) }
        data += own
        let signature: [UInt8]
        do { signature = try key.sign(data) } catch { throw DKIMKeyError("signing failed: \(error)") }
        let b64 = Data(signature).base64EncodedString()
        // Fold b= into lines of at most 72 characters.
        var folded = text
        var rest = Substring(b64)
        var room = max(8, 76 - lineLength)
        while !rest.isEmpty {
            let chunk = rest.prefix(room)
            folded += chunk
            rest = rest.dropFirst(chunk.count)
            if !rest.isEmpty { folded += "\r\n\t"; room = 72 }
        }
        return Array((folded + "\r\n").utf8)
    }
}
