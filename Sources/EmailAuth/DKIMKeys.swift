import Crypto
import Foundation
import _CryptoExtras

/// A private key that signs DKIM signatures: RSA of at least 2048 bits (RFC 8301 §3.2 allows 1024 for signing,
/// Tern does not) or Ed25519 ([RFC 8463](https://datatracker.ietf.org/doc/html/rfc8463)).
public enum DKIMPrivateKey: Sendable {
    case rsa(_RSA.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    /// A new key: RSA-2048 (about 0.25 s) or Ed25519.
    public static func generate(_ type: DKIMKeyType) throws -> DKIMPrivateKey {
        switch type {
        case .rsa: return .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        case .ed25519: return .ed25519(Curve25519.Signing.PrivateKey())
        }
    }

    /// Reads a PEM key: RSA as PKCS#1 or PKCS#8 (at least 2048 bits), Ed25519 as PKCS#8.
    /// Throws ``DKIMKeyError`` when the text holds neither.
    public init(pem: String) throws {
        if let rsa = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            self = .rsa(rsa)
        } else if let ed = try? Curve25519.Signing.PrivateKey(pemRepresentation: pem) {
            self = .ed25519(ed)
        } else {
            throw DKIMKeyError("not an RSA (2048 bits or more) or Ed25519 private key in PEM form")
        }
    }

    /// The key in PEM: PKCS#1 `RSA PRIVATE KEY` for RSA, PKCS#8 `PRIVATE KEY` for Ed25519.
    public var pemRepresentation: String {
        switch self {
        case .rsa(let key): return key.pemRepresentation
        case .ed25519(let key): return key.pemRepresentation
        }
    }

    /// The key type.
    public var type: DKIMKeyType {
        if case .rsa = self { return .rsa }
        return .ed25519
    }

    /// The signing algorithm (`a=`) of this key.
    public var algorithm: DKIMAlgorithm { type == .rsa ? .rsaSHA256 : .ed25519SHA256 }

    /// The `p=` value: base64 SubjectPublicKeyInfo DER for RSA, the 32 raw octets for Ed25519 (RFC 8463 §4).
    public var publicKeyBase64: String {
        switch self {
        case .rsa(let key): return key.publicKey.derRepresentation.base64EncodedString()
        case .ed25519(let key): return key.publicKey.rawRepresentation.base64EncodedString()
        }
    }

    /// The TXT record to publish at `selector._domainkey.domain`: `v=DKIM1; k=rsa|ed25519; p=...`.
    public var dnsRecord: String { "v=DKIM1; k=\(type.rawValue); p=\(publicKeyBase64)" }

    /// Signs `data` (the canonicalized header block): RSASSA-PKCS1-v1_5 over SHA-256 of `data`, or Ed25519 over
    /// the SHA-256 digest of `data` (RFC 8463 §3).
    func sign(_ data: [UInt8]) throws -> [UInt8] {
        switch self {
        case .rsa(let key):
            return Array(try key.signature(for: data, padding: .insecurePKCS1v1_5).rawRepresentation)
        case .ed25519(let key):
            return Array(try key.signature(for: Array(SHA256.hash(data: data))))
        }
    }
}

/// The DKIM key types (`k=`).
public enum DKIMKeyType: String, Sendable, CaseIterable {
    case rsa, ed25519
}

/// A key that cannot be read or used.
public struct DKIMKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A DKIM public key from a key record, ready to check signatures.
enum DKIMPublicKey {
    case rsa(_RSA.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)

    /// Builds the key of `record`. RSA keys of 1024 bits and more are accepted for verification
    /// ([RFC 8301 §3.2](https://datatracker.ietf.org/doc/html/rfc8301#section-3.2)); smaller ones are refused.
    /// Both SubjectPublicKeyInfo and bare PKCS#1 RSAPublicKey DER are read.
    init(record: DKIMKeyRecord) throws(DKIMKeyError) {
        switch record.keyType {
        case "rsa":
            guard let key = try? _RSA.Signing.PublicKey(unsafeDERRepresentation: record.publicKey) else {
                throw DKIMKeyError("RSA key unreadable or shorter than 1024 bits")
            }
            self = .rsa(key)
        case "ed25519":
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: record.publicKey) else {
                throw DKIMKeyError("Ed25519 key is not 32 octets")
            }
            self = .ed25519(key)
        default:
            throw DKIMKeyError("unknown key type k=\(record.keyType)")
        }
    }

    func isValid(signature: [UInt8], for data: [UInt8]) -> Bool {
        switch self {
        case .rsa(let key):
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: data, padding: .insecurePKCS1v1_5)
        case .ed25519(let key):
            return key.isValidSignature(signature, for: Array(SHA256.hash(data: data)))
        }
    }
}
