import Foundation
import Referrals
import SchakelProtocol
import SocialMap

/// The citizen's own view (SRP1.md): the code on the first ACCEPTED, a new code for the referrer, and the three
/// commands a portal sends with a code. Every refusal of a code is the same `not_found`, so that an answer never
/// tells a wrong code from the code of a purged referral.
extension ReferralDesk {
    /// The answer to every code that opens nothing.
    static let unknownCitizenCode = Rejection(
        .notFound, "no referral has this citizen code; check the 16 characters with the citizen",
        field: "citizen_code")

    /// A first ACCEPTED with the citizen's `code` added (its digest was written with the referral, in the same
    /// transaction, so a code handed out always works). Any other reply is returned as it is.
    func withCitizenCode(_ code: String?, _ transition: ReferralMachine.Transition) -> WireMessage {
        guard let code, var accepted = transition.accepted, !accepted.duplicate else {
            return transition.reply ?? WireMessage(.pong)
        }
        accepted.citizenCode = code
        return accepted.wireMessage
    }

    /// A fresh code for `referralID`; the old one stops working.
    private func issueCitizenCode(_ referralID: String) throws -> String {
        guard let key = try store.referralKey(referralID) else {
            throw Rejection(.notFound, "no referral with that id", field: "referral_id")
        }
        let code = try store.newCitizenCode(key: key)
        try store.setCitizenCode(referralID, stored: code.stored)
        return code.code
    }

    /// NEW_CITIZEN_CODE from the referring organisation.
    func newCitizenCode(from principal: String, query: StatusQuery) throws -> WireMessage {
        guard principal.hasPrefix("org:") else {
            throw Rejection(.forbidden, "only the referring organisation asks a new citizen code", field: "referral_id")
        }
        let referralID = try referralID(query, namedBy: principal)
        guard let referralCase = try store.loadCase(referralID, referral: false) else {
            throw Rejection(.notFound, "no referral with that id", field: "referral_id")
        }
        guard referralCase.organisation == principal else {
            throw Rejection(
                .forbidden, "only the referring organisation asks a new citizen code for \(referralID)",
                field: "referral_id")
        }
        guard !referralCase.isPurged else {
            throw Rejection(
                .conflict, "\(referralID) is purged: there is nothing left for a citizen to see", field: "referral_id")
        }
        let code = try issueCitizenCode(referralID)
        try store.appendEvent(referralID, AuditEntry("citizen.code_renewed", at: now, contact: principal))
        return WireMessage(.citizenCode, encoding: IssuedCitizenCode(referralID: referralID, citizenCode: code))
    }

    /// The referral a code opens for a portal, its personal data loaded; `not_found` for every code that opens
    /// nothing (wrong, malformed, purged).
    private func citizenCase(_ typed: String, for principal: String) throws -> ReferralCase {
        guard principal.hasPrefix("portal:") else {
            throw Rejection(.forbidden, "only a portal (portal:…) asks with a citizen's code")
        }
        guard let canonical = CitizenCode.canonical(typed),
            let referralID = try store.referralID(citizenCode: canonical),
            let referralCase = try store.loadCase(referralID, referral: true), referralCase.referral != nil,
            !referralCase.isPurged, !referralCase.isWithdrawn
        else { throw Self.unknownCitizenCode }
        return referralCase
    }

    /// CITIZEN_STATUS: the referral as its citizen may see it. The view is on the audit trail, without the code.
    func citizenStatus(from principal: String, code: String) throws -> WireMessage {
        let referralCase = try citizenCase(code, for: principal)
        let view = try citizenView(referralCase)
        try store.appendEvent(referralCase.id, AuditEntry("citizen.viewed", at: now, contact: principal))
        return WireMessage(.citizen, encoding: view)
    }

    /// CITIZEN_WITHDRAW: the referrer's WITHDRAW with `consent_withdrawn`, the referrer told.
    func citizenWithdraw(from principal: String, code: String) throws -> WireMessage {
        let referralCase = try citizenCase(code, for: principal)
        try store.appendEvent(referralCase.id, AuditEntry("citizen.withdrew", at: now, contact: principal))
        let reply = try run(.citizenWithdraw(by: principal), on: referralCase).reply
        try releaseWaiting()
        return reply ?? WireMessage(.pong)
    }

    /// CITIZEN_ANSWER: the citizen's own nazorg answer, kept beside the referrer's and the contact's.
    func citizenAnswer(from principal: String, code: String, need: Int, result: OutcomeResult) throws -> WireMessage {
        let referralCase = try citizenCase(code, for: principal)
        guard let handover = referralCase.newest(need: need), handover.answerBy != nil else {
            throw Rejection(.conflict, "nazorg does not ask about need \(need) now", field: "need")
        }
        try store.appendEvent(
            referralCase.id,
            AuditEntry(
                "citizen.answered", at: now, handoverID: handover.id, contact: principal,
                detail: ["result": .string(result.rawValue)]))
        return WireMessage(
            .noted, encoding: Noted(event: .citizenAnswered, referralID: referralCase.id, handoverID: handover.id))
    }

    /// The CITIZEN body: the needs and who helps, the consent, and every disclosure of the audit trail.
    func citizenView(_ referralCase: ReferralCase) throws -> CitizenView {
        guard let referral = referralCase.referral else { throw Self.unknownCitizenCode }
        let trail = try store.auditTrail(referralCase.id)
        let answers = try store.citizenAnswers(referralCase.id)
        var takenAt: [String: String] = [:]
        for event in trail where event["event"] == "acknowledged" {
            if let id = event["handover_id"]?.stringValue, takenAt[id] == nil {
                takenAt[id] = event["at"]?.stringValue
            }
        }
        let needs = referral.needs.enumerated().map { index, need in
            citizenNeed(
                index: index, need: need, handover: referralCase.newest(need: index), takenAt: takenAt,
                answers: answers)
        }
        let disclosures: [CitizenView.Disclosed] = trail.compactMap { event in
            guard event["event"] == "disclosed", let at = event["at"]?.stringValue,
                let principal = event["principal"]?.stringValue
            else { return nil }
            let fields = event["detail"]?["fields"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let card = map.contacts[principal].map(machine.card) ?? heldCard(principal, in: referralCase)
            return CitizenView.Disclosed(
                at: at, organisation: card?.organisation ?? "", organisationName: card?.organisationName ?? "",
                role: card?.role, what: fields.contains("citizen.display_name") ? .details : .offer)
        }
        return CitizenView(
            state: referralCase.state, urgency: referralCase.urgency, submittedAt: referralCase.createdAt,
            language: referral.citizen.language,
            referrer: CitizenView.Referrer(
                organisation: referralCase.organisation,
                organisationName: machine.organisationName(referralCase.organisation)),
            needs: needs, consent: citizenConsent(referral.consent), disclosures: disclosures)
    }

    private func citizenNeed(
        index: Int, need: Need, handover: Handover?, takenAt: [String: String], answers: [String: OutcomeResult]
    ) -> CitizenView.Need {
        let status: CitizenView.Need.Status =
            switch handover?.state {
            case .accepted: .taken
            case .contacted: .contacted
            case .completed: .completed
            case .cancelled: .cancelled
            default: .searching  // offered, waiting, unowned, unroutable: never who declined or let it lapse
            }
        var view = CitizenView.Need(index: index, domain: need.domain, summary: need.summary, status: status)
        guard let handover, status != .searching, status != .cancelled, let contact = handover.contact else {
            return view
        }
        if let card = map.contacts[contact].map(machine.card) ?? handover.storedCard {
            view.contact = CitizenView.Helper(
                name: card.name, organisation: card.organisation, organisationName: card.organisationName,
                role: card.role, phone: card.phone ?? "")
        }
        view.takenAt = takenAt[handover.id]
        if status == .taken { view.contactBy = handover.contactBy }
        view.contactedAt = handover.contactedAt
        view.nazorgAt = handover.nazorgAt
        view.citizenAnswer = answers[handover.id]
        if let answerBy = handover.answerBy, view.citizenAnswer == nil {
            view.question = CitizenView.Question(answerBy: answerBy)
        }
        return view
    }

    /// The card of a contact who has left the map, as the handover they held kept it.
    private func heldCard(_ contact: String, in referralCase: ReferralCase) -> ContactCard? {
        referralCase.handovers.first { $0.contact == contact }?.storedCard
    }

    /// Who may receive the data: everyone, or the organisations named, or those serving the domains named.
    private func citizenConsent(_ consent: Consent) -> CitizenView.Consent {
        var all = false
        var organisations: [String] = []
        for scope in consent.shareWith {
            switch scope {
            case .everyone: all = true
            case .organisation(let id): organisations.append(id)
            case .domain(let domain):
                organisations += map.document.organizations.filter { $0.domains.contains(domain) }.map(\.id)
            }
        }
        var seen: Set<String> = []
        let named = organisations.filter { seen.insert($0).inserted }.map {
            CitizenView.Referrer(organisation: $0, organisationName: machine.organisationName($0))
        }
        return CitizenView.Consent(shareWith: all ? [] : named, all: all, expiresAt: consent.expiresAt)
    }
}
