import Foundation
import IMAPProtocol
import MailCore
import MailStore

/// URLAUTH ([RFC 4467](https://datatracker.ietf.org/doc/html/rfc4467)) and URLAUTH=BINARY
/// ([RFC 5524](https://datatracker.ietf.org/doc/html/rfc5524)): GENURLAUTH, URLFETCH, RESETKEY.
///
///     C: a1 GENURLAUTH "imap://bob@example.test/INBOX/;uid=20;urlauth=submit+bob" INTERNAL
///     S: * GENURLAUTH "imap://bob@example.test/INBOX/;uid=20;urlauth=submit+bob:internal:3c5f…"
///     S: a1 OK GENURLAUTH completed
///     C: a2 URLFETCH "imap://bob@example.test/INBOX/;uid=20;urlauth=user+bob:internal:9a0e…"
///     S: * URLFETCH "imap://bob@example.test/INBOX/;uid=20;urlauth=user+bob:internal:9a0e…" {310}
///     S: …
///     S: a2 OK URLFETCH completed
///     C: a3 RESETKEY INBOX
///     S: a3 OK RESETKEY completed
extension IMAPSession {
    func urlAuthCommand(_ command: IMAPCommand) async -> IMAPStep {
        guard let account else { return notInState(command.tag) }
        switch command.kind {
        case .genURLAuth(let requests): return await genURLAuth(command.tag, requests, account: account)
        case .urlFetch(let requests): return await urlFetch(command.tag, requests, account: account)
        case .resetKey(let mailbox, let mechanisms): return await resetKey(command.tag, mailbox: mailbox, mechanisms: mechanisms, account: account)
        default: return notInState(command.tag)
        }
    }

    /// GENURLAUTH (RFC 4467 §7.1): signs each rump URL with the access key of its mailbox. Every URL
    /// must be absolute, name a mailbox of the logged-in user, carry `;URLAUTH=access` and no
    /// verifier; the mechanism must be INTERNAL. One bad URL fails the command (`NO`, nothing returned).
    func genURLAuth(_ tag: String, _ requests: [IMAPGenURLAuthRequest], account: AccountRecord) async -> IMAPStep {
        var step = IMAPStep()
        let resolver = IMAPURLResolver(directory: directory)
        var urls: [String] = []
        do {
            for request in requests {
                guard request.mechanism == IMAPURLResolver.mechanism else {
                    step.append(.no(tag, "Unsupported URLAUTH mechanism \(request.mechanism) (only INTERNAL)"))
                    return step
                }
                guard let url = IMAPURL(request.url), url.isAbsolute, url.access != nil, url.token == nil else {
                    step.append(.bad(tag, "Expected an imap:// URL ending in ;URLAUTH=access without a verifier"))
                    return step
                }
                guard let owner = try await resolver.owner(of: url), owner.id == account.id else {
                    step.append(.no(tag, "The URL does not name one of your mailboxes"))
                    return step
                }
                switch url.access {
                case .user(let id)?, .submit(let id)?:
                    guard try await directory.account(forLogin: id) != nil else {
                        step.append(.no(tag, "Unknown user in the access identifier"))
                        return step
                    }
                default: break
                }
                guard let mailbox = try await store.mailbox(accountID: account.id, name: url.mailbox),
                      url.uidValidity.map({ $0 == mailbox.uidValidity }) ?? true else {
                    step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                    return step
                }
                guard let key = try await store.urlAuthKey(mailboxID: mailbox.id, create: true) else {
                    step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                    return step
                }
                urls.append(url.rump + ":internal:" + IMAPURLResolver.token(rump: url.rump, key: key))
            }
        } catch {
            step.append(internalErrorResponse(tag, error))
            return step
        }
        step.append(.untagged(.genURLAuth(urls)))
        step.append(.ok(tag, "GENURLAUTH completed"))
        return step
    }

    /// URLFETCH (RFC 4467 §7.2, RFC 5524 §3): the content of each URL this user may fetch, NIL for
    /// the others (a failed URL never fails the command). With parameters: BODYPARTSTRUCTURE,
    /// then BODY or BINARY (RFC 5524 §4).
    func urlFetch(_ tag: String, _ requests: [IMAPURLFetchRequest], account: AccountRecord) async -> IMAPStep {
        var step = IMAPStep()
        let resolver = IMAPURLResolver(directory: directory)
        var items: [IMAPURLFetchItem] = []
        for request in requests {
            var resolved: IMAPURLResolver.Resolved?
            let url = IMAPURL(request.url)
            if let url { resolved = await resolver.authorized(url, requester: .user(account)) }
            guard let url, let resolved else {
                items.append(IMAPURLFetchItem(url: request.url, result: request.parameters == nil ? .plain(nil) : .extended(nil)))
                continue
            }
            let message = resolved.message
            guard let parameters = request.parameters else {
                items.append(IMAPURLFetchItem(url: request.url,
                                              result: .plain(IMAPMessageRenderer.urlContent(message, section: url.section, partial: url.partial))))
                continue
            }
            items.append(IMAPURLFetchItem(url: request.url, result: .extended(Self.urlFetchData(message, url: url, parameters: parameters))))
        }
        step.append(.untagged(.urlFetch(items)))
        step.append(.ok(tag, "URLFETCH completed"))
        return step
    }

    /// The RFC 5524 items of one URL; nil when one cannot be given (no such part, a section that
    /// names a header for BINARY or BODYPARTSTRUCTURE, an unknown transfer encoding).
    static func urlFetchData(_ message: ParsedMessage, url: IMAPURL, parameters: [IMAPURLFetchParameter]) -> IMAPURLFetchData? {
        var data = IMAPURLFetchData()
        let binary = parameters.contains(.binary)
        let path = url.section?.part ?? []
        let partOnly = url.section?.text == nil
        if parameters.contains(.bodyPartStructure) {
            guard partOnly, let structure = binary ? IMAPMessageRenderer.binaryPartStructure(message, path: path)
                : IMAPMessageRenderer.partStructure(message, path: path) else { return nil }
            data.bodyPartStructure = structure
        }
        if parameters.contains(.body) {
            guard let content = IMAPMessageRenderer.urlContent(message, section: url.section, partial: url.partial) else { return nil }
            data.body = content
        }
        if binary {
            guard partOnly, let content = IMAPMessageRenderer.urlBinary(message, path: path) else { return nil }
            data.binary = url.partial?.apply(content) ?? content
        }
        return data
    }

    /// RESETKEY (RFC 4467 §7.3): new access keys for one mailbox, or without a mailbox for all of the
    /// user's; every URL signed with the old keys stops working.
    func resetKey(_ tag: String, mailbox name: String?, mechanisms: [String], account: AccountRecord) async -> IMAPStep {
        var step = IMAPStep()
        if let unknown = mechanisms.first(where: { $0 != IMAPURLResolver.mechanism }) {
            step.append(.no(tag, "Unsupported URLAUTH mechanism \(unknown) (only INTERNAL)"))
            return step
        }
        do {
            var mailboxID: Int64?
            if let name {
                guard let mailbox = try await store.mailbox(accountID: account.id, name: name) else {
                    step.append(.no(tag, .nonExistent, "Mailbox does not exist"))
                    return step
                }
                mailboxID = mailbox.id
            }
            try await store.resetURLAuthKeys(accountID: account.id, mailboxID: mailboxID)
            step.append(.ok(tag, "RESETKEY completed"))
        } catch {
            step.append(internalErrorResponse(tag, error))
        }
        return step
    }
}
