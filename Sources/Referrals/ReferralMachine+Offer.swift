import SchakelProtocol

extension ReferralMachine {
    /// The HANDOVER of offer `handoverID` as `referralCase` holds it now, without its message id; nil when the
    /// case has no such offer or no longer holds the referral's data (purged).
    ///
    /// The one place an offer is worded: the life cycle sends it when the offer is made, and the broker words it
    /// again when it sends an unconfirmed HANDOVER once more, because the outbox keeps only its changeable fields
    /// (``HandoverOffer/changeableBytes()``; issue 22: two sealed copies of the referral's data per referral were a
    /// third of what a referral wrote). With those fields as sent (``HandoverOffer/withChangeable(_:)``), the rest
    /// comes from the referral as submitted and the handover, which do not change while it is offered: the copy sent
    /// again is the first, byte for byte.
    public func offer(_ handoverID: String, in referralCase: ReferralCase) -> HandoverOffer? {
        guard let referral = referralCase.referral, let handover = referralCase.handover(handoverID),
            let holder = handover.contact, let offeredAt = handover.offeredAt,
            referral.needs.indices.contains(handover.needIndex)
        else { return nil }
        let need = referral.needs[handover.needIndex]
        return HandoverOffer(
            messageID: "", handoverID: handoverID, referralID: referralCase.id,
            need: NeedRef(index: handover.needIndex, domain: need.domain, summary: need.summary),
            urgency: referral.urgency, lifeEvent: referral.lifeEvent, citizen: referral.citizen.offerView,
            referrer: ReferrerView(
                organisation: referralCase.organisation, organisationName: organisationName(referralCase.organisation)
            ),
            lead: handover.isLead,
            leadContact: handover.isLead
                ? nil : leadCard(in: referralCase, besides: handoverID, holder: holder)?.withoutDirectLine,
            offeredAt: offeredAt, ackBy: handover.ackBy)
    }

    /// The card of the contact who leads `referralCase`, when that is someone other than `holder`, who holds
    /// `handoverID`: with the direct line once the lead has acknowledged, without it while the lead is only offered.
    func leadCard(in referralCase: ReferralCase, besides handoverID: String, holder: String) -> ContactCard? {
        guard let lead = referralCase.lead(besides: handoverID),
            let contact = lead.contact.flatMap({ map.contacts[$0] }), contact.id != holder
        else { return nil }
        let card = card(contact)
        return lead.state == .offered ? card.withoutDirectLine : card
    }
}
