import Dispatch
import GRDB
import MailStore
import Synchronization

/// Group commit for deliveries (ARCHITECTURE.md "Commit"): message files are fsynced and renamed by
/// their callers concurrently; this queue then shares one `messages/` directory fsync and one
/// SQLite transaction (`synchronous=FULL`, so one WAL fsync) among every delivery waiting at that
/// moment. Each delivery's rows are written in their own savepoint, so one failure does not fail
/// the others. No caller resumes before its batch is durable.
/// One stored copy: which mailbox got which UID.
struct DeliveredCopy: Sendable {
    var mailboxID: Int64
    var uid: UInt32
}

final class CommitQueue: Sendable {
    private struct Job: Sendable {
        let write: @Sendable (Database) throws -> [DeliveredCopy]
        let done: @Sendable (Result<[DeliveredCopy], Error>) -> Void
    }

    private let pending = Mutex<(jobs: [Job], running: Bool)>(([], false))
    private let queue = DispatchQueue(label: "tern.store.commit")
    private let pool: DatabasePool
    private let syncDirectory: @Sendable () throws -> Void

    init(pool: DatabasePool, syncDirectory: @escaping @Sendable () throws -> Void) {
        self.pool = pool
        self.syncDirectory = syncDirectory
    }

    /// Runs blocking file work (fsync, rename) off the Swift concurrency pool.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await offCooperativePool(work)
    }

    /// Queues `write` for the next batch and returns its result once the batch is committed.
    func submit(_ write: @escaping @Sendable (Database) throws -> [DeliveredCopy]) async throws -> [DeliveredCopy] {
        try await withCheckedThrowingContinuation { c in
            let job = Job(write: write, done: { c.resume(with: $0) })
            let start = pending.withLock { state -> Bool in
                state.jobs.append(job)
                if state.running { return false }
                state.running = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    private func drain() {
        while true {
            let batch = pending.withLock { state -> [Job] in
                let jobs = state.jobs
                state.jobs = []
                if jobs.isEmpty { state.running = false }
                return jobs
            }
            if batch.isEmpty { return }
            do {
                try syncDirectory()
            } catch {
                batch.forEach { $0.done(.failure(error)) }
                continue
            }
            var results: [Result<[DeliveredCopy], Error>] = []
            do {
                try pool.write { db in
                    results = []
                    for job in batch {
                        var uids: [DeliveredCopy] = []
                        do {
                            try db.inSavepoint {
                                uids = try job.write(db)
                                return .commit
                            }
                            results.append(.success(uids))
                        } catch {
                            results.append(.failure(error))
                        }
                    }
                }
            } catch {
                results = batch.map { _ in .failure(error) }
            }
            for (job, result) in zip(batch, results) { job.done(result) }
        }
    }
}
