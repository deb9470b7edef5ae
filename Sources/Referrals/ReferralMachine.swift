import Deadlines
import Foundation
import SchakelProtocol
import SocialMap

/// The referral life cycle as a pure state machine: an event and the case it concerns go in; the changed case,
/// the reply and the effects come out. It reads no clock, no database and no socket, so every transition is
/// testable in microseconds (Tests/ReferralsTests) and the same decision can be stored in SQLite or elsewhere.
///
/// The states and transitions it implements are on one page in Protocols/SRP1.md ("Life cycle"), which a test
/// checks against ``transitions``.
public struct ReferralMachine: Sendable {
    public var map: SocialMap
    public var matcher: Matcher
    public var policy: Policy
    /// How long after a referral closes its personal data is kept (config `retention`).
    public var retention: ISODuration
    /// Makes the ids of new referrals and handovers (`ref-…`, `ho-…`); injected so that tests can predict them.
    public var makeID: @Sendable (_ prefix: String) -> String

    public init(
        map: SocialMap, policy: Policy, retention: ISODuration, makeID: @escaping @Sendable (String) -> String
    ) {
        self.map = map
        self.matcher = Matcher(map: map)
        self.policy = policy
        self.retention = retention
        self.makeID = makeID
    }

    /// The result of one event: the case as it is now, the reply to the peer who caused it (nil for a timer or a
    /// change of the map), and the effects the broker must carry out, in order.
    public struct Transition: Sendable {
        public var referralCase: ReferralCase
        public var reply: WireMessage?
        public var effects: [ReferralEffect]
        /// The handovers the event made or ended (ASSIGN's new handover, WITHDRAW's cancelled ones).
        public var handovers: [String] = []
        /// SUBMIT's answer as a value (`reply` is its message): the broker adds the citizen code that the store makes
        /// with the new referral's row, without reading the message back.
        public var accepted: Accepted?
    }

    /// SUBMIT: a new case, or, when `existing` (the case with the same organisation and external id) is given, the
    /// answer to a repeated SUBMIT.
    public func submit(
        _ referral: Referral, from organisation: String, canonicalBody: String, existing: ReferralCase?, now: Date,
        load: ContactLoad
    ) throws(Rejection) -> Transition {
        guard organisation.hasPrefix("org:") else {
            throw Rejection(
                .forbidden, "only organisations submit referrals; \(organisation) is a contact person",
                externalID: referral.externalID)
        }
        if let existing {
            guard let body = existing.canonicalBody else {
                throw Rejection(
                    .conflict,
                    "external_id \(referral.externalID) was used for \(existing.id), which was withdrawn or whose data was deleted; use a new external_id",
                    field: "referral.external_id", externalID: referral.externalID)
            }
            guard body == canonicalBody else {
                throw Rejection(
                    .conflict,
                    "external_id \(referral.externalID) was already submitted as \(existing.id) with a different body; use a new external_id for a new referral",
                    field: "referral.external_id", externalID: referral.externalID)
            }
            let accepted = Accepted(externalID: referral.externalID, referralID: existing.id, duplicate: true)
            return Transition(referralCase: existing, reply: accepted.wireMessage, effects: [], accepted: accepted)
        }
        if let expires = referral.consent.expiresAt.flatMap(RFC3339.parse), expires <= now {
            throw Rejection(
                .invalid, "the consent has expired (its expires_at has passed); ask the citizen again",
                field: "referral.consent.expires_at", externalID: referral.externalID)
        }
        let at = RFC3339.format(now)
        let referralCase = ReferralCase(
            id: makeID("ref"), organisation: organisation, externalID: referral.externalID,
            urgency: referral.urgency, municipality: referral.citizen.municipality, state: .open, createdAt: at,
            updatedAt: at, referral: referral, canonicalBody: canonicalBody)
        var decision = Decision(machine: self, referralCase: referralCase, now: now, load: load)
        decision.emit(.referralCreated(canonicalBody: canonicalBody))
        decision.record("submitted")
        if let expires = referral.consent.expiresAt.flatMap(RFC3339.parse) {
            decision.schedule(.consentExpiry, subject: referralCase.id, due: expires)
        }
        var leadTaken = false
        for index in referral.needs.indices {
            if decision.route(needIndex: index, lead: !leadTaken, excluding: []) == .offered { leadTaken = true }
        }
        decision.updateReferralState()
        decision.log(
            .info, "referral.accepted",
            ["referral": referralCase.id, "organisation": organisation, "needs": "\(referral.needs.count)"])
        let accepted = Accepted(externalID: referral.externalID, referralID: referralCase.id, duplicate: false)
        return Transition(
            referralCase: decision.referralCase, reply: accepted.wireMessage, effects: decision.effects,
            accepted: accepted)
    }

    /// Every other event of a case.
    public func handle(_ event: ReferralEvent, in referralCase: ReferralCase, now: Date, load: ContactLoad)
        throws(Rejection) -> Transition
    {
        var decision = Decision(machine: self, referralCase: referralCase, now: now, load: load)
        var reply: WireMessage?
        var handovers: [String] = []
        switch event {
        case .acknowledge(let handoverID, let principal):
            reply = try decision.acknowledge(handoverID, by: principal)
        case .decline(let handoverID, let principal, let reason):
            reply = try decision.decline(handoverID, by: principal, reason: reason)
        case .contacted(let handoverID, let principal, let at, let channel):
            reply = try decision.contacted(handoverID, by: principal, at: at, channel: channel)
        case .outcome(let handoverID, let principal, let result, let note):
            reply = try decision.outcome(handoverID, by: principal, result: result, note: note)
        case .reopen(let principal, _):
            reply = try decision.reopen(by: principal)
        case .withdraw(let principal, let reason):
            handovers = try decision.withdraw(by: principal, reason: reason)
            reply = WireMessage(
                .noted, encoding: Noted(event: .withdrawn, referralID: referralCase.id, handovers: handovers))
        case .citizenWithdraw(let portal):
            handovers = decision.withdrawForCitizen(through: portal)
            reply = WireMessage(
                .noted, encoding: Noted(event: .withdrawn, referralID: referralCase.id, handovers: handovers))
        case .erase(let operatorName):
            handovers = decision.erase(by: operatorName)
        case .purge(let reason):
            decision.purge(why: reason)
        case .assign(let handoverID, let contact, let coordinator):
            handovers = [try decision.assign(handoverID, to: contact, by: coordinator)]
        case .coordinatorAssign(let handoverID, let contact, let coordinator):
            let assigned = try decision.assignByCoordinator(handoverID, to: contact, by: coordinator)
            handovers = [assigned]
            reply = WireMessage(
                .noted, encoding: Noted(event: .assigned, referralID: referralCase.id, handoverID: assigned))
        case .timerFired(let kind, let handoverID):
            try decision.fire(kind, handoverID: handoverID)
        case .contactLeftMap(let handoverID):
            try decision.withdrawFromDepartedContact(handoverID)
        case .capacityFreed(let handoverID):
            try decision.retryWaiting(handoverID)
        }
        return Transition(
            referralCase: decision.referralCase, reply: reply, effects: decision.effects, handovers: handovers)
    }

    /// The refusal for an event that names a handover or referral the broker does not have, in the order of checks
    /// a peer sees: who may send the command at all comes before whether the id exists.
    public static func refusalForMissing(_ event: ReferralEvent) -> Rejection {
        switch event {
        case .acknowledge(let id, let principal), .decline(let id, let principal, _):
            let command = if case .acknowledge = event { "ACK" } else { "DECLINE" }
            guard principal.hasPrefix("contact:") else {
                return Rejection(.forbidden, "only contact persons answer handovers with \(command)")
            }
            return Rejection(.notFound, "no handover \(id)", field: "handover_id")
        case .contacted(let id, let principal, _, _):
            guard principal.hasPrefix("contact:") else {
                return Rejection(.forbidden, "only contact persons send CONTACTED")
            }
            return Rejection(.notFound, "no handover \(id)", field: "handover_id")
        case .outcome(let id, _, _, _), .assign(let id, _, _), .coordinatorAssign(let id, _, _):
            return Rejection(.notFound, "no handover \(id)", field: "handover_id")
        case .reopen, .withdraw:
            return Rejection(.notFound, "no referral with that id", field: "referral_id")
        case .citizenWithdraw:
            return Rejection(.notFound, "no referral with that code", field: "citizen_code")
        case .erase, .purge, .timerFired, .contactLeftMap, .capacityFreed:
            return Rejection(.notFound, "no referral with that id")
        }
    }

    // MARK: Views

    /// The organisation `principal` coordinates (the map's `coordinator` of an organisation), if any.
    public func organisation(coordinatedBy principal: String) -> String? {
        guard principal.hasPrefix("contact:"), let contact = map.contacts[principal],
            map.organizations[contact.organization]?.coordinator == principal
        else { return nil }
        return contact.organization
    }

    public func organisationName(_ id: String) -> String {
        map.organizations[id]?.name ?? id
    }

    public func card(_ contact: ContactPerson) -> ContactCard {
        ContactCard(
            id: contact.id, name: contact.name, organisation: contact.organization,
            organisationName: organisationName(contact.organization), role: contact.role, phone: contact.phone,
            email: contact.email)
    }
}
