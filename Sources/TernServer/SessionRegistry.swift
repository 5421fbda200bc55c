import NIOCore
import Synchronization

/// The open sessions of every listener, so that a graceful shutdown (SIGTERM) can tell each one:
/// idle sessions are closed with their protocol's goodbye (`421 4.3.2`, `* BYE`, `-ERR`),
/// a session in the middle of a transaction finishes it first.
final class SessionRegistry: Sendable {
    private let sessions = Mutex<(next: Int, all: [Int: @Sendable () -> Void])>((0, [:]))

    /// Registers a session; `shutdown` runs on its event loop. Returns the key for `remove`.
    func add(_ shutdown: @escaping @Sendable () -> Void) -> Int {
        sessions.withLock { s in
            s.next += 1
            s.all[s.next] = shutdown
            return s.next
        }
    }

    func remove(_ key: Int) {
        _ = sessions.withLock { $0.all.removeValue(forKey: key) }
    }

    var count: Int { sessions.withLock { $0.all.count } }

    /// Asks every session to end.
    func shutdownAll() {
        let all = sessions.withLock { Array($0.all.values) }
        all.forEach { $0() }
    }

    /// Registers a channel handler: `shutdown` is called on the channel's event loop.
    func register<H: AnyObject>(_ handler: H, on context: ChannelHandlerContext, _ shutdown: @escaping (H) -> Void) -> Int {
        let bound = NIOLoopBound((handler, shutdown), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        return add { loop.execute { bound.value.1(bound.value.0) } }
    }
}
