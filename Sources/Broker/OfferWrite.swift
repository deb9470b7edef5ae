/// What one event did to the offer a handover's row keeps (migration 16: an offer's HANDOVER lives in its
/// handover's row, not in the outbox), gathered while ``ReferralStore/apply(_:to:at:delivered:givesCitizenCode:)``
/// walks the effects and written with the row once, after the walk.
///
/// The walk can meet several steps for one handover (an offer settled and a new one made, when a lapse re-routes
/// the need), and only the last state of the row is written, so each step returns the state it leaves.
enum OfferWrite: Equatable {
    /// A new offer: its outbox `seq`, what the outbox keeps of it, and when it was confirmed (settled in the same
    /// event) or nil.
    case offered(seq: Int64, kept: String, confirmedAt: String?)
    /// The row's offer, written by an earlier event, is settled: never sent again.
    case settled(at: String)
    /// The row's offer is gone: withdrawn before its contact saw it.
    case dropped

    /// The `seq` of a new offer; nil for what the event did to an earlier one.
    var seq: Int64? {
        if case .offered(let seq, _, _) = self { seq } else { nil }
    }

    /// The offer is settled at `at`: a new one is kept as confirmed, one from earlier is marked so.
    func settled(at: String) -> OfferWrite {
        switch self {
        case .offered(let seq, let kept, nil): .offered(seq: seq, kept: kept, confirmedAt: at)
        case .offered, .settled, .dropped: self
        }
    }
}
