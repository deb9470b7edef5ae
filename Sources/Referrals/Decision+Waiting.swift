import SchakelProtocol

/// Needs that wait for room, offers whose contact left the map, and needs a coordinator assigns by hand.
extension Decision {
    /// Offers the waiting need `handoverID` if someone qualifies now; otherwise it keeps waiting.
    mutating func retryWaiting(_ handoverID: String) throws(Rejection) {
        guard let handover = referralCase.handover(handoverID), handover.state == .waiting else { return }
        log(.debug, "need.retried", ["referral": referralCase.id, "handover": handoverID])
        _ = try requireReferral()
        offerInPlace(handover)
    }

    /// Offers the need of `handover` (waiting, or unowned) under the same handover id when someone qualifies now; it
    /// leads unless another need already does. Returns whether it was offered.
    @discardableResult
    mutating func offerInPlace(_ handover: Handover) -> Bool {
        let leadElsewhere = referralCase.handovers.contains {
            $0.isLead && $0.id != handover.id && ($0.state == .offered || $0.state.isTaken || $0.state == .waiting)
        }
        let outcome = route(
            needIndex: handover.needIndex, lead: !leadElsewhere, excluding: barred(need: handover.needIndex),
            waitingHandover: handover.id)
        guard outcome == .offered else { return false }
        updateReferralState()
        log(.info, "need.released", ["referral": referralCase.id, "handover": handover.id])
        return true
    }

    /// The offer `handoverID` is pending to a contact who is no longer on the map: withdrawn (CANCELLED
    /// `removed_from_map`) and offered to the next candidate (NOTICE `rerouted`).
    mutating func withdrawFromDepartedContact(_ handoverID: String) throws(Rejection) {
        guard let (handover, contact) = offered(handoverID), map.contacts[contact] == nil else { return }
        withdrawOffer(handoverID, from: contact, as: .cancelled, event: "cancelled", reason: .removedFromMap)
        _ = try requireReferral()
        dropLead(handoverID)
        route(
            needIndex: handover.needIndex, lead: handover.isLead, excluding: barred(need: handover.needIndex),
            event: .rerouted)
        updateReferralState()
        log(.info, "handover.withdrawn", ["referral": referralCase.id, "handover": handoverID, "contact": contact])
    }

    /// Offers the need of the unowned or unroutable handover `handoverID` to `contactID`, on behalf of
    /// `coordinator`. Returns the new handover's id.
    mutating func assign(_ handoverID: String, to contactID: String, by coordinator: String) throws(Rejection)
        -> String
    {
        guard let handover = referralCase.handover(handoverID) else {
            throw Rejection(.notFound, "no handover \(handoverID)", field: "handover_id")
        }
        guard handover.state == .unowned || handover.state == .unroutable else {
            throw Rejection(
                .conflict,
                "handover \(handoverID) is \(handover.state.rawValue); only an unowned or unroutable need is assigned by hand"
            )
        }
        let newest = referralCase.newest(need: handover.needIndex)?.id
        guard newest == handoverID else {
            throw Rejection(.conflict, "the need of \(handoverID) has moved on to \(newest ?? "?")")
        }
        guard let contact = map.contacts[contactID] else {
            throw Rejection(.notFound, "no contact person \(contactID) on the social map")
        }
        guard map.contacts[coordinator] != nil || map.organizations[coordinator] != nil else {
            throw Rejection(.notFound, "no principal \(coordinator) on the social map")
        }
        guard !referralCase.isWithdrawn else {
            throw Rejection(.conflict, "referral \(referralCase.id) was withdrawn; its data is deleted")
        }
        let referral = try requireReferral()
        let domain = referral.needs[handover.needIndex].domain
        guard referral.consent.permits(organisation: contact.organization, domain: domain) else {
            throw Rejection(
                .forbidden,
                "the citizen's consent does not cover \(contact.organization) for \(domain); ask the referrer for consent"
            )
        }
        let leadTaken = referralCase.handovers.contains {
            $0.isLead && ($0.state == .offered || $0.state.isTaken)
        }
        record("assigned", handoverID: handoverID, contact: contactID)
        route(needIndex: handover.needIndex, lead: !leadTaken, excluding: [], assignTo: contact)
        updateReferralState()
        log(.info, "handover.assigned", ["referral": referralCase.id, "contact": contactID, "by": coordinator])
        return referralCase.newest(need: handover.needIndex)?.id ?? ""
    }
}

/// ASSIGN over SRP/1: a coordinator acts on what an escalation or PENDING told them.
extension Decision {
    /// Offers the need of `handoverID` to `contactID` on behalf of `coordinator`, who must coordinate the
    /// organisation the need concerns: the one whose contact holds or held it, or the referring one. The contact named
    /// is a colleague of the coordinator (or, for the referring organisation's coordinator, anyone within the consent).
    /// An offer not yet answered is withdrawn from its contact (CANCELLED `reassigned`); a waiting need is offered in
    /// place. Returns the handover now offered.
    mutating func assignByCoordinator(_ handoverID: String, to contactID: String, by coordinator: String)
        throws(Rejection) -> String
    {
        guard let coordinated = machine.organisation(coordinatedBy: coordinator) else {
            throw Rejection(
                .forbidden,
                "only an organisation's coordinator on the social map assigns a need; \(coordinator) is none")
        }
        guard let handover = referralCase.handover(handoverID) else {
            throw Rejection(.notFound, "no handover \(handoverID)", field: "handover_id")
        }
        let newest = referralCase.newest(need: handover.needIndex)?.id
        guard newest == handoverID else {
            throw Rejection(
                .conflict, "the need of \(handoverID) has moved on to \(newest ?? "?"); assign that one",
                field: "handover_id")
        }
        let forReferrer = referralCase.organisation == coordinated
        let heldInOrganisation = referralCase.handovers.contains {
            $0.needIndex == handover.needIndex && $0.contact.flatMap { map.contacts[$0]?.organization } == coordinated
        }
        let servesIt = map.organizations[coordinated]?.domains.contains(handover.domain) ?? false
        guard forReferrer || heldInOrganisation || servesIt else {
            throw Rejection(
                .forbidden,
                "the need of \(handoverID) is not one of \(coordinated)'s, so its coordinator cannot assign it",
                field: "handover_id")
        }
        guard let contact = map.contacts[contactID] else {
            throw Rejection(.notFound, "no contact person \(contactID) on the social map", field: "contact")
        }
        guard contact.organization == coordinated || forReferrer else {
            throw Rejection(
                .forbidden, "name a colleague: \(contactID) is not a contact of \(coordinated)", field: "contact")
        }
        guard !referralCase.isWithdrawn else {
            throw Rejection(.conflict, "referral \(referralCase.id) was withdrawn; its data is deleted")
        }
        let referral = try requireReferral()
        guard referral.consent.permits(organisation: contact.organization, domain: handover.domain) else {
            throw Rejection(
                .forbidden,
                "the citizen's consent does not cover \(contact.organization) for \(handover.domain); ask the referrer for consent",
                field: "contact")
        }
        var lead = !referralCase.handovers.contains { $0.isLead && ($0.state == .offered || $0.state.isTaken) }
        switch handover.state {
        case .unowned, .unroutable:
            break
        case .waiting:
            lead = !referralCase.handovers.contains {
                $0.isLead && $0.id != handoverID && [.offered, .accepted, .contacted, .completed].contains($0.state)
            }
        case .offered:
            guard let holder = handover.contact, map.contacts[holder]?.organization == coordinated else {
                throw Rejection(
                    .forbidden,
                    "\(handoverID) is offered outside \(coordinated); only its own coordinator re-offers it",
                    field: "handover_id")
            }
            guard holder != contactID else {
                throw Rejection(.conflict, "\(handoverID) is already offered to \(contactID)", field: "contact")
            }
            lead = handover.isLead
            withdrawOffer(handoverID, from: holder, as: .cancelled, event: "cancelled", reason: .reassigned)
            dropLead(handoverID)
        default:
            throw Rejection(
                .conflict,
                "handover \(handoverID) is \(handover.state.rawValue); ASSIGN takes an unowned, unroutable or waiting "
                    + "need, or an offer not yet answered", field: "handover_id")
        }
        record("assigned", handoverID: handoverID, contact: contactID, detail: ["by": .string(coordinator)])
        let waiting = handover.state == .waiting ? handoverID : nil
        route(
            needIndex: handover.needIndex, lead: lead, excluding: [],
            event: handover.state == .offered ? .rerouted : .offered,
            assignTo: contact, waitingHandover: waiting)
        updateReferralState()
        log(.info, "handover.assigned", ["referral": referralCase.id, "contact": contactID, "by": coordinator])
        return referralCase.newest(need: handover.needIndex)?.id ?? ""
    }
}
