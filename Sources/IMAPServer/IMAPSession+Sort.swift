import IMAPProtocol
import MailCore
import MailStore

/// SORT and THREAD ([RFC 5256](https://datatracker.ietf.org/doc/html/rfc5256)), SORT=DISPLAY
/// ([RFC 5957](https://datatracker.ietf.org/doc/html/rfc5957)), ESORT and CONTEXT=SORT's return
/// options ([RFC 5267](https://datatracker.ietf.org/doc/html/rfc5267), PARTIAL of
/// [RFC 9394](https://datatracker.ietf.org/doc/html/rfc9394)):
///
///     C: A1 SORT (REVERSE DATE SUBJECT) UTF-8 UNSEEN
///     S: * SORT 5 3 4
///     C: A2 UID THREAD REFERENCES UTF-8 ALL
///     S: * THREAD (101 (102 104)(103))(105)
///     C: A3 SORT RETURN (PARTIAL 1:2 COUNT) (ARRIVAL) UTF-8 ALL
///     S: * ESEARCH (TAG "A3") PARTIAL (1:2 1:2) COUNT 5
///
/// The messages are selected like SEARCH's; the algorithms are `IMAPSort` and `IMAPThread`. Only
/// the header section of each message is read, and only when a key needs a header field.
extension IMAPSession {
    /// The largest header section read for sorting or threading; fields past it are ignored.
    static let maxSortHeaderBytes = 1 << 20

    func sortCommand(_ command: IMAPCommand) async -> IMAPStep {
        guard case .sort(let request, let byUID) = command.kind, let sel = selected else { return notInState(command.tag) }
        let tag = command.tag
        var step = IMAPStep()
        if request.key.usesModSeq { step.responses += enableCondStoreImplicitly() }
        let needsHeader = request.criteria.contains { $0.key.needsHeader }
        let (matches, highestModSeq) = await sortCandidates(request.key, needsHeader: needsHeader, selection: sel)
        let sorted = IMAPSort.sort(matches, by: request.criteria)
        let ids = sorted.map { byUID ? $0.uid : $0.sequenceNumber }
        // RFC 7162 §3.1.5: a sort whose search used MODSEQ reports the highest MODSEQ of the matches.
        let modSeq = request.key.usesModSeq && !ids.isEmpty ? UInt64(clamping: highestModSeq) : nil
        if let options = request.returnOptions {
            if options.update {
                // RFC 5267 §4.3.1: Tern keeps no sort contexts, so the UPDATE is declined.
                step.append(.status(.no, .noUpdate(tag), "Sort results are not kept up to date"))
            }
            var result = IMAPESortResponse(tag: tag, uid: byUID, modSeq: modSeq)
            if options.min { result.min = ids.first }
            if options.max { result.max = ids.last }
            if options.all { result.all = ids }
            if let range = options.partial { result.partial = (range, range.select(ids)) }
            if options.count { result.count = ids.count }
            step.append(.untagged(.esort(result)))
        } else {
            step.append(.untagged(.sort(ids, modSeq: modSeq)))
        }
        step.append(.ok(tag, "\(byUID ? "UID SORT" : "SORT") completed"))
        return step
    }

    func threadCommand(_ command: IMAPCommand) async -> IMAPStep {
        guard case .thread(let algorithm, let key, let byUID) = command.kind, let sel = selected else { return notInState(command.tag) }
        var step = IMAPStep()
        if key.usesModSeq { step.responses += enableCondStoreImplicitly() }
        let (matches, _) = await sortCandidates(key, needsHeader: true, selection: sel)
        var threads: [IMAPThreadNode]
        switch algorithm {
        case .orderedSubject: threads = IMAPThread.orderedSubject(matches)
        case .references: threads = IMAPThread.references(matches)
        }
        if byUID {
            let uids = Dictionary(matches.map { ($0.sequenceNumber, $0.uid) }, uniquingKeysWith: { a, _ in a })
            threads = threads.map { $0.mapMessages { uids[$0] ?? $0 } }
        }
        step.append(.untagged(.thread(threads)))
        step.append(.ok(command.tag, "\(byUID ? "UID THREAD" : "THREAD") completed"))
        return step
    }

    /// The messages that match `key`, as sort input, and the highest MODSEQ among them. Header
    /// fields are filled in only with `needsHeader`; a search that reads content loads each
    /// message once and the header is taken from it.
    private func sortCandidates(_ key: IMAPSearchKey, needsHeader: Bool, selection sel: Selected) async -> ([IMAPSortableMessage], Int64) {
        let maxUID = sel.messages.last?.uid ?? 0
        let count = UInt32(sel.messages.count)
        var matches: [IMAPSortableMessage] = []
        var highestModSeq: Int64 = 0
        for (i, record) in sel.messages.enumerated() {
            let sequenceNumber = UInt32(i + 1)
            let candidate = await SearchCandidate.load(record: viewRecord(record), sequenceNumber: sequenceNumber, key: key, store: store, mailboxID: sel.mailbox.id)
            guard IMAPSearchEvaluator.matches(key, candidate, maxSequence: count, maxUID: maxUID) else { continue }
            highestModSeq = max(highestModSeq, record.modSeq)
            var message = IMAPSortableMessage(sequenceNumber: sequenceNumber, uid: record.uid,
                                              size: UInt32(clamping: record.size), internalDate: record.internalDate)
            if needsHeader, !sel.expungedLater.contains(record.uid) {
                let header: MessageHeader?
                if let bytes = candidate.bytes {
                    header = MessageHeader(parsing: bytes)
                } else {
                    header = await headerSection(fileID: record.fileID).map(MessageHeader.init(parsing:))
                }
                if let header { Self.fill(&message, from: header) }
            }
            matches.append(message)
        }
        return (matches, highestModSeq)
    }

    /// The header section of a stored message (RFC 5322 §2.1) up to and including the empty line
    /// that ends it, read in growing chunks so a large body is never loaded; nil when unreadable.
    func headerSection(fileID: String) async -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = 8 << 10
        var scanned = 0
        while bytes.count < Self.maxSortHeaderBytes {
            guard let more = try? await store.readBlob(fileID: fileID, offset: bytes.count, length: chunk) else {
                return bytes.isEmpty ? nil : bytes
            }
            bytes += more
            if let end = Self.headerEnd(bytes, from: scanned) { return Array(bytes[..<end]) }
            if more.count < chunk { return bytes } // the whole message is header
            scanned = max(0, bytes.count - 3)
            chunk = min(chunk * 4, Self.maxSortHeaderBytes)
        }
        return bytes
    }

    /// The offset just past the empty line ending the header (CRLF CRLF, or LF LF), searching
    /// from `start`; nil when not found yet. A message starting with an empty line has an empty header.
    static func headerEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        let lf = UInt8(ascii: "\n")
        if start == 0, let first = bytes.first {
            if first == lf { return 1 }
            if first == UInt8(ascii: "\r"), bytes.count > 1, bytes[1] == lf { return 2 }
        }
        var i = max(start, 0)
        while i < bytes.count {
            if bytes[i] == lf {
                if i + 1 < bytes.count, bytes[i + 1] == lf { return i + 2 }
                if i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "\r"), bytes[i + 2] == lf { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    /// Copies the fields SORT and THREAD use (the first of each name) into `message`.
    static func fill(_ message: inout IMAPSortableMessage, from header: MessageHeader) {
        message.date = header.first("Date")
        message.subject = header.first("Subject")
        message.from = header.first("From")
        message.to = header.first("To")
        message.cc = header.first("Cc")
        message.messageID = header.first("Message-ID")
        message.references = header.first("References")
        message.inReplyTo = header.first("In-Reply-To")
    }
}
