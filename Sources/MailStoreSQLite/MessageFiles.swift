import MailStore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A message being received: an open file in `data_dir/spool/` that `MailStore.deliver` later
/// fsyncs and moves into `data_dir/messages/`. Not thread-safe: one writer.
public final class SpoolFile: MessageSink, @unchecked Sendable {
    /// Unique id; also the final message file name and the queue id in logs.
    public let id: String
    let path: String
    private(set) var descriptor: Int32
    /// Octets written so far.
    public private(set) var size = 0

    init(id: String, path: String, descriptor: Int32) {
        self.id = id
        self.path = path
        self.descriptor = descriptor
    }

    /// Appends octets. Throws `MailStoreError(.io)` on a write failure (disk full…).
    public func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw MailStoreError(.io, "spool write failed: errno \(errno)")
                }
                offset += n
            }
        }
        size += bytes.count
    }

    /// The octets written so far, read back from the file (used at end of data to check and sign the message).
    /// Throws `MailStoreError(.io)` on a read failure.
    public func contents() throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let n = out.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + offset, size - offset, off_t(offset)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw MailStoreError(.io, "spool read failed: errno \(errno)") }
            offset += n
        }
        return out
    }

    /// Replaces the file's content by `bytes` (before the message is acknowledged, e.g. with header fields
    /// prepended). Throws `MailStoreError(.io)`; the spool must then be discarded.
    public func replaceContents(with bytes: [UInt8]) throws {
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw MailStoreError(.io, "spool rewrite failed: errno \(errno)")
        }
        size = 0
        try write(bytes)
    }

    /// Closes and removes the file (message refused).
    public func discard() {
        closeDescriptor()
        unlink(path)
    }

    func closeDescriptor() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
    }

    deinit {
        if descriptor >= 0 { close(descriptor); unlink(path) }
    }
}

/// The on-disk message files: `spool/` for incoming, `messages/` for immutable stored files.
struct MessageFiles: Sendable {
    let spoolDirectory: String
    let messageDirectory: String

    /// A handle on an existing directory used as its own spool (maildrop); nothing is created or cleaned.
    init(unchecked directory: String) {
        spoolDirectory = directory
        messageDirectory = directory
    }

    init(dataDirectory: String) throws {
        spoolDirectory = dataDirectory + "/spool"
        messageDirectory = dataDirectory + "/messages"
        for dir in [dataDirectory, spoolDirectory, messageDirectory] {
            if mkdir(dir, 0o750) != 0, errno != EEXIST {
                throw MailStoreError(.io, "cannot create directory \(dir): errno \(errno)")
            }
        }
        // Leftover spool files belong to transactions that never got a 250: remove those of
        // processes that are gone. Names are `PID.ID`, so a CLI command or a second node opening the
        // same data_dir never removes a file that a running process is still writing.
        let me = getpid()
        if let dir = opendir(spoolDirectory) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                guard name != ".", name != ".." else { continue }
                if let owner = name.split(separator: ".").first.flatMap({ pid_t($0) }), owner != me, kill(owner, 0) == 0 || errno == EPERM {
                    continue
                }
                unlink(spoolDirectory + "/" + name)
            }
            closedir(dir)
        }
    }

    func makeSpool(id: String) throws -> SpoolFile {
        let path = spoolDirectory + "/\(getpid()).\(id)"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw MailStoreError(.io, "cannot create spool file \(path): errno \(errno)") }
        return SpoolFile(id: id, path: path, descriptor: fd)
    }

    func path(ofMessage id: String) -> String { messageDirectory + "/" + id }

    /// fsync the spool file, close it and rename it into `messages/` (directory fsync is separate).
    func commit(_ spool: SpoolFile, to destination: String? = nil) throws {
        defer { spool.closeDescriptor() }
        guard fsync(spool.descriptor) == 0 else { throw MailStoreError(.io, "fsync failed: errno \(errno)") }
        spool.closeDescriptor()
        // link + unlink rather than rename: an existing file of the same name is never replaced.
        guard link(spool.path, destination ?? path(ofMessage: spool.id)) == 0 else {
            throw MailStoreError(.io, "moving into messages/ failed: errno \(errno)")
        }
        unlink(spool.path)
    }

    /// Writes a complete message file durably (APPEND): temp name, fsync, rename, directory fsync.
    func writeMessage(id: String, bytes: [UInt8]) throws {
        let spool = try makeSpool(id: id)
        do {
            try spool.write(bytes)
            try commit(spool)
            try syncDirectory(messageDirectory)
        } catch {
            spool.discard()
            throw error
        }
    }

    func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw MailStoreError(.io, "cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw MailStoreError(.io, "directory fsync failed: errno \(errno)") }
    }

    /// The size of a stored message file. Throws `.notFound` when it is missing.
    func size(id: String) throws -> Int {
        var st = stat()
        guard stat(path(ofMessage: id), &st) == 0 else {
            if errno == ENOENT { throw MailStoreError(.notFound, "message file \(id) missing") }
            throw MailStoreError(.io, "stat of message file \(id) failed: errno \(errno)")
        }
        return Int(st.st_size)
    }

    /// Up to `length` octets of a stored message file from `offset` (fewer at its end).
    func read(id: String, offset: Int, length: Int) throws -> [UInt8] {
        let fd = open(path(ofMessage: id), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MailStoreError(.notFound, "message file \(id) missing") }
        defer { close(fd) }
        guard length > 0, offset >= 0 else { return [] }
        var out = [UInt8](repeating: 0, count: length)
        var done = 0
        try out.withUnsafeMutableBytes { raw in
            while done < length {
                let n = pread(fd, raw.baseAddress! + done, length - done, off_t(offset + done))
                if n < 0 { if errno == EINTR { continue }; throw MailStoreError(.io, "read failed: errno \(errno)") }
                if n == 0 { break }
                done += n
            }
        }
        return done == length ? out : Array(out[..<done])
    }

    func read(id: String) throws -> [UInt8] {
        let fd = open(path(ofMessage: id), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MailStoreError(.notFound, "message file \(id) missing") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw MailStoreError(.io, "stat failed: errno \(errno)") }
        let size = Int(st.st_size)
        var out = [UInt8](repeating: 0, count: size)
        var offset = 0
        try out.withUnsafeMutableBytes { raw in
            while offset < size {
                let n = Glibc.read(fd, raw.baseAddress! + offset, size - offset)
                if n < 0 { if errno == EINTR { continue }; throw MailStoreError(.io, "read failed: errno \(errno)") }
                if n == 0 { break }
                offset += n
            }
        }
        return offset == size ? out : Array(out[..<offset])
    }

    func remove(id: String) {
        unlink(path(ofMessage: id))
    }
}

