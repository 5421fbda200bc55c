/// Message octets (ARCHITECTURE.md "Storage"): immutable blobs, written once through a
/// ``MessageSink`` and committed by ``MailStore/commit(_:to:outbound:internalDate:quota:)``, then
/// read asynchronously — never synchronously on an event loop. One blob can back many mailbox
/// entries and queue entries; the backend removes it when the last reference goes.
public protocol BlobStore: Sendable {
    /// A new, empty sink to write one incoming message into. Its `id` becomes the blob id
    /// (`MessageRecord.fileID`) and the queue id. Throws `MailStoreError(.io)`.
    func makeMessageSink() throws -> any MessageSink
    /// The size in octets of a stored blob. Throws `.notFound` when it does not exist.
    func blobSize(fileID: String) async throws -> Int
    /// Up to `length` octets of a stored blob starting at `offset` (fewer at its end; empty past
    /// it). Throws `.notFound` when the blob does not exist, `.io` on a read failure.
    func readBlob(fileID: String, offset: Int, length: Int) async throws -> [UInt8]
    /// The whole blob (IMAP FETCH, POP3 RETR, outbound delivery). The default reads it in 1 MiB
    /// chunks through ``readBlob(fileID:offset:length:)``; a backend may answer in one read.
    /// Throws `.notFound` when the blob does not exist, `.io` on a read failure.
    func messageBytes(fileID: String) async throws -> [UInt8]
}

extension BlobStore {
    /// The whole blob, read in chunks of 1 MiB. Throws what ``readBlob(fileID:offset:length:)`` throws.
    public func messageBytes(fileID: String) async throws -> [UInt8] {
        let chunkSize = 1 << 20
        let size = try await blobSize(fileID: fileID)
        var out: [UInt8] = []
        out.reserveCapacity(size)
        while out.count < size {
            let chunk = try await readBlob(fileID: fileID, offset: out.count, length: min(chunkSize, size - out.count))
            if chunk.isEmpty { break }
            out.append(contentsOf: chunk)
        }
        return out
    }

    /// The blob as a stream of chunks of at most `chunkSize` octets, for callers that never want the
    /// whole message in memory (export, POP3 RETR of large messages).
    public func blobChunks(fileID: String, chunkSize: Int = 1 << 20) -> AsyncThrowingStream<[UInt8], Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let size = try await blobSize(fileID: fileID)
                    var offset = 0
                    while offset < size {
                        let chunk = try await readBlob(fileID: fileID, offset: offset, length: min(chunkSize, size - offset))
                        if chunk.isEmpty { break }
                        offset += chunk.count
                        continuation.yield(chunk)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Where one incoming message is written before it is committed (SMTP DATA, LMTP, APPEND,
/// pickup, DSNs, imports). A backend decides where the octets go (a spool file, memory, a
/// temporary large object); callers only write, read back and commit or discard. One writer.
public protocol MessageSink: AnyObject, Sendable {
    /// Unique id: the blob id after commit, and the queue id in logs.
    var id: String { get }
    /// Octets written so far.
    var size: Int { get }
    /// Appends octets. Throws `MailStoreError(.io)` on a write failure (disk full…).
    func write(_ bytes: [UInt8]) throws
    /// The octets written so far (at end of data, to check and sign the message). Throws `MailStoreError(.io)`.
    func contents() throws -> [UInt8]
    /// Replaces everything written by `bytes` (before the message is acknowledged, e.g. with header
    /// fields prepended). Throws `MailStoreError(.io)`; the sink must then be discarded.
    func replaceContents(with bytes: [UInt8]) throws
    /// Drops the message (refused or abandoned); the sink cannot be used afterwards.
    func discard()
}
