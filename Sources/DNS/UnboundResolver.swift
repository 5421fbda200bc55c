#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CUnbound
import Dispatch
import Foundation
import Synchronization

/// A validating ``DNSResolver`` on libunbound.
///
/// libunbound runs in its threaded asynchronous mode (`ub_ctx_async(ctx, 1)`): queries go to its worker thread
/// with `ub_resolve_async`, and one poll thread of ours waits on `ub_fd` and calls `ub_process`, which runs the
/// callbacks that resume the waiting tasks. ``shutdown()`` stops and joins that thread before `ub_ctx_delete`,
/// and fails the queries still outstanding.
///
/// The built-in local zone for `test.` ([RFC 6761 §6.2](https://datatracker.ietf.org/doc/html/rfc6761#section-6.2))
/// is switched off (`local-zone: "test." nodefault`, through `ub_ctx_config`, the only route that takes effect),
/// so `.test` fixtures reach the forwarders.
///
/// Timeouts are libunbound's own (a forwarder that never answers ends in SERVFAIL → ``DNSError/Kind/temporary``).
///
/// ```swift
/// let dns = try UnboundResolver(forwarders: ["127.0.0.1@5353"])
/// let mx = try await dns.mx("example.test")   // DNSAnswer<MXRecord>
/// dns.shutdown()
/// ```
public final class UnboundResolver: DNSResolver {
    /// DNS class IN ([RFC 1035 §3.2.4](https://datatracker.ietf.org/doc/html/rfc1035#section-3.2.4)).
    private static let classIN: Int32 = 1

    private let context: UnboundContext
    private let pending = PendingQueries()
    /// Guards every use of the context from the caller side; true once shut down.
    private let isShutDown = Mutex(false)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let pollThreadExited = DispatchSemaphore(value: 0)

    /// Creates a resolver and starts its poll thread.
    ///
    /// - Parameters:
    ///   - forwarders: upstream resolvers as `IP` or `IP@port` (`"127.0.0.1@5353"`); empty means full recursion
    ///     from the root hints. Loopback forwarders are allowed (`do-not-query-localhost: no`).
    ///   - trustAnchorFile: DS or DNSKEY records in zone-file format that anchor DNSSEC validation, e.g.
    ///     `/usr/share/dns/root.key`; without one no answer is ``DNSAnswer/secure``.
    ///   - localData: records in zone-file format answered directly (`ub_ctx_data_add`), e.g.
    ///     `"example.test. 300 IN MX 10 mx.example.test."`. The topmost owner names become `static` local zones:
    ///     other names below them are NXDOMAIN and missing types NODATA, without asking anyone.
    /// - Throws: ``DNSError`` (``DNSError/Kind/permanent``) when libunbound rejects a setting.
    public init(forwarders: [String] = [], trustAnchorFile: String? = nil, localData: [String] = []) throws {
        guard let pointer = ub_ctx_create() else { throw DNSError(.permanent, "ub_ctx_create failed") }
        let context = UnboundContext(pointer)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            ub_ctx_delete(pointer)
            throw DNSError(.permanent, "pipe failed: errno \(errno)")
        }
        do {
            try Self.configure(context, forwarders: forwarders, trustAnchorFile: trustAnchorFile, localData: localData)
        } catch {
            ub_ctx_delete(pointer)
            close(fds[0])
            close(fds[1])
            throw error
        }
        self.context = context
        wakeRead = fds[0]
        wakeWrite = fds[1]
        let pending = pending
        let wakeRead = wakeRead
        let exited = pollThreadExited
        Thread.detachNewThread {
            Self.pollLoop(context, wakeRead: wakeRead, pending: pending)
            exited.signal()
        }
    }

    deinit {
        shutdown()
    }

    /// Stops the poll thread, fails outstanding queries with ``DNSError/Kind/temporary``, frees libunbound.
    /// Idempotent; later queries fail with ``DNSError/Kind/temporary``.
    public func shutdown() {
        let first = isShutDown.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        pollThreadExited.wait()
        pending.close(reason: "resolver shut down")
        ub_ctx_delete(context.pointer)
        close(wakeRead)
        close(wakeWrite)
    }

    public func mx(_ domain: String) async throws -> DNSAnswer<MXRecord> {
        try await query(domain, .mx, decode: RDataDecoder.mx)
    }

    public func a(_ host: String) async throws -> DNSAnswer<String> {
        try await query(host, .a, decode: RDataDecoder.a)
    }

    public func aaaa(_ host: String) async throws -> DNSAnswer<String> {
        try await query(host, .aaaa, decode: RDataDecoder.aaaa)
    }

    public func txt(_ name: String) async throws -> DNSAnswer<String> {
        try await query(name, .txt, decode: RDataDecoder.txt)
    }

    public func ptr(_ ip: String) async throws -> DNSAnswer<String> {
        guard let name = DNSName.reverseName(ip: ip) else {
            throw DNSError(.permanent, "not an IP address: \(ip)")
        }
        return try await query(name, .ptr, decode: RDataDecoder.ptr)
    }

    public func tlsa(_ name: String) async throws -> DNSAnswer<TLSARecord> {
        try await query(name, .tlsa, decode: RDataDecoder.tlsa)
    }

    public func srv(_ name: String) async throws -> DNSAnswer<SRVRecord> {
        try await query(name, .srv, decode: RDataDecoder.srv)
    }

    // MARK: - Querying

    private func query<T: Sendable>(
        _ name: String, _ type: DNSRecordType, decode: ([UInt8]) throws(DNSError) -> T
    ) async throws(DNSError) -> DNSAnswer<T> {
        let name = try DNSName.normalized(name)
        let result = await withCheckedContinuation { continuation in
            submit(name + ".", type: type, query: UnboundQuery(continuation, registry: pending))
        }
        let answer = try result.get()
        let label = "\(type.mnemonic) \(name)"
        if answer.bogus {
            throw DNSError(.temporary, "\(label): DNSSEC validation failed: \(answer.whyBogus ?? "bogus")")
        }
        switch answer.rcode {
        case 0:
            guard answer.haveData, !answer.rdata.isEmpty else { throw DNSError(.noData, "\(label): no records") }
            var records: [T] = []
            for rdata in answer.rdata {
                do {
                    records.append(try decode(rdata))
                } catch {
                    throw DNSError(error.kind, "\(label): \(error.message)")
                }
            }
            return DNSAnswer(records: records, secure: answer.secure)
        case 3:
            throw DNSError(.nxdomain, "\(name): no such domain")
        case 2:
            throw DNSError(.temporary, "\(label): SERVFAIL")
        default:
            throw DNSError(.temporary, "\(label): rcode \(answer.rcode)")
        }
    }

    /// Hands `query` to libunbound; on failure finishes it at once.
    private func submit(_ name: String, type: DNSRecordType, query: UnboundQuery) {
        isShutDown.withLock { shutDown in
            guard !shutDown else {
                query.finish(.failure(DNSError(.temporary, "resolver shut down")))
                return
            }
            guard pending.insert(query) else {
                query.finish(.failure(DNSError(.temporary, pending.closedReason ?? "resolver stopped")))
                return
            }
            let mydata = Unmanaged.passRetained(query).toOpaque()
            let status = ub_resolve_async(
                context.pointer, name, Int32(type.rrType), Self.classIN, mydata, unboundCallback, nil)
            if status != 0, pending.remove(query) {
                // The callback will not run: this path owns libunbound's reference.
                Unmanaged<UnboundQuery>.fromOpaque(mydata).release()
                let kind: DNSError.Kind = status == UB_SYNTAX.rawValue ? .permanent : .temporary
                query.finish(.failure(DNSError(kind, "\(name): \(String(cString: ub_strerror(status)))")))
            }
        }
    }

    // MARK: - Setup and the poll thread

    private static func configure(
        _ context: UnboundContext, forwarders: [String], trustAnchorFile: String?, localData: [String]
    ) throws(DNSError) {
        let ctx = context.pointer
        try check(ub_ctx_async(ctx, 1), "ub_ctx_async")

        var config = "server:\n    local-zone: \"test.\" nodefault\n"
        if !forwarders.isEmpty { config += "    do-not-query-localhost: no\n" }
        try loadConfig(ctx, config)

        for forwarder in forwarders {
            try check(ub_ctx_set_fwd(ctx, forwarder), "forwarder \(forwarder)")
        }
        if let trustAnchorFile {
            try check(ub_ctx_add_ta_file(ctx, trustAnchorFile), "trust anchor file \(trustAnchorFile)")
        }
        for zone in localZones(for: localData) {
            try check(ub_ctx_zone_add(ctx, zone, "static"), "local zone \(zone)")
        }
        for record in localData {
            try check(ub_ctx_data_add(ctx, record), "local data \"\(record)\"")
        }
        try finalize(ctx)
    }

    /// libunbound only stores most settings (local data, trust anchor files) and applies them on the first
    /// query. Ask once for `localhost.` — answered by a built-in local zone, no network — so that bad settings
    /// fail here and not on the first real lookup. libunbound logs the details to stderr.
    private static func finalize(_ ctx: OpaquePointer) throws(DNSError) {
        var result: UnsafeMutablePointer<ub_result>?
        let status = ub_resolve(ctx, "localhost.", Int32(DNSRecordType.a.rrType), classIN, &result)
        if let result { ub_resolve_free(result) }
        try check(status, "libunbound settings")
    }

    /// The owner names of `records` that have no ancestor among them, with trailing dot.
    static func localZones(for records: [String]) -> [String] {
        var owners: [String] = []
        for record in records {
            guard let first = record.split(whereSeparator: \.isWhitespace).first else { continue }
            var owner = first.lowercased()
            if !owner.hasSuffix(".") { owner += "." }
            if !owners.contains(owner) { owners.append(owner) }
        }
        return owners.filter { owner in
            !owners.contains { other in other != owner && (other == "." || owner.hasSuffix("." + other)) }
        }
    }

    /// `ub_ctx_config` reads a file; write `text` to a private temporary one.
    private static func loadConfig(_ ctx: OpaquePointer, _ text: String) throws(DNSError) {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tern-unbound-\(UUID().uuidString).conf")
        do {
            try text.write(to: url, atomically: false, encoding: .utf8)
        } catch {
            throw DNSError(.permanent, "cannot write libunbound config: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: url) }
        try check(ub_ctx_config(ctx, url.path), "libunbound config")
    }

    private static func check(_ status: Int32, _ what: String) throws(DNSError) {
        guard status == 0 else {
            throw DNSError(.permanent, "\(what): \(String(cString: ub_strerror(status)))")
        }
    }

    /// Waits on libunbound's answer pipe and on the wake pipe; runs `ub_process` until shutdown. If libunbound's
    /// pipe breaks, fails every outstanding and future query.
    private static func pollLoop(_ context: UnboundContext, wakeRead: Int32, pending: PendingQueries) {
        let unboundFD = ub_fd(context.pointer)
        var fds = [
            pollfd(fd: unboundFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        var failure: String?
        while true {
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                failure = "poll failed: errno \(errno)"
                break
            }
            if fds[1].revents != 0 { break }
            let events = Int32(fds[0].revents)
            if events & Int32(POLLIN) != 0 {
                let status = ub_process(context.pointer)
                if status != 0 {
                    failure = "ub_process: \(String(cString: ub_strerror(status)))"
                    break
                }
            } else if events & Int32(POLLERR | POLLHUP | POLLNVAL) != 0 {
                failure = "libunbound answer pipe closed"
                break
            }
        }
        if let failure { pending.close(reason: "resolver stopped: \(failure)") }
    }
}

/// The `ub_ctx` pointer. libunbound's context is thread-safe (its calls lock internally); the resolver only
/// frees it after joining the poll thread and with no submission possible, hence `@unchecked Sendable`.
final class UnboundContext: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }
}

/// libunbound's result callback (runs on the poll thread inside `ub_process`).
private func unboundCallback(_ mydata: UnsafeMutableRawPointer?, _ status: Int32, _ result: UnsafeMutablePointer<ub_result>?) {
    guard let mydata else { return }
    let query = Unmanaged<UnboundQuery>.fromOpaque(mydata).takeRetainedValue()
    query.registry.remove(query)
    defer { if let result { ub_resolve_free(result) } }
    if status != 0 {
        let kind: DNSError.Kind = status == UB_SYNTAX.rawValue ? .permanent : .temporary
        query.finish(.failure(DNSError(kind, String(cString: ub_strerror(status)))))
    } else if let result {
        query.finish(.success(UnboundAnswer(result)))
    } else {
        query.finish(.failure(DNSError(.temporary, "libunbound returned no result")))
    }
}
