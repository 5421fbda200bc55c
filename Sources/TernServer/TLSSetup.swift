import Crypto
import Foundation
import NIOSSL
import X509

/// TLS material for every listener: the configured PEM chain and key, or a self-signed pair made
/// once in `data_dir/tls/` when `[tls]` is absent (ARCHITECTURE.md "Dependencies").
public enum TLSSetup {
    /// Certificate and key paths in use after `prepare`.
    public struct Files: Sendable {
        public var certificate: String
        public var key: String
        /// True when Tern generated them.
        public var selfSigned: Bool
    }

    /// Returns the files to use, generating a self-signed pair for `hostname` if needed.
    /// Throws `ConfigError` naming the file when a configured one cannot be read.
    public static func prepare(_ config: TernConfig) throws -> Files {
        if let cert = config.tlsCertificate, let key = config.tlsKey {
            for (name, path) in [("cert", cert), ("key", key)] where !FileManager.default.isReadableFile(atPath: path) {
                throw ConfigError("[tls] \(name): cannot read \(path)")
            }
            return Files(certificate: cert, key: key, selfSigned: false)
        }
        let dir = config.dataDirectory + "/tls"
        let cert = dir + "/cert.pem", key = dir + "/key.pem"
        if !FileManager.default.fileExists(atPath: cert) || !FileManager.default.fileExists(atPath: key) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let (certPEM, keyPEM) = try makeSelfSigned(hostname: config.hostname)
            guard FileManager.default.createFile(atPath: key, contents: Data(keyPEM.utf8), attributes: [.posixPermissions: 0o600]),
                  FileManager.default.createFile(atPath: cert, contents: Data(certPEM.utf8), attributes: [.posixPermissions: 0o644]) else {
                throw ConfigError("cannot write the self-signed certificate into \(dir)")
            }
        }
        return Files(certificate: cert, key: key, selfSigned: true)
    }

    /// A P-256 self-signed certificate valid for `hostname` for 10 years. It carries `keyCertSign`
    /// so that clients (BoringSSL included) can pin it as its own trust anchor.
    public static func makeSelfSigned(hostname: String) throws -> (certificate: String, key: String) {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName { CommonName(hostname); OrganizationName("Tern self-signed") }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: now - 3600, notValidAfter: now + 3650 * 86400,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName(hostname)])
            },
            issuerPrivateKey: key)
        return (try cert.serializeAsPEM().pemString, try key.serializeAsPEM().pemString)
    }

    /// A server context: TLS 1.2 minimum (RFC 8996), the library's default AEAD-first cipher list.
    /// Throws `ConfigError` naming the file when the PEM cannot be parsed.
    public static func serverContext(_ files: Files) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(files.certificate) } catch {
            throw ConfigError("[tls] cert: \(files.certificate) is not a readable PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw ConfigError("[tls] cert: \(files.certificate) holds no certificate") }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: files.key, format: .pem) } catch {
            throw ConfigError("[tls] key: \(files.key) is not a readable PEM private key (\(error))")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        do { return try NIOSSLContext(configuration: tls) } catch {
            throw ConfigError("[tls] cert \(files.certificate) and key \(files.key) cannot be used together: does the key belong to the certificate? (\(error))")
        }
    }
}
