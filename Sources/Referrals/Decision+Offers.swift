import SchakelProtocol

/// An offer leaving its contact: the steps every way out shares (a decline, a lapse, a contact who left the map, a
/// coordinator's re-offer), so that none of them forgets the load, the outbox or a deadline.
extension Decision {
    /// Ends the offer `handoverID` to `contact` in `state`: the contact's load drops, the offer is never sent again,
    /// and its deadlines go. `change` sets what else the new state carries (a decline's reason).
    mutating func releaseOffer(
        _ handoverID: String, from contact: String, as state: HandoverState,
        _ change: (inout Handover) -> Void = { _ in }
    ) {
        update(handoverID) { [at] handover in
            handover.state = state
            handover.ackBy = nil
            handover.updatedAt = at
            change(&handover)
        }
        changeLoad(of: contact, by: -1)
        emit(.offerSettled(handoverID: handoverID))
        cancelTimers(forHandover: handoverID)
    }

    /// Takes the unanswered offer `handoverID` back from `contact` (``releaseOffer(_:from:as:_:)``), records it as
    /// `event`, and tells the contact with CANCELLED `reason` if they received the offer
    /// (``tellWithdrawn(_:from:event:reason:)``).
    mutating func withdrawOffer(
        _ handoverID: String, from contact: String, as state: HandoverState, event: String, reason: CancelReason
    ) {
        releaseOffer(handoverID, from: contact, as: state)
        tellWithdrawn(handoverID, from: contact, event: event, reason: reason)
    }

    /// Records the unanswered offer `handoverID` as taken back from `contact` (`event`) and tells them with CANCELLED
    /// `reason`, only if they received the offer: one they never saw leaves their outbox with its REMINDER instead, so
    /// that a contact who was away hears nothing of it. Whether they received it is the broker's to know (what it
    /// delivered, what was confirmed), so the machine hands over the decision as data:
    /// ``ReferralEffect/offerWithdrawn(handoverID:contact:entry:cancelled:)``.
    mutating func tellWithdrawn(_ handoverID: String, from contact: String, event: String, reason: CancelReason) {
        emit(
            .offerWithdrawn(
                handoverID: handoverID, contact: contact,
                entry: AuditEntry(event, at: at, handoverID: handoverID, contact: contact),
                cancelled: .cancelled(
                    Cancelled(messageID: "", handoverID: handoverID, referralID: referralCase.id, reason: reason))))
    }
}
