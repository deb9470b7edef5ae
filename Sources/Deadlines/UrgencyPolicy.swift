import SchakelProtocol

/// The clock a referral of one urgency runs on: how long a contact has to answer an offer,
/// when they are reminded, how often it may be re-routed, and when nazorg asks what came of it.
public struct UrgencyPolicy: Sendable, Equatable {
    public var acknowledgeWithin: ISODuration
    public var acknowledgeClock: BusinessCalendar.Clock
    /// The reminder goes out at this fraction of the acknowledgement deadline (0 < f < 1).
    public var reminderAt: Double
    public var maxReroutes: Int
    public var firstContactWithin: ISODuration
    public var nazorgAfter: ISODuration
    public var nazorgAnswerWithin: ISODuration
    /// How long a need may wait for a contact with room before its first ESCALATION (zero: at once), on the
    /// acknowledgement's clock.
    public var escalateWaitingAfter: ISODuration
    /// How often a need nobody holds (waiting or unowned) is escalated again, each time one level further, on the
    /// acknowledgement's clock.
    public var escalateEvery: ISODuration
    /// How long after a missed first contact (``firstContactWithin``) the contact's coordinator is alerted, on the
    /// business calendar.
    public var firstContactGrace: ISODuration

    public init(
        acknowledgeWithin: ISODuration, acknowledgeClock: BusinessCalendar.Clock, reminderAt: Double,
        maxReroutes: Int, firstContactWithin: ISODuration, nazorgAfter: ISODuration, nazorgAnswerWithin: ISODuration,
        escalateWaitingAfter: ISODuration, escalateEvery: ISODuration, firstContactGrace: ISODuration
    ) {
        self.acknowledgeWithin = acknowledgeWithin
        self.acknowledgeClock = acknowledgeClock
        self.reminderAt = reminderAt
        self.maxReroutes = maxReroutes
        self.firstContactWithin = firstContactWithin
        self.nazorgAfter = nazorgAfter
        self.nazorgAnswerWithin = nazorgAnswerWithin
        self.escalateWaitingAfter = escalateWaitingAfter
        self.escalateEvery = escalateEvery
        self.firstContactGrace = firstContactGrace
    }

    /// The defaults of issue 4: crisis PT2H on the wall clock and escalated at once, urgent PT8H
    /// and normal P3D on the business calendar; first contact within P5D, nazorg after P8W,
    /// answered within P14D. A need nobody holds escalates (issue 23): a crisis at once and again every hour, day
    /// and night; an urgent one after half a working day and again every working day; a normal one after two working
    /// days and again every two. A missed first contact reaches the coordinator four working hours later for a
    /// crisis, a working day for the rest.
    public static func standard(_ urgency: Urgency) -> UrgencyPolicy {
        func d(_ text: String) -> ISODuration { ISODuration(text)! }
        switch urgency {
        case .crisis:
            return UrgencyPolicy(
                acknowledgeWithin: d("PT2H"), acknowledgeClock: .wall, reminderAt: 0.5, maxReroutes: 0,
                firstContactWithin: d("P1D"), nazorgAfter: d("P8W"), nazorgAnswerWithin: d("P14D"),
                escalateWaitingAfter: d("PT0S"), escalateEvery: d("PT1H"), firstContactGrace: d("PT4H"))
        case .urgent:
            return UrgencyPolicy(
                acknowledgeWithin: d("PT8H"), acknowledgeClock: .business, reminderAt: 0.5, maxReroutes: 2,
                firstContactWithin: d("P5D"), nazorgAfter: d("P8W"), nazorgAnswerWithin: d("P14D"),
                escalateWaitingAfter: d("PT4H"), escalateEvery: d("PT8H"), firstContactGrace: d("PT8H"))
        case .normal:
            return UrgencyPolicy(
                acknowledgeWithin: d("P3D"), acknowledgeClock: .business, reminderAt: 0.5, maxReroutes: 2,
                firstContactWithin: d("P5D"), nazorgAfter: d("P8W"), nazorgAnswerWithin: d("P14D"),
                escalateWaitingAfter: d("P2D"), escalateEvery: d("P2D"), firstContactGrace: d("PT8H"))
        }
    }
}
