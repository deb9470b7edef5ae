import Foundation
import Referrals
import SchakelProtocol

/// What a coordinator does over SRP/1: see what is pending at their organisation (PENDING) and name a colleague for
/// a need (ASSIGN). A coordinator is the contact the social map names as an organisation's `coordinator`.
extension ReferralDesk {
    /// PENDING: the organisation's unanswered offers, open and overdue cases, the waiting needs it could take and
    /// the unowned needs its contacts let lapse (or that its own referrals left unowned).
    func pending(from principal: String) throws -> WireMessage {
        guard let organisation = machine.organisation(coordinatedBy: principal) else {
            throw Rejection(
                .forbidden, "PENDING lists an organisation's handovers for its coordinator; \(principal) is none")
        }
        let contacts = Set(map.contacts.values.filter { $0.organization == organisation }.map(\.id))
        let served = map.organizations[organisation]
        var listed: [PendingHandover] = []
        for row in try store.pendingHandovers(heldBy: contacts) {
            let h = row.handover
            let kind: PendingHandover.Kind
            let since: String
            let due: String?
            switch h.state {
            case .offered:
                kind = .offered
                since = h.offeredAt ?? h.updatedAt
                due = h.ackBy
            case .accepted where row.isOverdue:
                kind = .overdue
                since = h.contactBy ?? h.updatedAt
                due = h.contactBy
            case .accepted:
                kind = .open
                since = h.updatedAt
                due = h.contactBy
            case .waiting:
                guard let served, served.domains.contains(h.domain), served.serves(municipality: row.municipality)
                else { continue }
                kind = .waiting
                since = h.createdAt
                due = nil
            case .unowned:
                let lapsedHere = row.lapsedContact.map { contacts.contains($0) } ?? false
                guard lapsedHere || row.referrer == organisation else { continue }
                kind = .unowned
                since = h.updatedAt
                due = nil
            default:
                continue
            }
            listed.append(
                PendingHandover(
                    kind: kind, handoverID: h.id, referralID: row.referralID, need: h.need, urgency: row.urgency,
                    municipality: row.municipality, state: h.state, contact: h.contact ?? row.lapsedContact, due: due,
                    since: since))
        }
        let first: Set<PendingHandover.Kind> = [.overdue, .unowned]
        listed.sort { a, b in
            (first.contains(a.kind) ? 0 : 1, a.since, a.handoverID) < (
                first.contains(b.kind) ? 0 : 1, b.since, b.handoverID
            )
        }
        return WireMessage(.pendingList, encoding: PendingList(organisation: organisation, handovers: listed))
    }

    /// ASSIGN from a coordinator: the need of `handoverID` goes to `contact` (see
    /// ``ReferralEvent/coordinatorAssign(handoverID:to:by:)``).
    func assign(from principal: String, handoverID: String, to contact: String) throws -> WireMessage {
        let event = ReferralEvent.coordinatorAssign(handoverID: handoverID, to: contact, by: principal)
        guard machine.organisation(coordinatedBy: principal) != nil else {
            throw Rejection(
                .forbidden, "only an organisation's coordinator on the social map assigns a need; \(principal) is none")
        }
        guard let referralCase = try store.loadCase(handover: handoverID, referral: true) else {
            throw Rejection(
                .notFound,
                "there is no handover \(handoverID); take its id from PENDING or from an ESCALATION's need_handover_id",
                field: "handover_id")
        }
        return try run(event, on: referralCase).reply ?? WireMessage(.pong)
    }
}
