import Foundation
import Policy
import Synchronization

/// The configured `sender_login_maps` file, read directly (no `postmap` step) and re-read when its
/// modification time changes (checked at most once a second).
final class SenderMapSource: Sendable {
    let path: String
    private let state = Mutex<(map: SenderLoginMap?, mtime: Double, checked: Double)>((nil, -1, 0))

    init(path: String) { self.path = path }

    /// The current map; the previous one stays in force if the file became unreadable.
    func current() -> SenderLoginMap? {
        let now = Date().timeIntervalSince1970
        return state.withLock { s in
            if s.map != nil, now - s.checked < 1 { return s.map }
            s.checked = now
            let mtime = ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
            if mtime != s.mtime || s.map == nil, let loaded = try? SenderLoginMap.load(path: path) {
                s.map = loaded
                s.mtime = mtime
            }
            return s.map
        }
    }
}
