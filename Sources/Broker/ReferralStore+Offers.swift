import Foundation
import SchakelProtocol
import Storage

/// An offer withdrawn from its contact (`ReferralEffect.offerWithdrawn`): whether the contact received it, and what
/// leaves their outbox when they did not.
///
/// An offer's messages to its contact are its HANDOVER, kept in the handover's row since migration 16 (in the outbox
/// before, `handover_id` set, the body kept in part), and its REMINDER (`handover_id` in the body only). Those in the
/// outbox are found through the referral's few outbox rows (`outbox_by_referral`), and a `CASE` keeps
/// `json_extract` off the sealed bodies.
extension ReferralStore {
    /// Whether `contact` received the offer `handoverID`: they confirmed its HANDOVER or REMINDER (RECEIVED; an ACK
    /// or DECLINE would have answered it, not left it to be withdrawn), or one of those messages is in `delivered`,
    /// the ids the broker sent them on a live connection since it started, or was written before that start: an
    /// earlier run may have sent it, and a contact must not be left holding a withdrawn offer its client shows.
    /// Asked before the event's own writes, which settle the offer's HANDOVER.
    func offerSeen(_ handoverID: String, by contact: String, referralKey: Int64, delivered: Set<String>) throws
        -> Bool
    {
        // The offer's HANDOVER in the handover's row (migration 16), its REMINDERs (and a HANDOVER from before
        // version 16) in the outbox.
        let inRow = try db.query(
            """
            SELECT offer_seq AS seq, NULL AS message_id, offer_confirmed_at AS confirmed_at FROM handovers
            WHERE handover_id = ? AND contact = ? AND offer_seq IS NOT NULL
            """, [.text(handoverID), .text(contact)])
        let inOutbox = try db.query(
            """
            SELECT seq, message_id, confirmed_at FROM outbox
            WHERE referral_key = ? AND principal = ?
              AND (CASE command WHEN 'HANDOVER' THEN handover_id
                                WHEN 'REMINDER' THEN \(db.dialect.jsonText("body", "handover_id")) END) = ?
            """, [.integer(referralKey), .text(contact), .text(handoverID)])
        return try (inRow + inOutbox).contains { row in
            let seq = row.int64("seq") ?? 0
            return try row.string("confirmed_at") != nil || seq <= writtenBeforeStart
                || delivered.contains(messageID(seq: seq, stored: row.string("message_id")))
        }
    }

    /// Deletes the offer `handoverID` from the outbox of `contact`, who never received it (``offerSeen``): its
    /// HANDOVER and its REMINDER, none of them confirmed by the contact (a HANDOVER the event settled was settled by
    /// the broker). An offer kept in its handover's row leaves it with the row's write (``OfferWrite/dropped``).
    func dropUnseenOffer(_ handoverID: String, from contact: String, referralKey: Int64) throws {
        let messages = try db.query(
            """
            SELECT seq FROM outbox
            WHERE referral_key = ? AND principal = ?
              AND (CASE command WHEN 'HANDOVER' THEN handover_id
                                WHEN 'REMINDER' THEN \(db.dialect.jsonText("body", "handover_id")) END) = ?
            """, [.integer(referralKey), .text(contact), .text(handoverID)]
        ).compactMap { $0.int64("seq") }
        guard !messages.isEmpty else { return }
        try db.run(
            "DELETE FROM outbox WHERE seq IN (\(db.dialect.jsonArrayIntegers))", [Self.jsonIntegers(messages)])
        for seq in messages { noteSettled(seq) }
    }

    /// Settles the HANDOVER of `handoverID` written before version 16, which the outbox keeps: found through the
    /// referral's outbox rows (outbox_by_referral), as a handover id index would cost the log two random pages per
    /// referral (migration 7).
    func settleOfferInOutbox(_ handoverID: String, key: Int64, at: String) throws {
        let offers = try db.query(
            """
            SELECT seq FROM outbox
            WHERE referral_key = ? AND handover_id = ? AND command = 'HANDOVER' AND confirmed_at IS NULL
            """, [.integer(key), .text(handoverID)]
        ).compactMap { $0.int64("seq") }
        for seq in offers {
            try db.run("UPDATE outbox SET confirmed_at = ? WHERE seq = ?", [.text(at), .integer(seq)])
            noteSettled(seq)
        }
    }

    /// Which of `messageIDs` are in an outbox and not confirmed: what the broker's memory of delivered offers must
    /// keep (a confirmed message answers for itself; a deleted one is asked about no more).
    func unconfirmed(among messageIDs: Set<String>) throws -> Set<String> {
        let rows = try outboxRows(of: messageIDs)
        // Those made from a `seq`, wherever they are kept: the waiting messages are known (``PendingMessages``).
        let bySeq = rows.seqs.filter { pending.owner(of: $0) != nil }
        let stored = try db.query(
            """
            SELECT message_id FROM outbox
            WHERE confirmed_at IS NULL AND message_id IN (\(db.dialect.jsonArrayElements))
            """, [.text(JSONValue.array(rows.stored.sorted().map { .string($0) }).canonicalString())]
        ).compactMap { $0.string("message_id") }
        return Set(try bySeq.map { try messageID(seq: $0, stored: nil) } + stored)
    }
}
