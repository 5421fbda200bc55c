/// THREAD=REFERENCES ([RFC 5256 §3](https://datatracker.ietf.org/doc/html/rfc5256#section-3)), the
/// algorithm of Jamie Zawinski with the RFC's rules, as Dovecot applies them:
///
/// 1. For each message, in sequence order: find or create the container of its Message-ID (a
///    missing, unparsable or already used ID gets a container of its own). Link the IDs of its
///    References (or, without a valid one, the first ID of In-Reply-To) parent to child, creating
///    dummy containers for unknown IDs; an existing parent link is kept, and no link is made that
///    would create a loop. Then the message's own parent becomes the last reference: a different
///    parent it had is dropped, and the new link is skipped if it would create a loop.
/// 2–4. Roots are the containers without a parent. Dummies are removed: a message under dummies
///    goes to its nearest real ancestor, or to the topmost dummy; a root dummy with one child is
///    replaced by that child, one without children disappears.
/// 5. Roots with the same base subject are merged (subject table of §3 step 5), visiting the roots
///    in sent-date order; a message whose subject says it is a reply or forward goes under one
///    that is not, otherwise a dummy groups them.
/// 6. Siblings are sorted by sent date (a dummy by its first child's), ties by sequence number.
struct IMAPReferencesThreader {
    private struct Container {
        /// Index into `messages`; nil for a dummy.
        var message: Int?
        var parent: Int?
    }

    private struct Root {
        var node: Int
        var dummy: Bool
        var ignore = false
        var replyOrForward = false
        /// The root this one is to be merged into (index into `roots`).
        var parentRoot: Int?
        /// (sent date, sequence number) of the message, or of a dummy's first child.
        var order: (Int64, UInt32) = (0, 0)
    }

    private let messages: [IMAPSortableMessage]
    private let sentDates: [Int64]
    private var containers: [Container] = []
    private var byID: [String: Int] = [:]
    private var children: [[Int]] = []
    private var roots: [Root] = []

    /// `messages` must be in sequence order.
    init(_ messages: [IMAPSortableMessage]) {
        self.messages = messages
        sentDates = messages.map(\.sentDate)
    }

    mutating func run() -> [IMAPThreadNode] {
        for index in messages.indices { add(index) }
        buildTree()
        sortRoots()
        mergeBySubject()
        return roots.filter { !$0.ignore }.map { node($0.node) }
    }

    // MARK: Step 1: links

    private mutating func add(_ index: Int) {
        let m = messages[index]
        let own: Int
        if let id = IMAPMessageIDs.first(m.messageID) {
            if let existing = byID[id], containers[existing].message == nil {
                containers[existing].message = index // fills the dummy a reference created
                own = existing
            } else if byID[id] != nil {
                own = newContainer(message: index) // a duplicate Message-ID: treated as unique
            } else {
                own = newContainer(message: index)
                byID[id] = own
            }
        } else {
            own = newContainer(message: index)
        }
        var references = m.references.map(IMAPMessageIDs.parse) ?? []
        if references.isEmpty, let reply = IMAPMessageIDs.first(m.inReplyTo) { references = [reply] }
        var parent: Int?
        for id in references {
            let next = container(for: id)
            if let parent { link(parent, next) }
            parent = next
        }
        if let current = containers[own].parent, current != parent {
            containers[own].parent = nil // the last reference wins over an older link (RFC 5256 §3 1.B)
        }
        if let parent { link(parent, own) }
    }

    private mutating func newContainer(message: Int?) -> Int {
        containers.append(Container(message: message, parent: nil))
        return containers.count - 1
    }

    private mutating func container(for id: String) -> Int {
        if let existing = byID[id] { return existing }
        let created = newContainer(message: nil)
        byID[id] = created
        return created
    }

    /// Makes `parent` the parent of `child` unless that would make a loop (RFC 5256 §3 1.A) or
    /// `child` already has a parent.
    private mutating func link(_ parent: Int, _ child: Int) {
        var walk: Int? = parent
        while let w = walk {
            if w == child { return }
            walk = containers[w].parent
        }
        if containers[child].parent == nil { containers[child].parent = parent }
    }

    // MARK: Steps 2–4: roots, dummies removed

    private mutating func buildTree() {
        children = Array(repeating: [], count: containers.count)
        for (index, c) in containers.enumerated() {
            guard var up = c.parent else {
                roots.append(Root(node: index, dummy: c.message == nil))
                continue
            }
            guard c.message != nil else { continue } // an inner dummy: its messages attach above it
            while containers[up].message == nil, let higher = containers[up].parent { up = higher }
            children[up].append(index)
        }
    }

    private func order(of node: Int) -> (Int64, UInt32) {
        let m = containers[node].message!
        return (sentDates[m], messages[m].sequenceNumber)
    }

    private func sortedChildren(_ node: Int) -> [Int] {
        children[node].sorted { order(of: $0) < order(of: $1) }
    }

    /// Step 6 for the roots; a dummy root with one child becomes that child, one without is dropped.
    private mutating func sortRoots() {
        for i in roots.indices where !roots[i].ignore {
            if roots[i].dummy {
                let kids = sortedChildren(roots[i].node)
                if kids.isEmpty {
                    roots[i].ignore = true
                } else if kids.count == 1 {
                    roots[i].node = kids[0]
                    roots[i].dummy = false
                    roots[i].order = order(of: kids[0])
                } else {
                    roots[i].order = order(of: kids[0])
                }
            } else {
                roots[i].order = order(of: roots[i].node)
            }
        }
        roots.sort { $0.order < $1.order }
    }

    // MARK: Step 5: subjects

    private mutating func mergeBySubject() {
        var table: [String: Int] = [:]
        for i in roots.indices where !roots[i].ignore {
            let node = roots[i].dummy ? sortedChildren(roots[i].node)[0] : roots[i].node
            guard let raw = messages[containers[node].message!].subject else { continue }
            let base = IMAPBaseSubject(raw)
            roots[i].replyOrForward = base.isReplyOrForward
            guard !base.subject.isEmpty else { continue }
            guard let held = table[base.subject] else {
                table[base.subject] = i
                continue
            }
            if !roots[held].dummy, roots[i].dummy || (roots[held].replyOrForward && !base.isReplyOrForward) {
                roots[held].parentRoot = i
                table[base.subject] = i
            } else {
                roots[i].parentRoot = held
            }
        }
        var changed = false
        var i = 0
        while i < roots.count {
            if roots[i].parentRoot != nil, !roots[i].ignore {
                merge(i)
                changed = true
            }
            i += 1
        }
        if changed {
            for i in roots.indices where !roots[i].ignore && roots[i].dummy {
                roots[i].order = order(of: sortedChildren(roots[i].node)[0])
            }
            roots.sort { $0.order < $1.order }
        }
    }

    /// RFC 5256 §3 step 5.C.v: merges root `current` with the root its subject maps to.
    private mutating func merge(_ current: Int) {
        var top = roots[current].parentRoot!
        while let up = roots[top].parentRoot { top = up }
        let cur = roots[current]
        if cur.dummy {
            // Both dummies: the children of both become siblings.
            children[roots[top].node] += children[cur.node]
            children[cur.node] = []
            roots[current].ignore = true
        } else if roots[top].dummy || (cur.replyOrForward && !roots[top].replyOrForward) {
            children[roots[top].node].append(cur.node)
            roots[current].ignore = true
        } else {
            children.append([roots[top].node, cur.node])
            var dummy = Root(node: children.count - 1, dummy: true)
            dummy.order = roots[top].order < cur.order ? roots[top].order : cur.order
            roots.append(dummy)
            roots[top].parentRoot = roots.count - 1
            roots[top].ignore = true
            roots[current].ignore = true
        }
    }

    // MARK: Output

    private func node(_ index: Int, depth: Int = 0) -> IMAPThreadNode {
        let message = index < containers.count ? containers[index].message.map { messages[$0].sequenceNumber } : nil
        guard depth < IMAPThread.maxDepth else {
            // A reply chain deeper than the limit: its remaining descendants, in thread order,
            // become direct children here, so no tree (and no recursion over it) is deeper.
            var flat: [IMAPThreadNode] = []
            var stack = Array(sortedChildren(index).reversed())
            while let next = stack.popLast() {
                if next < containers.count, let m = containers[next].message { flat.append(IMAPThreadNode(messages[m].sequenceNumber)) }
                stack.append(contentsOf: sortedChildren(next).reversed())
            }
            return IMAPThreadNode(message, flat)
        }
        return IMAPThreadNode(message, sortedChildren(index).map { node($0, depth: depth + 1) })
    }
}
