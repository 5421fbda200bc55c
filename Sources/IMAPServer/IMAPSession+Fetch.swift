import Foundation
import IMAPProtocol
import MailCore
import MailStore

/// FETCH / UID FETCH (RFC 9051 §6.4.5, §7.5.2).
extension IMAPSession {
    func fetch(_ step: inout IMAPStep, tag: String, set: IMAPSequenceSet, attributes: [IMAPFetchAttribute],
               byUID: Bool, selection sel: Selected, modifiers: IMAPCommandModifiers = IMAPCommandModifiers()) async throws {
        var attributes = attributes
        // RFC 7162 §3.1.4: CHANGEDSINCE implies MODSEQ; both enable CONDSTORE (§3.1.8).
        if modifiers.changedSince != nil, !attributes.contains(.modSeq) { attributes.append(.modSeq) }
        if attributes.contains(.modSeq) { step.responses += enableCondStoreImplicitly() }
        if byUID, !attributes.contains(.uid) { attributes.insert(.uid, at: 0) }
        // RFC 4314 §4: a FETCH that implies \Seen MUST NOT set it without the "s" right.
        let setsSeen = !sel.readOnly && sel.rights.contains(.seen) && attributes.contains { a in
            switch a {
            case .bodySection(_, _, let peek), .binarySection(_, _, let peek): return !peek
            case .rfc822, .rfc822Text: return true
            default: return false
            }
        }
        let needsContent = attributes.contains { a in
            switch a {
            case .flags, .uid, .internalDate, .rfc822Size, .modSeq, .emailID, .threadID, .saveDate: return false
            default: return true
            }
        }
        var indexes = resolve(set, byUID: byUID, in: sel.messages)
        if let since = modifiers.changedSince { indexes = indexes.filter { UInt64(sel.messages[$0].modSeq) > since } }
        step.responses += try await vanishedEarlier(set, modifiers: modifiers, in: sel)
        var newlySeen = Set<Int>()
        if setsSeen {
            let unseen = indexes.filter { !sel.messages[$0].flags.contains("\\Seen") }.map { sel.messages[$0].uid }
            if !unseen.isEmpty {
                let updated = try await store.updateFlags(mailboxID: sel.mailbox.id, uids: unseen, operation: .add, flags: ["\\Seen"])
                let byUIDMap = Dictionary(updated.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
                for i in indexes {
                    if let r = byUIDMap[sel.messages[i].uid] { sel.messages[i].flags = r.flags; sel.messages[i].modSeq = r.modSeq; newlySeen.insert(i) }
                }
            }
        }
        // RFC 8514: save dates are read for the whole set at once, only when asked for.
        let saveDates = attributes.contains(.saveDate)
            ? try await store.saveDates(mailboxID: sel.mailbox.id, uids: indexes.map { sel.messages[$0].uid }) : [:]
        var missing = false
        var unknownEncoding = false
        for index in indexes {
            let record = sel.messages[index]
            var parsed: ParsedMessage?
            if needsContent {
                guard !sel.expungedLater.contains(record.uid), let bytes = try? await store.messageBytes(fileID: record.fileID) else {
                    missing = true // expunged by another session: never substitute other content
                    continue
                }
                parsed = ParsedMessage(bytes)
            }
            var items: [IMAPFetchItem] = []
            for attribute in attributes {
                if attribute == .saveDate {
                    items.append(.saveDate(saveDates[record.uid]))
                    continue
                }
                guard let item = renderItem(attribute, record: record, message: parsed) else { unknownEncoding = true; break }
                items.append(item)
            }
            if items.count < attributes.count { continue }
            if newlySeen.contains(index), !attributes.contains(.flags) {
                items.append(render(.flags, record: record, message: parsed)) // RFC 3501 §6.4.5: report the implicit \Seen
                if condStoreEnabled, !attributes.contains(.modSeq) { items.append(render(.modSeq, record: record, message: parsed)) }
            }
            step.append(.untagged(.fetch(UInt32(index + 1), items)))
        }
        if unknownEncoding {
            step.append(.no(tag, .unknownCTE, "A part has a Content-Transfer-Encoding the server cannot decode"))
        } else if missing {
            step.append(.no(tag, .expungeIssued, "Some of the requested messages no longer exist"))
        } else {
            step.append(.ok(tag, "\(byUID ? "UID FETCH" : "FETCH") completed"))
        }
    }

    /// One FETCH item of a message; `message` is nil only for items that need no content.
    func render(_ attribute: IMAPFetchAttribute, record: MessageRecord, message: ParsedMessage?) -> IMAPFetchItem {
        switch attribute {
        case .flags: return .flags(viewFlags(record))
        case .uid: return .uid(record.uid)
        case .internalDate: return .internalDate(record.internalDate)
        case .rfc822Size: return .rfc822Size(record.size)
        case .modSeq: return .modSeq(UInt64(clamping: record.modSeq))
        case .preview: return .preview(IMAPMessageRenderer.preview(message!))
        case .emailID: return .emailID(Self.emailID(record))
        case .threadID: return .threadID(nil)
        case .saveDate: return .saveDate(nil)
        case .envelope: return .envelope(IMAPMessageRenderer.envelope(message!))
        case .bodyStructure: return .bodyStructure(IMAPMessageRenderer.bodyStructure(message!, extensible: true))
        case .body: return .body(IMAPMessageRenderer.bodyStructure(message!, extensible: false))
        case .rfc822: return .rfc822(message!.bytes)
        case .rfc822Header: return .rfc822Header(IMAPMessageRenderer.section(message!, IMAPSection(text: .header)) ?? [])
        case .rfc822Text: return .rfc822Text(IMAPMessageRenderer.section(message!, IMAPSection(text: .text)) ?? [])
        case .bodySection(let section, let partial, _):
            let content = IMAPMessageRenderer.section(message!, section) ?? []
            guard let partial else { return .bodySection(section, origin: nil, content) }
            return .bodySection(section, origin: partial.first, Self.slice(content, partial))
        case .binarySection(let part, _, _):
            return renderItem(attribute, record: record, message: message) ?? .binary(part: part, origin: nil, nil)
        case .binarySize(let part):
            return renderItem(attribute, record: record, message: message) ?? .binarySize(part: part, 0)
        }
    }

    /// The EMAILID of a message (RFC 8474 §5.1): `E` and its immutable message file's name, which
    /// every copy shares (COPY, MOVE, delivery to several mailboxes), limited to the objectid
    /// alphabet (`A-Z a-z 0-9 _ -`).
    static func emailID(_ record: MessageRecord) -> String {
        "E" + String(record.fileID.unicodeScalars.map { s -> Character in
            ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "_" || s == "-" ? Character(s) : "_"
        }.prefix(254))
    }

    /// The MAILBOXID of a mailbox (RFC 8474 §4): `M` and its store id, which is never reused
    /// and survives RENAME.
    static func mailboxID(_ mailbox: MailboxRecord) -> String { "M\(mailbox.id)" }

    /// The octets a `<first.count>` partial selects (RFC 9051 §6.4.5), empty past the end.
    static func slice(_ content: [UInt8], _ partial: IMAPPartial) -> [UInt8] {
        let start = min(Int(partial.first), content.count)
        let end = min(start + Int(partial.count), content.count)
        return Array(content[start..<end])
    }
}

/// A message as SEARCH sees it (RFC 9051 §6.4.4); the content is read and parsed only when a key needs it.
final class SearchCandidate: IMAPSearchable {
    let record: MessageRecord
    let sequenceNumber: UInt32
    /// The message octets, read beforehand (asynchronously) when the search key needs them.
    let bytes: [UInt8]?
    /// The save date (RFC 8514), read only when the key needs it.
    let savedAt: Int64?
    private var parsedMessage: ParsedMessage??

    init(record: MessageRecord, sequenceNumber: UInt32, bytes: [UInt8]?, savedAt: Int64? = nil) {
        self.record = record
        self.sequenceNumber = sequenceNumber
        self.bytes = bytes
        self.savedAt = savedAt
    }

    /// A candidate for `key`: the message octets (and the save date) are read from `store` only
    /// when the key needs them.
    static func load(record: MessageRecord, sequenceNumber: UInt32, key: IMAPSearchKey, store: any MailStore,
                     mailboxID: Int64) async -> SearchCandidate {
        let bytes = key.needsContent ? try? await store.messageBytes(fileID: record.fileID) : nil
        let saved = key.needsSaveDate ? (try? await store.saveDates(mailboxID: mailboxID, uids: [record.uid]))?[record.uid] : nil
        return SearchCandidate(record: record, sequenceNumber: sequenceNumber, bytes: bytes, savedAt: saved)
    }

    var saveDate: IMAPDate? {
        savedAt.map { let c = CivilDate(secondsSince1970: $0); return IMAPDate(year: c.year, month: c.month, day: c.day) }
    }
    var emailID: String? { IMAPSession.emailID(record) }

    var uid: UInt32 { record.uid }
    var flags: [String] { record.flags }
    var modSeq: UInt64 { UInt64(clamping: record.modSeq) }
    var size: UInt32 { UInt32(clamping: record.size) }
    var internalDate: IMAPDate {
        let c = CivilDate(secondsSince1970: record.internalDate)
        return IMAPDate(year: c.year, month: c.month, day: c.day)
    }

    var message: ParsedMessage? {
        if let cached = parsedMessage { return cached }
        let loaded = bytes.map(ParsedMessage.init)
        parsedMessage = .some(loaded)
        return loaded
    }

    func headerValues(_ name: String) -> [String] {
        message?.header.values(name).map(EncodedWord.decode) ?? []
    }

    func sentDate() -> IMAPDate? {
        guard let text = message?.header.first("Date"), let parsed = RFC5322Date.parse(text) else { return nil }
        let c = CivilDate(secondsSince1970: parsed.secondsSince1970 + Int64(parsed.zoneMinutes) * 60)
        return IMAPDate(year: c.year, month: c.month, day: c.day)
    }

    /// Transfer-decoded text parts in Unicode (RFC 9051 §6.4.4 BODY).
    func bodyText() -> String {
        message?.decodedBodyText ?? ""
    }

    /// Decoded header fields and body text (RFC 9051 §6.4.4 TEXT).
    func fullText() -> String {
        guard let m = message else { return "" }
        return m.decodedHeaderText + "\n" + m.decodedBodyText
    }
}
