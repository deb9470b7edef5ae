import Foundation
import SchakelProtocol
import SocialMap

/// The SUB intake of publish-only adapters (Protocols/SRP1.md, "Publish-only adapters").
///
/// A published SUBMIT goes through the same parser, validator and idempotency check as one from a DEALER session,
/// inside the same batch transaction. Its answer cannot go back on the adapter's socket, so it becomes a receipt:
/// ACCEPTED or REJECTED in the organisation's durable outbox, and an event on the stream. The adapter republishes
/// until it sees one, which is what makes a PUB/SUB hop reliable.
extension BrokerServer {
    /// What the intake did since start.
    struct IntakeCounts {
        var received = 0
        var accepted = 0
        var duplicates = 0
        var rejected = 0
    }

    /// An event with no event-log row, published only after the batch that caused it committed.
    struct Announcement {
        var type: EventType
        var time: String
        var subject: String?
        var data: EventData
    }

    /// Every subscribe entry whose organisation is not on `map`: the daemon refuses to start with one, because
    /// nothing it publishes could be accepted.
    static func subscribeProblems(_ sources: [SubscribeSource], map: SocialMap) -> [String] {
        sources.enumerated().compactMap { index, source in
            map.organizations[source.organisation] == nil
                ? "subscribe[\(index)].organisation: \(source.organisation) is not an organisation on the social map"
                : nil
        }
    }

    /// The subscribe problems of a config against the social map it names, for `--check-config`; empty when the
    /// map cannot be read (its own problems say why).
    public static func subscribeProblems(_ config: BrokerConfig) -> [String] {
        guard !config.subscribe.isEmpty, let map = try? SocialMap(contentsOf: config.socialMapPath) else { return [] }
        return subscribeProblems(config.subscribe, map: map)
    }

    /// Handles one message from a publish-only adapter inside the batch transaction. Never throws: whatever is
    /// wrong with the message becomes a REJECTED receipt (or, without a readable external id, a log line and an
    /// event), and a storage failure leaves no trace, so the adapter's next republish tries again.
    func handlePublished(_ message: SubscribeIntake.Received, announcing announcements: inout [Announcement]) {
        intakeCounts.received += 1
        let organisation = message.source.organisation
        var externalID: String?
        do throws(Rejection) {
            let wire = try WireMessage.parse(message.frames, maxBodyBytes: config.maxBodyBytes)
            externalID = Self.readableExternalID(wire.body)
            guard wire.command == Command.submit.rawValue else {
                throw Rejection(
                    .forbidden,
                    "a publish-only adapter publishes SUBMIT and nothing else; \(wire.command) needs a DEALER session",
                    command: wire.command)
            }
            guard desk.map.organizations[organisation] != nil else {
                throw Rejection(
                    .unknownPrincipal, "\(organisation) is no longer on the social map", command: wire.command)
            }
            guard case .submit(let referral, let body) = try PeerRequest.parse(wire, referrals: desk.validator) else {
                throw Rejection(.malformed, "not a SUBMIT", command: wire.command)
            }
            externalID = referral.externalID
            do {
                let receipt = try savepoint {
                    try desk.submitPublished(from: organisation, referral: referral, canonicalBody: body)
                }
                if receipt.duplicate {
                    intakeCounts.duplicates += 1
                    // The first receipt's event may have been missed (a slow joiner on the stream): say it again.
                    announcements.append(
                        Announcement(
                            type: .referralAccepted, time: desk.now, subject: receipt.referralID,
                            data: EventData(
                                referralID: receipt.referralID, organisation: organisation,
                                externalID: receipt.externalID, urgency: referral.urgency, duplicate: true)))
                } else {
                    intakeCounts.accepted += 1
                }
                logger.debug(
                    "subscribe.accepted",
                    ["organisation": organisation, "referral": receipt.referralID, "duplicate": "\(receipt.duplicate)"])
            } catch let rejection as Rejection {
                throw rejection
            } catch {
                logger.error(
                    "storage.failed", ["command": "SUBMIT", "organisation": organisation, "error": "\(error)"])
            }
        } catch {
            var rejection = error
            rejection.command = rejection.command ?? "SUBMIT"
            if rejection.externalID == nil { rejection.externalID = externalID }
            reject(published: rejection, from: organisation, announcing: &announcements)
        }
    }

    private func reject(
        published rejection: Rejection, from organisation: String, announcing announcements: inout [Announcement]
    ) {
        intakeCounts.rejected += 1
        logger.info(
            "subscribe.rejected",
            [
                "organisation": organisation, "code": rejection.code.rawValue, "field": rejection.field ?? "-",
                "receipt": rejection.externalID == nil ? "none: no readable external_id" : "outbox",
            ], throttledBy: organisation)
        if rejection.externalID != nil {
            do {
                _ = try savepoint { try desk.enqueueRejection(to: organisation, rejection) }
            } catch {
                logger.error(
                    "storage.failed", ["command": "SUBMIT", "organisation": organisation, "error": "\(error)"])
                return
            }
        }
        announcements.append(
            Announcement(
                type: .submissionRejected, time: desk.now, subject: nil,
                data: EventData(
                    organisation: organisation, externalID: rejection.externalID, code: rejection.code,
                    field: rejection.field)))
    }

    /// The body's `referral.external_id` when it is one the receipt can carry (1 to 128 characters in at most 512
    /// bytes, no control characters), even if the rest of the referral is wrong.
    static func readableExternalID(_ body: JSONValue) -> String? {
        guard let id = body["referral"]?["external_id"]?.stringValue, FieldReader.fits(id, 1...128),
            !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return id
    }

    /// Publishes what the committed batch refused or answered again; dropped with the batch when it rolls back.
    func announce(_ announcements: [Announcement]) {
        guard let events else { return }
        for item in announcements {
            events.publishDirect(type: item.type, time: item.time, subject: item.subject, data: item.data)
        }
    }
}
