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
        // These refusals are final (nothing retries them), so a temporary reply (a full mailbox) is
        // reported with the permanent class: `Status: 5.2.2` (RFC 3463 §3.1, RFC 3464 §2.3.4).
        let final = failures.map { Failure(recipient: $0.recipient, reply: $0.reply, final: true) }
        await bounce(entry: entry, message: message, failures: final, action: .failed)
    }

    func bounce(entry: QueueEntry, message: [UInt8], failures: [Failure], action: DSNRecipient.Action) async {
        guard entry.reversePath != "<>", let sender = EmailAddress(parsingPath: entry.reversePath) else { return }
        let t = now()
        let recipients = failures.map { f in
            var status = f.reply.enhancedCode ?? (f.reply.isPermanent ? "5.0.0" : "4.0.0")
            if f.final, status.hasPrefix("4.") { status = "5." + status.dropFirst(2) }
            return DSNRecipient(address: f.recipient, originalRecipient: entry.originalRecipients[f.recipient], action: action,
                         status: status,
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

    /// Delivers a notification through `LocalDelivery` (aliases and `+tag` apply to a local
    /// recipient, who gets trace fields and `Return-Path: <>`), or queues it with a null sender.
    func send(_ dsn: [UInt8], to recipient: EmailAddress, about id: String, time t: Int64) async {
        do {
            let sink = try store.makeMessageSink()
            let isLocal = delivery.router.isLocal(recipient)
            if isLocal {
                // A local copy gets the trace fields of a final delivery, with the null reverse-path.
                try sink.write(Array("Return-Path: <>\r\nReceived: by \(settings.hostname) (Tern)\r\n\tid \(sink.id); \(RFC5322DateFormatter.format(t))\r\n".utf8))
            }
            try sink.write((settings.signer?(dsn) ?? []) + dsn)
            var context = DeliveryContext(source: .dsn, reversePath: "<>", internalDate: t)
            context.allOrNothing = false
            let report = try await delivery.deliver(sink, to: [recipient],
                                                    outbound: OutboundEnvelope(reversePath: "<>", recipients: [], authenticatedUser: nil),
                                                    context: context)
            switch report.outcomes.first {
            case .stored(let copies)?:
                logger.info("\(sink.id): sender non-delivery notification for \(id) delivered to <\(recipient)> (\(copies.count) cop\(copies.count == 1 ? "y" : "ies"))")
            case .queued?:
                logger.info("\(sink.id): sender non-delivery notification for \(id) queued for <\(recipient)>")
            case .rejected(let reply)?, .deferred(let reply)?:
                logger.warning("\(id): notification to <\(recipient)> dropped: \(reply)")
            case nil:
                break
            }
            if !report.queued.isEmpty { wake() }
        } catch {
            logger.error("\(id): cannot create the delivery status notification: \(error)")
        }
    }
}
