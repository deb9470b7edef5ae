import Foundation
import SchakelProtocol
import SocialMap
import Storage

/// Needs that wait (issue 3): every candidate was away or full. They are offered as soon as a contact has room
/// again (a handover of theirs was declined, expired, completed or withdrawn), an absence ends (a timer at its
/// end), or a reload changes the map.
extension ReferralDesk {
    /// Offers waiting needs, oldest first, to the room the contacts released since the last call made: only needs
    /// such a contact could serve (domain and municipality) are matched again, and it stops as soon as none of them
    /// has room left. (Matching every waiting need of their domains on each release kept the loop busy for minutes
    /// with a few thousand waiting needs.)
    func releaseWaiting() throws {
        guard !releasedContacts.isEmpty else { return }
        let released = releasedContacts.sorted().compactMap { map.contacts[$0] }
        releasedContacts = []
        var withRoom = released.filter { contactLoad.open($0.id) < $0.capacity }
        guard !withRoom.isEmpty else { return }
        let rows = try db.query(
            """
            SELECT h.handover_id, h.domain, r.municipality FROM handovers h
            JOIN referrals r ON r.referral_id = h.referral_id WHERE h.state = 'waiting' ORDER BY h.rowid
            """)
        for row in rows {
            guard let handoverID = row.string("handover_id"), let domain = row.string("domain") else { continue }
            let municipality = row.string("municipality") ?? ""
            guard
                withRoom.contains(where: { $0.domains.contains(domain) && map.serves($0, municipality: municipality) })
            else { continue }
            try retryWaiting(handoverID)
            withRoom.removeAll { contactLoad.open($0.id) >= $0.capacity }
            if withRoom.isEmpty { break }
        }
    }

    /// Tries every waiting need whose domain passes `include`, oldest first.
    func retryWaiting(domains include: (String) -> Bool = { _ in true }) throws {
        let rows = try db.query(
            "SELECT handover_id, domain FROM handovers WHERE state = 'waiting' ORDER BY rowid")
        for row in rows where include(row.string("domain") ?? "") {
            if let handoverID = row.string("handover_id") { try retryWaiting(handoverID) }
        }
    }

    /// Offers the waiting need `handoverID` if someone qualifies now; otherwise it keeps waiting.
    func retryWaiting(_ handoverID: String) throws {
        guard
            let row = try db.queryOne(
                """
                SELECT h.referral_id, h.need_index, h.is_lead, r.organisation FROM handovers h
                JOIN referrals r ON r.referral_id = h.referral_id WHERE h.handover_id = ? AND h.state = 'waiting'
                """, [.text(handoverID)]),
            let referralID = row.string("referral_id")
        else { return }
        let needIndex = row.int("need_index") ?? 0
        logger.debug("need.retried", ["referral": referralID, "handover": handoverID])
        let referral = try storedReferral(referralID)
        let leadElsewhere =
            try db.queryOne(
                """
                SELECT 1 FROM handovers WHERE referral_id = ? AND is_lead = 1 AND handover_id != ?
                  AND state IN ('offered', 'accepted', 'contacted', 'completed', 'waiting')
                """, [.text(referralID), .text(handoverID)]) != nil
        let outcome = try route(
            referralID: referralID, organisation: row.string("organisation") ?? "", referral: referral,
            needIndex: needIndex, lead: !leadElsewhere,
            excluding: try previousHolders(referralID: referralID, needIndex: needIndex),
            waitingHandover: handoverID)
        if outcome == .offered {
            try updateReferralState(referralID)
            logger.info("need.released", ["referral": referralID, "handover": handoverID])
        }
    }

    /// After a reload: every offer still pending to a contact who is no longer on the map is withdrawn (CANCELLED
    /// `removed_from_map`) and offered to the next candidate (NOTICE `rerouted`). Acknowledged handovers stay with
    /// their owner. Returns how many were withdrawn.
    func withdrawOffersOfDepartedContacts() throws -> Int {
        let rows = try db.query(
            """
            SELECT h.handover_id, h.referral_id, h.need_index, h.contact, h.is_lead, r.organisation FROM handovers h
            JOIN referrals r ON r.referral_id = h.referral_id WHERE h.state = 'offered' ORDER BY h.rowid
            """)
        var withdrawn = 0
        for row in rows {
            guard let contact = row.string("contact"), map.contacts[contact] == nil,
                let handoverID = row.string("handover_id"), let referralID = row.string("referral_id")
            else { continue }
            let at = now
            let needIndex = row.int("need_index") ?? 0
            try db.run(
                "UPDATE handovers SET state = 'cancelled', ack_by = NULL, updated_at = ? WHERE handover_id = ?",
                [.text(at), .text(handoverID)])
            changeLoad(of: contact, by: -1)
            try confirmOffer(handoverID, at: at)
            try cancelTimers(forHandover: handoverID)
            try appendEvent(referralID, "cancelled", at: at, handoverID: handoverID, contact: contact)
            try enqueue(
                to: contact, referralID: referralID, handoverID: nil,
                Cancelled(messageID: "", handoverID: handoverID, referralID: referralID, reason: .removedFromMap))
            let referral = try storedReferral(referralID)
            try route(
                referralID: referralID, organisation: row.string("organisation") ?? "", referral: referral,
                needIndex: needIndex, lead: row.bool("is_lead") ?? false,
                excluding: try previousHolders(referralID: referralID, needIndex: needIndex), event: .rerouted)
            try updateReferralState(referralID)
            logger.info("handover.withdrawn", ["referral": referralID, "handover": handoverID, "contact": contact])
            withdrawn += 1
        }
        releasedContacts = []
        return withdrawn
    }
}
