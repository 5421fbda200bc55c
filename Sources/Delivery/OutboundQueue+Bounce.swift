import Foundation
import MailCore
import MailStore
import SMTPProtocol

/// Delivery status notifications (RFC 3464) to the envelope sender: never for the null
/// reverse-path (no bounce of a bounce), delivered locally when the sender is ours, queued
/// with a null reverse-path otherwise.
extension OutboundQueue {
    /// Sends a non-delivery notice for recipients refused before queueing (e.g. unknown local users
    /// of a message injected with `tern sendmail`).
    public func notifySender(reversePath: String, arrival: Int64, message: [UInt8], failures: [(recipient: String, reply: SMTPReply)]) async {
        let entry = QueueEntry(id: "pickup", fileID: "", arrival: arrival, size: message.count, reversePath: reversePath,
                               authenticatedUser: nil, pendingRecipients: [], attempts: 0, delayWarned: false)
        await bounce(entry: entry, message: message, failures: failures.map { Failure(recipient: $0.recipient, reply: $0.reply) }, action: .failed)
    }

    func bounce(entry: QueueEntry, message: [UInt8], failures: [Failure], action: DSNRecipient.Action) async {
        guard entry.reversePath != "<>", let sender = EmailAddress(parsingPath: entry.reversePath) else { return }
        let t = now()
        let recipients = failures.map { f in
            DSNRecipient(address: f.recipient, originalRecipient: entry.originalRecipients[f.recipient], action: action,
                         status: f.reply.enhancedCode ?? (f.reply.isPermanent ? "5.0.0" : "4.0.0"),
                         remoteMTA: f.remoteMTA, diagnostic: "smtp; \(f.reply.code) \(f.reply.enhancedCode.map { $0 + " " } ?? "")\(f.reply.lines.joined(separator: " "))",
                         lastAttempt: t)
        }
        let id = MessageID.make()
        let dsn = DeliveryStatusNotification.build(
            hostname: settings.hostname, to: sender.description, envelopeID: entry.dsnEnvelopeID, arrivalDate: entry.arrival, date: t,
            messageID: "\(id)@\(settings.hostname)", recipients: recipients, originalMessage: message,
            returnFullMessage: entry.dsnReturn == "FULL" && action == .failed,
            boundary: "\(id)/\(settings.hostname)")
        await send(dsn, to: sender, about: entry.id, time: t)
        if action == .failed, let copy = settings.postmasterCopy, let postmaster = EmailAddress(parsing: copy), postmaster != sender {
            await send(dsn, to: postmaster, about: entry.id, time: t)
        }
    }

    /// Delivers a notification: locally with trace fields and `Return-Path: <>`, or queued with a null sender.
    func send(_ dsn: [UInt8], to recipient: EmailAddress, about id: String, time t: Int64) async {
        do {
            let spool = try store.makeSpoolFile()
            if settings.localDomains.contains(recipient.asciiDomain) {
                // A local copy gets the trace fields of a final delivery, with the null reverse-path.
                try spool.write(Array("Return-Path: <>\r\nReceived: by \(settings.hostname) (Tern)\r\n\tid \(spool.id); \(RFC5322DateFormatter.format(t))\r\n".utf8))
            }
            try spool.write((settings.signer?(dsn) ?? []) + dsn)
            if settings.localDomains.contains(recipient.asciiDomain) {
                guard let account = try await store.account(address: recipient.lookupKey) else {
                    spool.discard()
                    logger.warning("\(id): <\(recipient)> is local but has no account; notification dropped")
                    return
                }
                _ = try await store.deliver(spool, to: [DeliveryTarget(accountID: account.id)], outbound: nil, internalDate: t)
                logger.info("\(spool.id): sender non-delivery notification for \(id) delivered to <\(recipient)>")
            } else {
                _ = try await store.deliver(spool, to: [], outbound: OutboundEnvelope(reversePath: "<>", recipients: [recipient.description], authenticatedUser: nil),
                                            internalDate: t)
                logger.info("\(spool.id): sender non-delivery notification for \(id) queued for <\(recipient)>")
                wake()
            }
        } catch {
            logger.error("\(id): cannot create the delivery status notification: \(error)")
        }
    }
}
