import Foundation
import SchakelProtocol

/// Receipts for publish-only adapters (Protocols/SRP1.md, "Publish-only adapters").
///
/// An adapter that only publishes cannot be answered on its own socket, so the answer to each SUBMIT it publishes,
/// ACCEPTED or REJECTED with its `external_id`, goes to its organisation's durable outbox, in the same transaction as
/// the referral, and is delivered over a DEALER session of that organisation whenever one is connected.
extension ReferralDesk {
    /// A SUBMIT that arrived over a SUB socket: exactly the same as over a session (validation was done by the
    /// caller, idempotency by `(organisation, external_id)` here), plus its ACCEPTED receipt in the outbox.
    /// Returns the receipt.
    func submitPublished(from organisation: String, referral: Referral, canonicalBody: String) throws -> Accepted {
        let answer = try submit(from: organisation, referral: referral, canonicalBody: canonicalBody)
        var accepted = try answer.decode(Accepted.self)
        if accepted.duplicate, let pending = try store.pendingReceipt(to: organisation, .accepted, accepted.externalID)
        {
            // A republish while the first receipt is still unconfirmed: that one answers it, no second copy.
            accepted.messageID = pending
            return accepted
        }
        try insertOutbox(to: organisation, referralID: accepted.referralID, handoverID: nil) {
            accepted.messageID = $0
            return WireMessage(.accepted, encoding: accepted)
        }
        return accepted
    }

    /// Puts the REJECTED receipt of a refused published SUBMIT in the outbox (one unconfirmed copy per external id
    /// and code at a time). Returns the message id.
    @discardableResult
    func enqueueRejection(to organisation: String, _ rejection: Rejection) throws -> String {
        var rejection = rejection
        if let externalID = rejection.externalID,
            let pending = try store.pendingReceipt(to: organisation, .rejected, externalID, code: rejection.code)
        {
            return pending
        }
        return try insertOutbox(to: organisation, referralID: nil, handoverID: nil) {
            rejection.messageID = $0
            return WireMessage(.rejected, encoding: rejection)
        }
    }
}
