import NIOSSL

/// Outbound TLS policy (Postfix `smtp_tls_security_level`, `smtp_tls_mandatory_ciphers`).
public enum TLSSecurityLevel: String, Sendable, CaseIterable {
    /// Never STARTTLS.
    case none
    /// STARTTLS when offered, any certificate; a failed handshake is retried in plaintext (Postfix behaviour).
    case may
    /// TLS required, any certificate (RFC 3207 with no authentication).
    case encrypt
    /// TLS required; the chain must verify and the certificate must name the MX host.
    case verify
}

/// How one destination is to be contacted.
public struct OutboundTLSPolicy: Sendable, Equatable {
    public var level: TLSSecurityLevel
    /// `high`: TLS 1.2+ with AEAD ciphers only (`ECDHE+AESGCM:ECDHE+CHACHA20`; TLS 1.3 is always AEAD).
    public var highCiphersOnly: Bool
    /// Extra trust anchors (PEM file) for `verify`, besides the system store.
    public var caFile: String?

    public init(level: TLSSecurityLevel = .may, highCiphersOnly: Bool = false, caFile: String? = nil) {
        self.level = level
        self.highCiphersOnly = highCiphersOnly
        self.caFile = caFile
    }

    /// The NIOSSL client configuration for this policy.
    func clientConfiguration() -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if highCiphersOnly { tls.cipherSuites = "ECDHE+AESGCM:ECDHE+CHACHA20" }
        switch level {
        case .verify:
            tls.certificateVerification = .fullVerification
            if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
        case .none, .may, .encrypt:
            tls.certificateVerification = .none
        }
        return tls
    }
}
