import SchakelProtocol

/// ACK and DECLINE: a contact answers an offer.
extension Decision {
    /// The handover `id` held by `principal`, or the refusal that says why not.
    func ownHandover(_ id: String, principal: String, command: String) throws(Rejection) -> Handover {
        guard principal.hasPrefix("contact:") else {
            throw Rejection(.forbidden, "only contact persons answer handovers with \(command)")
        }
        guard let handover = referralCase.handover(id) else {
            throw Rejection(.notFound, "no handover \(id)", field: "handover_id")
        }
        guard handover.contact == principal else {
            throw Rejection(.forbidden, "handover \(id) was not offered to \(principal)", field: "handover_id")
        }
        return handover
    }

    mutating func acknowledge(_ handoverID: String, by principal: String) throws(Rejection) -> WireMessage {
        let handover = try ownHandover(handoverID, principal: principal, command: "ACK")
        switch handover.state {
        case .accepted, .contacted, .completed:
            break  // acknowledged before: answer again, change nothing
        case .declined:
            throw Rejection(.conflict, "you declined handover \(handoverID); it has gone to someone else")
        case .offered:
            update(handoverID) { [at] in
                $0.state = .accepted
                $0.ackBy = nil
                $0.updatedAt = at
            }
            emit(.offerSettled(handoverID: handoverID))
            cancelTimers(forHandover: handoverID)
            scheduleAfterAcknowledgement(handoverID, organisation: map.contacts[principal]?.organization ?? "")
            record("acknowledged", handoverID: handoverID, contact: principal)
            let card =
                map.contacts[principal].map(machine.card)
                ?? ContactCard(id: principal, name: principal, organisation: "", organisationName: "")
            send(
                to: referralCase.organisation,
                .notice(
                    Notice(
                        messageID: "", referralID: referralCase.id, externalID: referralCase.externalID,
                        event: .acknowledged, handoverID: handoverID, need: handover.need, contact: card, at: at)))
            updateReferralState()
            log(.info, "handover.acknowledged", ["referral": referralCase.id, "handover": handoverID])
        case .expired:
            throw Rejection(
                .conflict, "handover \(handoverID) expired before it was answered and has gone to someone else")
        case .unroutable, .unowned, .waiting:
            throw Rejection(.notFound, "no handover \(handoverID)")
        case .cancelled:
            if referralCase.isWithdrawn {
                throw Rejection(
                    .conflict, "the referral of handover \(handoverID) was withdrawn and its personal data deleted")
            }
            throw Rejection(
                .conflict, "handover \(handoverID) was withdrawn: you left the social map, so it went to someone else")
        }
        let referral = try requireReferral()
        // An ACK answered again sends the same fields to the same holder: on the record once.
        record(
            "disclosed", handoverID: handoverID, contact: principal,
            detail: ["fields": .array(Disclosure.acknowledgedFields(referral).map { .string($0) })], once: true)
        let need = referral.needs[handover.needIndex]
        return WireMessage(
            .acked,
            encoding: Acked(
                handoverID: handoverID, referralID: referralCase.id,
                need: NeedRef(index: handover.needIndex, domain: need.domain, summary: need.summary),
                urgency: referral.urgency, lifeEvent: referral.lifeEvent, lead: handover.isLead,
                leadContact: handover.isLead ? nil : leadCard(besides: handoverID, holder: principal),
                citizen: referral.citizen,
                referrer: ReferrerView(
                    organisation: referralCase.organisation,
                    organisationName: machine.organisationName(referralCase.organisation),
                    name: referral.referrer.name, phone: referral.referrer.phone, email: referral.referrer.email,
                    role: referral.referrer.role),
                note: referral.note, acknowledgedAt: referralCase.handover(handoverID)?.updatedAt ?? at))
    }

    /// Sets the first-contact deadline (business calendar) and the nazorg moment (wall clock).
    mutating func scheduleAfterAcknowledgement(_ handoverID: String, organisation: String) {
        let rules = policy.policy(for: referralCase.urgency, organisation: organisation)
        let contactBy = policy.calendar.deadline(from: now, adding: rules.firstContactWithin, clock: .business)
        let nazorgAt = policy.calendar.deadline(from: now, adding: rules.nazorgAfter, clock: .wall)
        schedule(.contactDue, subject: handoverID, due: contactBy)
        schedule(.nazorg, subject: handoverID, due: nazorgAt)
        update(handoverID) {
            $0.contactBy = RFC3339.format(contactBy)
            $0.nazorgAt = RFC3339.format(nazorgAt)
        }
    }

    mutating func decline(_ handoverID: String, by principal: String, reason: DeclineReason) throws(Rejection)
        -> WireMessage
    {
        let handover = try ownHandover(handoverID, principal: principal, command: "DECLINE")
        switch handover.state {
        case .declined:
            break  // declined before: answer again
        case .accepted, .contacted, .completed:
            throw Rejection(.conflict, "handover \(handoverID) is already acknowledged; it cannot be declined now")
        case .expired:
            throw Rejection(
                .conflict, "handover \(handoverID) expired before it was answered and has gone to someone else")
        case .unroutable, .unowned, .waiting:
            throw Rejection(.notFound, "no handover \(handoverID)")
        case .cancelled:
            throw Rejection(
                .conflict, "handover \(handoverID) was withdrawn: you left the social map, so it went to someone else")
        case .offered:
            releaseOffer(handoverID, from: principal, as: .declined) { $0.declineReason = reason }
            record("declined", handoverID: handoverID, contact: principal)
            if let contact = map.contacts[principal] {
                send(
                    to: referralCase.organisation,
                    .notice(
                        Notice(
                            messageID: "", referralID: referralCase.id, externalID: referralCase.externalID,
                            event: .declined, handoverID: handoverID, need: handover.need,
                            contact: machine.card(contact).withoutDirectLine, reason: reason, at: at)))
            }
            _ = try requireReferral()
            dropLead(handoverID)
            // Nobody left means unowned, which escalates (to the decliner's coordinator, never the decliner).
            route(
                needIndex: handover.needIndex, lead: handover.isLead, excluding: barred(need: handover.needIndex),
                hadCandidates: true)
            updateReferralState()
            log(
                .info, "handover.declined",
                ["referral": referralCase.id, "handover": handoverID, "reason": reason.rawValue])
        }
        return WireMessage(
            .declined,
            encoding: Declined(
                handoverID: handoverID, reason: referralCase.handover(handoverID)?.declineReason ?? reason))
    }
}
