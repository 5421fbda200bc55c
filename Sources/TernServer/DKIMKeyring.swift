import EmailAuth
import Foundation

/// DKIM private keys under `data_dir/dkim/DOMAIN/SELECTOR.{rsa,ed25519}.pem` (mode 0600, directory 0700), and the
/// signers of each local domain's active selectors (`[dkim] selectors`, default `rsa` and `ed`).
///
/// ```
/// data_dir/dkim/example.org/rsa.rsa.pem        RSA-2048, PKCS#1 PEM
/// data_dir/dkim/example.org/ed.ed25519.pem     Ed25519, PKCS#8 PEM
/// ```
public struct DKIMKeyring: Sendable {
    /// A stored key and its selector.
    public struct Entry: Sendable {
        public var domain: String
        public var selector: String
        public var key: DKIMPrivateKey
    }

    /// Active signers per domain (lowercase A-label).
    public let signers: [String: [DKIMSigner]]

    /// The directory holding `domain`'s keys.
    public static func directory(dataDirectory: String, domain: String) -> String {
        dataDirectory + "/dkim/" + domain.lowercased()
    }

    /// The file of one key.
    public static func path(dataDirectory: String, domain: String, selector: String, type: DKIMKeyType) -> String {
        directory(dataDirectory: dataDirectory, domain: domain) + "/\(selector).\(type.rawValue).pem"
    }

    /// Creates a key with `selector` for `domain` (`tern dkim keygen`). Throws ``DKIMKeyError`` when a key with this
    /// selector already exists (of either type), or the file cannot be written or made durable: the key file and
    /// then its directory are fsynced, and a failed fsync leaves no key file behind.
    @discardableResult
    public static func generate(dataDirectory: String, domain: String, selector: String, type: DKIMKeyType) throws -> DKIMPrivateKey {
        try generate(dataDirectory: dataDirectory, domain: domain, selector: selector, type: type, fsync: { fsync($0) })
    }

    /// ``generate(dataDirectory:domain:selector:type:)`` with the `fsync(2)` call injected (tests make it fail).
    @discardableResult
    static func generate(dataDirectory: String, domain: String, selector: String, type: DKIMKeyType,
                         fsync syncCall: (Int32) -> Int32) throws -> DKIMPrivateKey {
        if let existing = try? load(dataDirectory: dataDirectory, domain: domain).first(where: { $0.selector == selector }) {
            throw DKIMKeyError("\(domain) already has a key with selector \(selector) (\(existing.key.type.rawValue))")
        }
        let key = try DKIMPrivateKey.generate(type)
        let dir = directory(dataDirectory: dataDirectory, domain: domain)
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch { throw DKIMKeyError("cannot create \(dir): \(error.localizedDescription)") }
        let file = path(dataDirectory: dataDirectory, domain: domain, selector: selector, type: type)
        let temporary = file + ".tmp"
        guard fm.createFile(atPath: temporary, contents: Data(key.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw DKIMKeyError("cannot write \(temporary)")
        }
        do {
            try syncToDisk(temporary, fsync: syncCall)
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, file) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temporary)
            throw DKIMKeyError("cannot rename \(temporary): \(why)")
        }
        do {
            // The rename is durable only once the directory is synced.
            try syncToDisk(dir, fsync: syncCall)
        } catch {
            unlink(file)
            throw error
        }
        return key
    }

    /// `fsync(2)` of the file or directory at `path`. Throws ``DKIMKeyError`` naming `path` and the reason when it
    /// cannot be opened or synced.
    static func syncToDisk(_ path: String, fsync syncCall: (Int32) -> Int32) throws(DKIMKeyError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DKIMKeyError("cannot open \(path) to sync it: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard syncCall(fd) == 0 else { throw DKIMKeyError("cannot sync \(path) to disk: \(String(cString: strerror(errno)))") }
    }

    /// Every key stored for `domain`, sorted by selector. Throws ``DKIMKeyError`` for an unreadable key file.
    public static func load(dataDirectory: String, domain: String) throws -> [Entry] {
        let dir = directory(dataDirectory: dataDirectory, domain: domain)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var entries: [Entry] = []
        for name in names.sorted() where name.hasSuffix(".pem") {
            let parts = name.dropLast(4).split(separator: ".")
            guard parts.count >= 2, let type = DKIMKeyType(rawValue: String(parts.last!)) else { continue }
            let selector = parts.dropLast().joined(separator: ".")
            guard let pem = try? String(contentsOfFile: dir + "/" + name, encoding: .utf8) else {
                throw DKIMKeyError("cannot read \(dir)/\(name)")
            }
            let key: DKIMPrivateKey
            do { key = try DKIMPrivateKey(pem: pem) } catch { throw DKIMKeyError("\(dir)/\(name): \(error)") }
            guard key.type == type else { throw DKIMKeyError("\(dir)/\(name) holds a \(key.type.rawValue) key") }
            entries.append(Entry(domain: domain, selector: selector, key: key))
        }
        return entries
    }

    /// Creates the default keys (`rsa` RSA-2048, `ed` Ed25519) of every domain in `domains` that lacks them.
    /// Returns the keys created, as `domain/selector`.
    @discardableResult
    public static func ensureDefaultKeys(_ config: TernConfig) throws -> [String] {
        var created: [String] = []
        for domain in config.domains {
            let existing = Set(try load(dataDirectory: config.dataDirectory, domain: domain).map(\.selector))
            for (selector, type) in [("rsa", DKIMKeyType.rsa), ("ed", .ed25519)] where !existing.contains(selector) {
                try generate(dataDirectory: config.dataDirectory, domain: domain, selector: selector, type: type)
                created.append("\(domain)/\(selector)")
            }
        }
        return created
    }

    /// Loads the active selectors of every domain. Throws ``DKIMKeyError`` naming a configured selector without a
    /// key file.
    public init(_ config: TernConfig) throws {
        var signers: [String: [DKIMSigner]] = [:]
        for domain in config.domains {
            let entries = try Self.load(dataDirectory: config.dataDirectory, domain: domain)
            var list: [DKIMSigner] = []
            for selector in config.emailAuth.selectors(for: domain) {
                guard let entry = entries.first(where: { $0.selector == selector }) else {
                    throw DKIMKeyError("[dkim] selector \(selector) of \(domain) has no key in \(Self.directory(dataDirectory: config.dataDirectory, domain: domain)) (create it with: tern dkim keygen \(domain) --selector \(selector))")
                }
                list.append(DKIMSigner(domain: domain, selector: selector, key: entry.key))
            }
            signers[domain.lowercased()] = list
        }
        self.signers = signers
    }

    /// The signers for mail whose From domain is `domain`: the domain's own, or those of the local domain it is a
    /// subdomain of (relaxed DMARC alignment still holds); empty when it is not ours.
    public func signers(forFromDomain domain: String) -> [DKIMSigner] {
        let d = domain.lowercased()
        if let own = signers[d] { return own }
        let parent = signers.keys.filter { d.hasSuffix("." + $0) }.max { $0.count < $1.count }
        return parent.flatMap { signers[$0] } ?? []
    }

    /// The `DKIM-Signature:` fields to prepend to `message` (RSA first), or empty when its From domain is not ours
    /// or signing fails (logged by the caller through `error`).
    public func sign(_ message: RawMessage, now: Int64) throws -> [UInt8] {
        guard let from = DMARCVerifier.fromDomain(of: message) else { return [] }
        var out: [UInt8] = []
        for signer in signers(forFromDomain: from).reversed() {
            out = try signer.signatureField(for: message, now: now) + out
        }
        return out
    }
}
