import Delivery
import Foundation
import Logging
import MailCore
import MailStore
import SMTPProtocol

/// Picks up messages that `tern sendmail` left in the maildrop (Postfix `pickup`): each is given
/// a `Received:` line and handed to `LocalDelivery` (local accounts and aliases, quota, or the
/// outbound queue; no relay checks: local submission is trusted); unknown local users and
/// recipients over quota are bounced.
struct MaildropPickup: Sendable {
    let maildrop: Maildrop
    let store: any MailStore
    let delivery: LocalDelivery
    let queue: OutboundQueue
    let hostname: String
    /// This node's id (`[store] node_id`): messages are claimed under it.
    let node: String
    let logger: Logger

    /// Processes every waiting message once: first those this node claimed before and did not
    /// finish, then new ones, each claimed first so that another node never delivers it too.
    func scan() async {
        let mine = maildrop.claimed(node: node) + maildrop.pending().compactMap { maildrop.claim($0, node: node) }
        for id in mine {
            guard let item = maildrop.read(id) else {
                logger.error("maildrop: \(id) is malformed; left in \(maildrop.directory)")
                continue
            }
            if await deliver(item, dropID: id) { maildrop.remove(id) }
        }
    }

    private func deliver(_ item: Maildrop.Item, dropID: String) async -> Bool {
        let now = Int64(Date().timeIntervalSince1970)
        var recipients: [EmailAddress] = []
        var refused: [(recipient: String, reply: SMTPReply)] = []
        for r in item.recipients {
            guard let address = EmailAddress(parsing: r) else {
                refused.append((r, SMTPReply(553, "5.1.3", "bad address syntax: \(r)")))
                continue
            }
            recipients.append(address)
        }
        do {
            if !recipients.isEmpty {
                let sink = try store.makeMessageSink()
                let trace = "Received: by \(hostname) (Tern sendmail)\r\n\tid \(sink.id); \(RFC5322DateFormatter.format(now))\r\n"
                try sink.write(Array("Return-Path: \(item.sender)\r\n".utf8) + Array(trace.utf8) + item.message)
                var context = DeliveryContext(source: .pickup, reversePath: item.sender, internalDate: now)
                context.allOrNothing = false
                let report = try await delivery.deliver(sink, to: recipients,
                                                        outbound: OutboundEnvelope(reversePath: item.sender, recipients: [], authenticatedUser: nil),
                                                        context: context)
                logger.info("\(sink.id): from=\(item.sender), nrcpt=\(item.recipients.count) (maildrop \(dropID))")
                for (address, outcome) in zip(recipients, report.outcomes) {
                    switch outcome {
                    case .stored(let copies):
                        let boxes = Set(copies.map(\.mailbox)).sorted().joined(separator: ", ")
                        logger.info("\(sink.id): to=<\(address)>, relay=local, status=sent (delivered to \(boxes.isEmpty ? "nowhere: dropped by a filter" : boxes))")
                    case .queued:
                        logger.info("\(sink.id): to=<\(address)>, relay=none, status=queued (waiting for outbound delivery)")
                    case .rejected(let reply), .deferred(let reply):
                        // A deferral is final here: the sender already has its answer from sendmail.
                        refused.append((address.description, reply))
                    }
                }
                if !report.queued.isEmpty { queue.wake() }
            }
            if !refused.isEmpty {
                for u in refused { logger.info("maildrop \(dropID): to=<\(u.recipient)>, relay=none, status=bounced (\(u.reply))") }
                await queue.notifySender(reversePath: item.sender, arrival: now, message: item.message, failures: refused)
            }
            return true
        } catch {
            logger.error("maildrop: \(dropID): cannot store the message, will retry: \(error)")
            return false
        }
    }
}
