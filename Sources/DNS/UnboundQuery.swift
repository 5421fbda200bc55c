import CUnbound
import Synchronization

/// What the resolver thread copies out of a `struct ub_result` before freeing it.
struct UnboundAnswer: Sendable {
    var rcode: Int32
    var haveData: Bool
    var secure: Bool
    var bogus: Bool
    var whyBogus: String?
    /// RDATA of each record of the asked type, in wire format.
    var rdata: [[UInt8]]

    init(_ result: UnsafeMutablePointer<ub_result>) {
        let value = result.pointee
        rcode = value.rcode
        haveData = value.havedata != 0
        secure = value.secure != 0
        bogus = value.bogus != 0
        whyBogus = value.why_bogus.map { String(cString: $0) }
        var records: [[UInt8]] = []
        if haveData, let data = value.data, let lengths = value.len {
            var index = 0
            while let item = data[index] {
                let length = Int(lengths[index])
                records.append(item.withMemoryRebound(to: UInt8.self, capacity: length) {
                    Array(UnsafeBufferPointer(start: $0, count: length))
                })
                index += 1
            }
        }
        rdata = records
    }
}

/// One outstanding `ub_resolve_async` call: the continuation its C callback resumes.
///
/// Ownership: the query is retained once for libunbound (`Unmanaged.passRetained`, the `mydata` pointer). That
/// reference is released by the callback, or — when the callback can no longer run (submission failed, or the
/// poll thread stopped calling `ub_process`) — by whoever removes the query from ``PendingQueries``.
final class UnboundQuery: Sendable {
    /// The registry this query is entered in while outstanding.
    let registry: PendingQueries
    private let continuation: Mutex<CheckedContinuation<Result<UnboundAnswer, DNSError>, Never>?>

    init(_ continuation: CheckedContinuation<Result<UnboundAnswer, DNSError>, Never>, registry: PendingQueries) {
        self.registry = registry
        self.continuation = Mutex(continuation)
    }

    /// Resumes the waiting task; later calls do nothing.
    func finish(_ result: Result<UnboundAnswer, DNSError>) {
        continuation.withLock { $0.take() }?.resume(returning: result)
    }
}

/// The queries libunbound has not answered yet, so that shutdown can fail them instead of leaving their tasks
/// suspended forever.
final class PendingQueries: Sendable {
    private struct State {
        var queries: [ObjectIdentifier: UnboundQuery] = [:]
        /// Set once no more answers can arrive; new queries are refused with it.
        var closedReason: String?
    }

    private let state = Mutex(State())

    /// Registers `query`; false (and nothing registered) once closed.
    func insert(_ query: UnboundQuery) -> Bool {
        state.withLock { state in
            guard state.closedReason == nil else { return false }
            state.queries[ObjectIdentifier(query)] = query
            return true
        }
    }

    /// Unregisters `query`; true if it was registered (the caller now owns finishing it).
    @discardableResult
    func remove(_ query: UnboundQuery) -> Bool {
        state.withLock { $0.queries.removeValue(forKey: ObjectIdentifier(query)) != nil }
    }

    var closedReason: String? {
        state.withLock { $0.closedReason }
    }

    /// Refuses new queries, and fails and releases every registered one. Call only when libunbound can no longer
    /// run callbacks (its poll thread has stopped).
    func close(reason: String) {
        let drained = state.withLock { state in
            if state.closedReason == nil { state.closedReason = reason }
            defer { state.queries = [:] }
            return Array(state.queries.values)
        }
        for query in drained {
            query.finish(.failure(DNSError(.temporary, reason)))
            Unmanaged.passUnretained(query).release()
        }
    }
}
