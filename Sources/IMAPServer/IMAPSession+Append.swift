import Foundation
import IMAPProtocol
import MailCore
import MailStore

/// APPEND with MULTIAPPEND ([RFC 3502](https://datatracker.ietf.org/doc/html/rfc3502)) and CATENATE
/// ([RFC 4469](https://datatracker.ietf.org/doc/html/rfc4469)), and REPLACE / UID REPLACE
/// ([RFC 8508](https://datatracker.ietf.org/doc/html/rfc8508)).
///
///     C: a1 APPEND Drafts {5}
///     C: hello {5}
///     C: world
///     S: a1 OK [APPENDUID 1700000000 7:8] APPEND completed
///     C: a2 APPEND Drafts CATENATE (URL "/INBOX/;UID=3/;SECTION=HEADER" TEXT {7}
///     C: body
///     C: )
///     S: a2 OK [APPENDUID 1700000000 9] APPEND completed
///     C: a3 UID REPLACE 9 Drafts {6}
///     C: body2
///     S: * OK [APPENDUID 1700000000 10] Replacement message stored
///     S: * 3 EXISTS
///     S: * 2 EXPUNGE
///     S: a3 OK REPLACE completed
extension IMAPSession {
    /// An APPEND refused before anything was stored: the tagged `NO` to send.
    struct AppendRefusal: Error {
        var code: IMAPResponseCode?
        var text: String
    }

    /// APPEND of one or more messages (RFC 3502 §3: all are stored or none; one `[APPENDUID]`
    /// names every new UID, in order).
    func appendCommand(_ command: IMAPCommand, account: AccountRecord) async -> IMAPStep {
        let tag = command.tag
        let name: String
        let messages: [IMAPAppendMessage]
        switch command.kind {
        case .append(let mailbox, let flags, let date, let bytes):
            name = mailbox
            messages = [IMAPAppendMessage(flags: flags, internalDate: date, data: .literal(bytes))]
        case .appendMessages(let mailbox, let list):
            name = mailbox
            messages = list
        default:
            return notInState(tag)
        }
        var step = IMAPStep()
        do {
            // RFC 4469 §5: a missing mailbox is [TRYCREATE] whatever the URLs are. RFC 4314 §4:
            // APPEND into a shared mailbox needs "i"; flags the user may not set are dropped.
            let access = try await MailboxResolver(store: store, user: account).access(name)
            if access.shared, let refusal = access.refusal(needing: .insert, missing: .tryCreate) {
                step.append(.no(tag, refusal.code, refusal.text))
                return step
            }
            guard let mailbox = access.mailbox else {
                step.append(.no(tag, .tryCreate, "Mailbox does not exist"))
                return step
            }
            var built = try await buildMessages(messages, account: account)
            for i in built.indices { built[i].flags = Self.permittedFlags(built[i].flags, rights: access.rights) }
            try await checkStorage(built, accountID: mailbox.accountID, freeing: 0)
            let uids: [UInt32]
            if built.count == 1 {
                uids = [try await store.append(mailboxID: mailbox.id, bytes: built[0].bytes, flags: built[0].flags,
                                               internalDate: built[0].internalDate, quota: storeLimits.quota)]
            } else {
                uids = try await store.append(built, to: mailbox.id, quota: storeLimits.quota, replacing: nil)
            }
            step.append(.ok(tag, .appendUID(uidValidity: mailbox.uidValidity, uids: uids), "APPEND completed"))
        } catch {
            step.append(appendFailure(tag, error))
        }
        return step
    }

    /// REPLACE / UID REPLACE (RFC 8508 §3): the new message is appended to `mailbox` and the old one
    /// expunged from the selected mailbox in one store transaction, so a failure leaves both as they
    /// were. The target may be another mailbox (RFC 8508 §3.3: then the selected one only loses the
    /// message). `[APPENDUID]` comes in an untagged OK before the EXISTS/EXPUNGE it causes.
    func replaceCommand(_ command: IMAPCommand) async -> IMAPStep {
        let tag = command.tag
        var step = IMAPStep()
        guard case .replace(let number, let name, let message, let byUID) = command.kind, let sel = selected, let account else {
            return notInState(tag)
        }
        guard !sel.readOnly else {
            step.append(.no(tag, .readOnly, "Mailbox is read-only"))
            return step
        }
        let index: Int
        switch (number, byUID) {
        case (.star, _):
            guard !sel.messages.isEmpty else { step.append(.bad(tag, "The mailbox is empty")); return step }
            index = sel.messages.count - 1
        case (.number(let n), false):
            guard n >= 1, Int(n) <= sel.messages.count else {
                step.append(.bad(tag, "Invalid sequence number: the mailbox has \(sel.messages.count) message(s)"))
                return step
            }
            index = Int(n) - 1
        case (.number(let uid), true):
            guard let found = sel.index(ofUID: uid) else {
                step.append(.no(tag, .nonExistent, "No message with UID \(uid)"))
                return step
            }
            index = found
        }
        let old = sel.messages[index]
        guard !sel.expungedLater.contains(old.uid) else {
            step.append(.no(tag, .expungeIssued, "The message was expunged"))
            return step
        }
        do {
            guard let target = try await store.mailbox(accountID: account.id, name: name) else {
                step.append(.no(tag, .tryCreate, "Mailbox does not exist"))
                return step
            }
            let built = try await buildMessages([message], account: account)
            try await checkStorage(built, accountID: account.id, freeing: Int64(old.size))
            let uids = try await store.append(built, to: target.id, quota: storeLimits.quota,
                                              replacing: MessageLocation(mailboxID: sel.mailbox.id, uid: old.uid))
            step.append(.status(.ok, .appendUID(uidValidity: target.uidValidity, uids: uids), "Replacement message stored"))
            step.responses += await pendingUpdates(allowExpunge: true, force: true)
            step.append(.ok(tag, "\(byUID ? "UID REPLACE" : "REPLACE") completed"))
        } catch {
            step.append(appendFailure(tag, error))
        }
        return step
    }

    /// The octets, flags and dates of the messages to store: literals as sent, CATENATE parts
    /// joined (RFC 4469 §5: a URL that gives nothing fails the command with `[BADURL url]`, a result
    /// above APPENDLIMIT with `[TOOBIG]`). Throws ``AppendRefusal``.
    func buildMessages(_ messages: [IMAPAppendMessage], account: AccountRecord) async throws -> [NewMessage] {
        let now = Int64(Date().timeIntervalSince1970)
        let limit = storeLimits.appendLimit
        var built: [NewMessage] = []
        for message in messages {
            var bytes: [UInt8] = []
            switch message.data {
            case .literal(let literal):
                bytes = literal
            case .catenate(let parts):
                let resolver = IMAPURLResolver(directory: directory)
                for part in parts {
                    switch part {
                    case .text(let text): bytes += text
                    case .url(let url):
                        guard let content = await resolver.content(url, requester: .user(account)) else {
                            throw AppendRefusal(code: .badURL(url), text: "The URL names no message of yours")
                        }
                        bytes += content
                    }
                    if bytes.count > limit { throw AppendRefusal(code: .tooBig, text: "Message is larger than APPENDLIMIT=\(limit)") }
                }
            }
            guard !bytes.isEmpty else { throw AppendRefusal(code: nil, text: "Empty message") }
            if bytes.count > limit { throw AppendRefusal(code: .tooBig, text: "Message is larger than APPENDLIMIT=\(limit)") }
            built.append(NewMessage(bytes: bytes, flags: message.flags, internalDate: message.internalDate?.secondsSince1970 ?? now))
        }
        return built
    }

    /// The quick quota answer for the whole set (RFC 3502 §3; the store checks again atomically).
    func checkStorage(_ messages: [NewMessage], accountID: Int64, freeing: Int64) async throws {
        let total = messages.reduce(0) { $0 + Int64($1.bytes.count) } - freeing
        guard total > 0 else { return }
        if let refusal = try await storageRefusal(accountID: accountID, adding: total, appending: false) {
            throw AppendRefusal(code: refusal.code, text: refusal.text)
        }
    }

    /// The tagged `NO` for a failed APPEND or REPLACE.
    func appendFailure(_ tag: String, _ error: any Error) -> IMAPResponse {
        switch error {
        case let refusal as AppendRefusal: .no(tag, refusal.code, refusal.text)
        case is StorageQuota.Exceeded: .no(tag, .overQuota, "Quota exceeded (mailbox full)")
        case let error as MailStoreError: storageErrorResponse(tag, error)
        default: internalErrorResponse(tag, error)
        }
    }
}
