/// The kinds of timer the life cycle sets. The row's id is `subject:kind` (``id(for:)``), so each handover (or
/// referral) has at most one timer of each kind.
public enum TimerKind: String, Sendable, CaseIterable {
    /// Remind the contact that the offer waits for an answer.
    case ackReminder = "ack_reminder"
    /// The offer was not answered in time: withdraw and re-route it.
    case ackExpiry = "ack_expiry"
    /// The citizen should have been reached by now (after ACK, until CONTACTED).
    case contactDue = "contact_due"
    /// Time to ask what came of it.
    case nazorg
    /// The nazorg question is unanswered at its deadline: remind once.
    case nazorgAnswer = "nazorg_answer"
    /// Still unanswered after the reminder: record no_answer.
    case nazorgFinal = "nazorg_final"
    /// A waiting need's absent candidate is back: try to offer it again.
    case absenceEnd = "absence_end"
    /// A need nobody holds (waiting, unowned) has waited its policy's interval: offer it if someone can take it
    /// now, else escalate it one level further.
    case escalation
    /// A missed first contact's grace is over: alert the contact's coordinator.
    case contactEscalation = "contact_escalation"
    /// The consent's `expires_at`: withdraw the referral (a referral timer, `<referral_id>:consent_expiry`).
    case consentExpiry = "consent_expiry"
    /// The retention period after the referral closed has passed: purge its personal data (a referral timer).
    case retention

    /// The kinds a handover has; the referral's own are ``referralKinds``.
    public static let handoverKinds: [TimerKind] = [
        .ackReminder, .ackExpiry, .contactDue, .nazorg, .nazorgAnswer, .nazorgFinal, .absenceEnd, .escalation,
        .contactEscalation,
    ]

    /// Timers of a whole referral: their id is `referral_id:kind` and their row has no handover.
    public static let referralKinds: [TimerKind] = [.consentExpiry, .retention]

    public var isReferralTimer: Bool { Self.referralKinds.contains(self) }

    /// The timer's id: its handover's (or referral's) id, then the kind.
    ///
    /// Subject first, so that the timers of one handover sit side by side in the primary key's index: scheduling
    /// or cancelling a reminder and an expiry dirties one page, not two at random places (migration 8).
    public func id(for subject: String) -> String {
        subject + ":" + rawValue
    }
}
