import SchakelProtocol

/// What can happen to a referral after it was submitted: a peer's request, a deadline, a change of the map.
///
/// SUBMIT is not here: it makes a case rather than changing one (``ReferralMachine/submit(_:from:canonicalBody:existing:now:load:)``).
public enum ReferralEvent: Sendable, Equatable {
    /// ACK from a contact.
    case acknowledge(handoverID: String, by: String)
    /// DECLINE from a contact.
    case decline(handoverID: String, by: String, reason: DeclineReason)
    /// CONTACTED from the contact who holds the handover; `at` defaults to now.
    case contacted(handoverID: String, by: String, at: String?, channel: Channel?)
    /// OUTCOME from the referrer or the contact.
    case outcome(handoverID: String, by: String, result: OutcomeResult, note: String?)
    /// REOPEN from the referrer.
    case reopen(by: String, reason: String)
    /// WITHDRAW from the referrer.
    case withdraw(by: String, reason: WithdrawReason)
    /// CITIZEN_WITHDRAW: the citizen withdrew their consent through the portal `by`.
    case citizenWithdraw(by: String)
    /// The citizen's right to erasure, carried out by an operator.
    case erase(by: String)
    /// The operator purges the personal data now (admin `purge`, retention shortened since the referral closed).
    case purge(reason: String)
    /// A coordinator names `contact` for the unowned or unroutable need of `handoverID`.
    case assign(handoverID: String, to: String, by: String)
    /// A coordinator (SRP/1 ASSIGN) names `contact`, a colleague, for a need of their organisation: an unowned,
    /// unroutable or waiting need, or an offer a colleague has not answered yet (re-offered).
    case coordinatorAssign(handoverID: String, to: String, by: String)
    /// A timer of the case fired.
    case timerFired(TimerKind, handoverID: String?)
    /// The contact holding the open offer `handoverID` is no longer on the map.
    case contactLeftMap(handoverID: String)
    /// A contact has room again (or came back): try the waiting need `handoverID`.
    case capacityFreed(handoverID: String)
}

extension ReferralEvent {
    /// Whether deciding the event reads the referral's personal data (to route a need again, or to answer an ACK
    /// with the citizen's details). The store opens and decodes the sealed referral only for these, so that every
    /// other event costs no decryption and works even when the data key of an old row is not at hand.
    public var needsReferral: Bool {
        switch self {
        case .acknowledge, .decline, .reopen, .assign, .coordinatorAssign, .contactLeftMap, .capacityFreed:
            true
        case .timerFired(let kind, _):
            kind == .ackExpiry || kind == .absenceEnd || kind == .escalation
        case .contacted, .outcome, .withdraw, .citizenWithdraw, .erase, .purge:
            false
        }
    }
}
