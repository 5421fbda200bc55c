import Delivery
import Foundation
import Logging
import MailCore
import MailStore
import SMTPProtocol

/// Picks up messages that `tern sendmail` left in the maildrop (Postfix `pickup`): each is given
/// a `Received:` line, routed (local accounts and aliases, or the outbound queue; no relay checks:
/// local submission is trusted) and committed like SMTP mail; unknown local users are bounced.
struct MaildropPickup: Sendable {
    let maildrop: Maildrop
    let store: any MailStore
    let router: RecipientRouter
    let queue: OutboundQueue
    let hostname: String
    let logger: Logger

    /// Processes every waiting message once.
    func scan() async {
        for id in maildrop.pending() {
            guard let item = maildrop.read(id) else {
                logger.error("maildrop: \(id) is malformed; left in \(maildrop.directory)")
                continue
            }
            if await deliver(item, dropID: id) { maildrop.remove(id) }
        }
    }

    private func deliver(_ item: Maildrop.Item, dropID: String) async -> Bool {
        let now = Int64(Date().timeIntervalSince1970)
        var accounts: [Int64] = []
        var remote: [String] = []
        var unknown: [(recipient: String, reply: SMTPReply)] = []
        for r in item.recipients {
            guard let address = EmailAddress(parsing: r) else {
                unknown.append((r, SMTPReply(553, "5.1.3", "bad address syntax: \(r)")))
                continue
            }
            guard router.isLocal(address) else { remote.append(address.description); continue }
            do {
                let (local, aliasRemote) = try await router.resolve(address)
                if local.isEmpty, aliasRemote.isEmpty {
                    unknown.append((address.description, SMTPReply(550, "5.1.1", "<\(address)>: Recipient address rejected: User unknown in local recipient table")))
                }
                accounts += local
                remote += aliasRemote
            } catch {
                logger.warning("maildrop: \(dropID): lookup failed, will retry: \(error)")
                return false
            }
        }
        do {
            if !accounts.isEmpty || !remote.isEmpty {
                let spool = try store.makeSpoolFile()
                let trace = "Received: by \(hostname) (Tern sendmail)\r\n\tid \(spool.id); \(RFC5322DateFormatter.format(now))\r\n"
                try spool.write(Array("Return-Path: \(item.sender)\r\n".utf8) + Array(trace.utf8) + item.message)
                let outbound = remote.isEmpty ? nil : OutboundEnvelope(reversePath: item.sender, recipients: remote, authenticatedUser: nil)
                _ = try await store.deliver(spool, to: Array(Set(accounts)).sorted().map { DeliveryTarget(accountID: $0) }, outbound: outbound, internalDate: now)
                logger.info("\(spool.id): from=\(item.sender), nrcpt=\(item.recipients.count) (maildrop \(dropID))")
                for r in remote { logger.info("\(spool.id): to=<\(r)>, relay=none, status=queued (waiting for outbound delivery)") }
                if !accounts.isEmpty { logger.info("\(spool.id): \(accounts.count) local cop\(accounts.count == 1 ? "y" : "ies"), relay=local, status=sent (delivered to INBOX)") }
                if outbound != nil { queue.wake() }
            }
            if !unknown.isEmpty {
                for u in unknown { logger.info("maildrop \(dropID): to=<\(u.recipient)>, relay=none, status=bounced (\(u.reply))") }
                await queue.notifySender(reversePath: item.sender, arrival: now, message: item.message, failures: unknown)
            }
            return true
        } catch {
            logger.error("maildrop: \(dropID): cannot store the message, will retry: \(error)")
            return false
        }
    }
}
