import Accounts
import Crypto
import Foundation
import IMAPProtocol
import MailCore
import MailStore

/// Resolves IMAP URLs ([RFC 5092](https://datatracker.ietf.org/doc/html/rfc5092)) against Tern's own
/// store, and signs and checks their URLAUTH verifiers ([RFC 4467](https://datatracker.ietf.org/doc/html/rfc4467)).
/// Shared by IMAP (CATENATE, GENURLAUTH, URLFETCH) and SMTP submission (BURL, RFC 4468), which need
/// no IMAP connection: the URLs name mailboxes of this very server.
///
/// Mechanism `INTERNAL`: the verifier is HMAC-SHA256 of the rump URL (everything up to and including
/// `;URLAUTH=access`) under the mailbox's access key (``URLAuthKeyStore``), as 64 lower-case hex digits.
public struct IMAPURLResolver: Sendable {
    /// Who wants the content of a URL: an IMAP user (URLFETCH, CATENATE) or the submission server
    /// acting for a user who authenticated to it (BURL).
    public enum Requester: Sendable {
        case user(AccountRecord)
        case submission(AccountRecord)

        var account: AccountRecord {
            switch self {
            case .user(let a), .submission(let a): a
            }
        }
    }

    /// A message a URL named, with the parsed octets.
    public struct Resolved: Sendable {
        public var mailbox: MailboxRecord
        public var record: MessageRecord
        public var message: ParsedMessage
    }

    /// The one URLAUTH mechanism Tern offers (RFC 4467 §7).
    public static let mechanism = "INTERNAL"

    let store: any MailStore
    let directory: AccountDirectory

    /// A resolver over the directory's store.
    public init(directory: AccountDirectory) {
        self.directory = directory
        self.store = directory.store
    }

    /// The verifier of `rump` under `key`: HMAC-SHA256, lower-case hex.
    static func token(rump: String, key: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(rump.utf8), using: SymmetricKey(data: key))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// The account whose mailbox an absolute URL names: `user@domain` as written, else `user` with the
    /// URL's host as domain, else `user` as a login name. Nil for a URL without a user.
    func owner(of url: IMAPURL) async throws -> AccountRecord? {
        guard let user = url.user else { return nil }
        if !user.contains("@"), let host = url.host, let account = try await directory.account(forLogin: "\(user)@\(host)") {
            return account
        }
        return try await directory.account(forLogin: user)
    }

    /// Whether an access identifier's user is this account.
    func names(_ user: String, _ account: AccountRecord) async -> Bool {
        guard let found = try? await directory.account(forLogin: user) else { return false }
        return found.id == account.id
    }

    /// The message a URLAUTH-authorized URL names, when `requester` may fetch it now: the verifier
    /// matches the mailbox's current key (RFC 4467 §7.2), the URL has not expired, and the access
    /// identifier admits the requester (`submit+` only the submission server for that user, `user+`
    /// only that user, `authuser` any user, `anonymous` anyone). Nil otherwise.
    public func authorized(_ url: IMAPURL, requester: Requester, now: Int64 = Int64(Date().timeIntervalSince1970)) async -> Resolved? {
        guard let access = url.access, let mechanism = url.mechanism, let token = url.token,
              mechanism.uppercased() == Self.mechanism else { return nil }
        if let expire = url.expire, expire <= now { return nil }
        switch (access, requester) {
        case (.anonymous, _), (.authUser, .user): break
        case (.user(let id), .user(let account)), (.submit(let id), .submission(let account)):
            guard await names(id, account) else { return nil }
        default: return nil
        }
        guard let owner = try? await owner(of: url),
              let mailbox = try? await store.mailbox(accountID: owner.id, name: url.mailbox),
              let key = try? await store.urlAuthKey(mailboxID: mailbox.id, create: false) else { return nil }
        // Constant-time comparison of the verifier.
        let expected = Array(Self.token(rump: url.rump, key: key).utf8), given = Array(token.utf8)
        guard expected.count == given.count, zip(expected, given).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { return nil }
        return await message(url, in: mailbox)
    }

    /// The message a URL names in `account`'s own mailboxes (CATENATE without URLAUTH, RFC 4469 §3):
    /// a relative URL, or an absolute one whose user is that account. Nil when there is none.
    public func own(_ url: IMAPURL, account: AccountRecord) async -> Resolved? {
        if url.isAbsolute {
            guard let owner = try? await owner(of: url), owner.id == account.id else { return nil }
        }
        guard let mailbox = try? await store.mailbox(accountID: account.id, name: url.mailbox) else { return nil }
        return await message(url, in: mailbox)
    }

    /// The message `url` names in `mailbox` (its UIDVALIDITY must match when given).
    func message(_ url: IMAPURL, in mailbox: MailboxRecord) async -> Resolved? {
        if let validity = url.uidValidity, validity != mailbox.uidValidity { return nil }
        guard let snapshot = try? await store.snapshot(mailboxID: mailbox.id) else { return nil }
        let messages = snapshot.messages
        let i = IMAPSession.partitionPoint(messages) { $0 < url.uid }
        guard i < messages.count, messages[i].uid == url.uid,
              let bytes = try? await store.messageBytes(fileID: messages[i].fileID) else { return nil }
        return Resolved(mailbox: snapshot.mailbox, record: messages[i], message: ParsedMessage(bytes))
    }

    /// The content a URL names for a CATENATE part or a BURL: URLAUTH URLs are checked for
    /// `requester`, others resolve in the requester's own mailboxes (IMAP only: BURL needs URLAUTH).
    /// Nil when the URL is malformed, not allowed, or names nothing.
    public func content(_ text: String, requester: Requester) async -> [UInt8]? {
        guard let url = IMAPURL(text) else { return nil }
        let resolved: Resolved?
        if url.access != nil {
            resolved = await authorized(url, requester: requester)
        } else if case .user(let account) = requester {
            resolved = await own(url, account: account)
        } else {
            resolved = nil
        }
        guard let resolved else { return nil }
        return IMAPMessageRenderer.urlContent(resolved.message, section: url.section, partial: url.partial)
    }
}
