import Deadlines
import Foundation
import SchakelProtocol
import SocialMap

/// One event being decided: the case as it changes, the effects so far, and the load matching sees (the event's own
/// offers included, so that a referral's second need does not go to a contact its first one just filled).
///
/// Internal to the machine; every method is a step of the life cycle that changes the case and says so with an
/// effect. It never reads the clock (`now` is the event's one reading) and never touches storage.
struct Decision {
    let machine: ReferralMachine
    var referralCase: ReferralCase
    let now: Date
    /// `now` as the protocol writes it.
    let at: String
    var load: ContactLoad
    private(set) var effects: [ReferralEffect] = []
    /// The last offer's deadlines and the rules they were worked out by: a referral's needs are offered at the same
    /// `now`, mostly under the same rules, and the calendar's arithmetic (time zone offsets) cost 20 k instructions
    /// an offer (issue 22).
    private var lastOfferDeadlines: (rules: UrgencyPolicy, remindAt: Date, due: Date)?

    init(machine: ReferralMachine, referralCase: ReferralCase, now: Date, load: ContactLoad) {
        self.machine = machine
        self.referralCase = referralCase
        self.now = now
        self.at = RFC3339.format(now)
        self.load = load
        // A new referral of two needs makes about thirty effects; grown from empty, the list was moved to a new
        // buffer six times, each move copying every effect in it (issue 22).
        effects.reserveCapacity(32)
    }

    var map: SocialMap { machine.map }
    var policy: Policy { machine.policy }

    // MARK: Effects

    mutating func emit(_ effect: ReferralEffect) {
        effects.append(effect)
    }

    mutating func record(
        _ event: String, handoverID: String? = nil, contact: String? = nil, detail: [String: JSONValue]? = nil,
        once: Bool = false
    ) {
        emit(.recorded(AuditEntry(event, at: at, handoverID: handoverID, contact: contact, detail: detail), once: once))
    }

    mutating func send(to principal: String, _ body: OutboxBody, offer handoverID: String? = nil) {
        emit(.sent(to: principal, body, handoverID: handoverID))
    }

    mutating func log(_ level: LogLine.Level, _ event: String, _ fields: KeyValuePairs<String, String>) {
        emit(.logged(LogLine(level, event, fields)))
    }

    /// Changes handover `id` of the case and records that it must be written.
    mutating func update(_ id: String, _ change: (inout Handover) -> Void) {
        guard let index = referralCase.index(of: id) else {
            preconditionFailure("handover \(id) is not part of referral \(referralCase.id)")
        }
        change(&referralCase.handovers[index])
        emit(.handoverChanged(id))
    }

    mutating func changeLoad(of contact: String, by delta: Int) {
        load.setOpen(load.open(contact) + delta, for: contact)
        emit(.loadChanged(contact: contact, delta: delta))
    }

    mutating func schedule(_ kind: TimerKind, subject: String, due: Date) {
        let id = kind.id(for: subject)
        referralCase.timers[id] = due
        emit(.timerScheduled(id: id, kind: kind, handoverID: kind.isReferralTimer ? nil : subject, due: due))
    }

    mutating func cancelTimer(_ kind: TimerKind, subject: String) {
        let id = kind.id(for: subject)
        guard referralCase.timers.removeValue(forKey: id) != nil else { return }
        emit(.timerCancelled(id: id))
    }

    /// Drops every pending timer of a handover that was answered or withdrawn.
    mutating func cancelTimers(forHandover handoverID: String) {
        for kind in TimerKind.handoverKinds { cancelTimer(kind, subject: handoverID) }
    }

    /// Drops every timer of the referral, its handovers' included.
    mutating func cancelAllTimers() {
        for id in referralCase.timers.keys.sorted() {
            referralCase.timers[id] = nil
            emit(.timerCancelled(id: id))
        }
    }

    /// The referral as submitted, or the refusal that says its personal data is gone.
    func requireReferral() throws(Rejection) -> Referral {
        guard let referral = referralCase.referral else {
            guard referralCase.isPurged else {
                // The store loads the referral for every event whose `needsReferral` is true: this one is not.
                throw Rejection(.unavailable, "referral \(referralCase.id) was loaded without its data; please retry")
            }
            throw Rejection(.conflict, "the personal data of referral \(referralCase.id) has been deleted")
        }
        return referral
    }

    // MARK: Routing

    /// What became of a need that was routed.
    enum RouteOutcome {
        /// Offered to a contact.
        case offered
        /// Every candidate is away or full: it waits for one.
        case waiting
        /// Nobody on the map can take it (unroutable, or unowned after offers went unanswered).
        case nobody
    }

    /// Offers need `needIndex` to the best candidate not in `excluding` (or to `assignTo`), or records that it waits
    /// or that nobody can take it; tells the referrer either way. With `waitingHandover` the need is already waiting
    /// under that id: it is offered in place when someone qualifies now, and left waiting (quietly) when nobody does.
    /// With `hadCandidates`, or anyone in `excluding` (someone declined it or let it lapse), a need nobody is left
    /// for is `unowned`, not `unroutable`: candidates existed, so someone must take it by hand.
    @discardableResult
    mutating func route(
        needIndex: Int, lead: Bool, excluding: Set<String>, event: NoticeEvent = .offered,
        assignTo: ContactPerson? = nil, waitingHandover: String? = nil, hadCandidates: Bool = false
    ) -> RouteOutcome {
        guard let referral = referralCase.referral else {
            preconditionFailure("routing needs the referral's data; callers check requireReferral() first")
        }
        let need = referral.needs[needIndex]
        var chosen = assignTo
        var explanation: MatchExplanation?
        var waiting = false
        var retryAt: Date?
        if assignTo == nil {
            let result = match(matchRequest(needIndex: needIndex, excluding: excluding))
            chosen = result.chosen
            explanation = result.explanation
            waiting = result.isWaiting
            retryAt = result.retryAt
        }
        let needRef = NeedRef(index: needIndex, domain: need.domain)
        let explanationText = explanation.flatMap { $0.storedBytes() }.map {
            String(decoding: $0, as: UTF8.self)
        }
        let handoverID = waitingHandover ?? machine.makeID("ho")
        if waitingHandover == nil, let previous = referralCase.newest(need: needIndex),
            previous.state == .waiting || previous.state == .unowned
        {
            cancelTimers(forHandover: previous.id)  // its clock stops: the need is handled anew
        }
        if let waitingHandover {
            guard let contact = chosen else {
                update(waitingHandover) { $0.explanation = explanationText }
                if let retryAt { schedule(.absenceEnd, subject: waitingHandover, due: retryAt) }
                return waiting ? .waiting : .nobody
            }
            cancelTimers(forHandover: waitingHandover)
            let card = storedCard(contact)
            update(waitingHandover) { [at] handover in
                handover.contact = contact.id
                handover.state = .offered
                handover.isLead = lead
                handover.offeredAt = at
                handover.explanation = explanationText
                handover.contactCard = card
                handover.updatedAt = at
            }
        } else {
            var handover = Handover(
                id: handoverID, needIndex: needIndex, domain: need.domain, contact: chosen?.id,
                state: chosen != nil ? .offered : waiting ? .waiting : .unroutable,
                isLead: (chosen != nil || waiting) && lead, createdAt: at, updatedAt: at)
            handover.offeredAt = chosen != nil ? at : nil
            handover.explanation = explanationText
            handover.contactCard = chosen.map { storedCard($0) }
            referralCase.handovers.append(handover)
            emit(.handoverCreated(handoverID))
        }
        guard let contact = chosen else {
            if waiting {
                record("waiting", handoverID: handoverID)
                send(
                    to: referralCase.organisation,
                    .notice(
                        Notice(
                            messageID: "", referralID: referralCase.id, externalID: referralCase.externalID,
                            event: .waiting, handoverID: handoverID, need: needRef, at: at)))
                if let retryAt { schedule(.absenceEnd, subject: handoverID, due: retryAt) }
                log(
                    .info, "need.waiting", ["referral": referralCase.id, "need": "\(needIndex)", "domain": need.domain])
                startUnheldClock(handoverID)
                return .waiting
            }
            // After offers went unanswered nobody owns the need; before any offer nobody could take it.
            let unowned = event == .rerouted || hadCandidates || !excluding.isEmpty
            // Candidates exist, but only outside what the citizen consented to: the referrer must ask for consent;
            // the broker never routes outside share_with.
            let consentNeeded = (explanation?.removed[MatchFilter.consent.rawValue] ?? 0) > 0
            if unowned { update(handoverID) { $0.state = .unowned } }
            record(unowned ? "unowned" : "unroutable", handoverID: handoverID)
            if consentNeeded { record("consent_needed", handoverID: handoverID) }
            send(
                to: referralCase.organisation,
                .notice(
                    Notice(
                        messageID: "", referralID: referralCase.id, externalID: referralCase.externalID,
                        event: consentNeeded ? .consentNeeded : unowned ? .unowned : .unroutable,
                        handoverID: handoverID, need: needRef, at: at)))
            log(
                .info, consentNeeded ? "need.consent_needed" : unowned ? "need.unowned" : "need.unroutable",
                ["referral": referralCase.id, "need": "\(needIndex)", "domain": need.domain])
            if unowned { startUnheldClock(handoverID) }
            return .nobody
        }
        changeLoad(of: contact.id, by: 1)
        load.setLastOffered(now, for: contact.id)
        emit(.offered(contact: contact.id, at: now))
        record("offered", handoverID: handoverID, contact: contact.id)
        scheduleOfferDeadlines(handoverID: handoverID, organisation: contact.organization)
        guard let offer = machine.offer(handoverID, in: referralCase) else {
            preconditionFailure("the handover was offered above, and routing holds the referral's data")
        }
        send(to: contact.id, .handover(offer), offer: handoverID)
        record(
            "disclosed", handoverID: handoverID, contact: contact.id,
            detail: ["fields": .array(Disclosure.offeredFields(referral).map { .string($0) })])
        send(
            to: referralCase.organisation,
            .notice(
                Notice(
                    messageID: "", referralID: referralCase.id, externalID: referralCase.externalID, event: event,
                    handoverID: handoverID, need: needRef, contact: machine.card(contact).withoutDirectLine, at: at)))
        log(.info, "handover.offered", ["referral": referralCase.id, "handover": handoverID, "contact": contact.id])
        return .offered
    }

    /// The matching request for one need: the referral's other contacts and needs included, so that a citizen's
    /// needs go to as few people as can serve them. For a crisis capacity is a soft limit: a full contact still
    /// gets it when nobody has room, rather than the need waiting.
    func matchRequest(needIndex: Int, excluding: Set<String>) -> MatchRequest {
        let referral = referralCase.referral!
        let need = referral.needs[needIndex]
        var request = MatchRequest(
            domain: need.domain, municipality: referral.citizen.municipality, consent: referral.consent,
            urgency: referral.urgency, language: referral.citizen.language, excluding: excluding,
            sameReferral: referralCase.contactsOfOtherNeeds(than: needIndex),
            otherDomains: referral.needs.indices.filter { $0 != needIndex }.map { referral.needs[$0].domain })
        request.capacityIsSoft = referral.urgency == .crisis
        return request
    }

    /// Matches a request now. A crisis outside office hours goes to the contacts on call first, and to anyone
    /// else only when none of them can take it.
    func match(_ request: MatchRequest) -> MatchResult {
        if request.urgency == .crisis, !policy.calendar.isWorkingTime(now) {
            var onCall = request
            onCall.onCallOnly = true
            let result = machine.matcher.match(onCall, load: load, now: now)
            if result.chosen != nil { return result }
        }
        return machine.matcher.match(request, load: load, now: now)
    }

    /// Sets the reminder and expiry of a new offer, and its `ack_by` (for the offer and STATUS).
    mutating func scheduleOfferDeadlines(handoverID: String, organisation: String) {
        let rules = policy.policy(for: referralCase.urgency, organisation: organisation)
        let (remindAt, due) =
            if let last = lastOfferDeadlines, last.rules == rules {
                (last.remindAt, last.due)
            } else {
                (
                    policy.calendar.point(
                        rules.reminderAt, of: rules.acknowledgeWithin, from: now, clock: rules.acknowledgeClock),
                    policy.calendar.deadline(from: now, adding: rules.acknowledgeWithin, clock: rules.acknowledgeClock)
                )
            }
        lastOfferDeadlines = (rules, remindAt, due)
        schedule(.ackReminder, subject: handoverID, due: remindAt)
        schedule(.ackExpiry, subject: handoverID, due: due)
        let ackBy = RFC3339.format(due)
        update(handoverID) { $0.ackBy = ackBy }
    }

    // MARK: The referral's own state

    /// Recomputes the referral's state from the newest handover of each need; closing the loop is news for the
    /// referrer too.
    mutating func updateReferralState() {
        guard referralCase.state != .withdrawn else { return }  // final
        keepOneLead()
        let previous = referralCase.state
        let state = ReferralState.derive(from: referralCase.currentHandovers.map(\.state))
        referralCase.state = state
        referralCase.updatedAt = at
        emit(.referralChanged)
        keepRetention(state)
        if state == .closed, previous != .closed {
            record("closed")
            send(
                to: referralCase.organisation,
                .notice(
                    Notice(
                        messageID: "", referralID: referralCase.id, externalID: referralCase.externalID,
                        event: .closed, at: at)))
        }
    }

    /// A handover that can lead the referral: one a contact holds or was offered, or one waiting for a contact.
    static func canLead(_ state: HandoverState) -> Bool {
        state == .offered || state.isTaken || state == .waiting
    }

    /// Exactly one current lead: when the lead's need went to nobody, the lead moves to the first need (in need
    /// order) that still has a handover that can lead; a need that only waits leads only while no other need is held
    /// or offered; and when two needs both took it (each waited, or one waited while the other was offered), the
    /// better of them keeps it.
    mutating func keepOneLead() {
        let current = referralCase.currentHandovers
        func rank(_ handover: Handover) -> (Int, Int) { (handover.state == .waiting ? 1 : 0, handover.needIndex) }
        guard let best = current.filter({ Self.canLead($0.state) }).min(by: { rank($0) < rank($1) }) else { return }
        let leads = current.filter { $0.isLead && Self.canLead($0.state) }
        if leads.count == 1, rank(leads[0]).0 <= rank(best).0 { return }  // a lead that can act stays
        for lead in leads where lead.id != best.id { update(lead.id) { $0.isLead = false } }
        if !best.isLead { update(best.id) { $0.isLead = true } }
    }

    /// A handover that leaves its contact (declined, expired, withdrawn from them) leads no more: the handover that
    /// replaces it takes the lead over.
    mutating func dropLead(_ handoverID: String) {
        guard referralCase.handover(handoverID)?.isLead == true else { return }
        update(handoverID) { $0.isLead = false }
    }

    /// Keeps `closed_at` and the retention timer in step with the referral's state: a final state (closed,
    /// unroutable) starts the retention period, anything else (reopened, assigned) stops it.
    mutating func keepRetention(_ state: ReferralState) {
        let final = state == .closed || state == .unroutable
        if final, referralCase.closedAt == nil {
            referralCase.closedAt = at
            emit(.referralChanged)
            if !referralCase.isPurged {
                schedule(.retention, subject: referralCase.id, due: now.addingTimeInterval(machine.retention.seconds))
            }
        } else if !final, referralCase.closedAt != nil {
            referralCase.closedAt = nil
            emit(.referralChanged)
            cancelTimer(.retention, subject: referralCase.id)
        }
    }

    // MARK: Cards

    /// A contact's card as stored with a handover: kept for the day the contact is no longer on the map.
    func storedCard(_ contact: ContactPerson) -> String {
        machine.card(contact).canonicalString()
    }

    /// The card of the contact who leads the referral, when that is someone other than `holder`, who holds
    /// `handoverID` (``ReferralMachine/leadCard(in:besides:holder:)``).
    func leadCard(besides handoverID: String, holder: String) -> ContactCard? {
        machine.leadCard(in: referralCase, besides: handoverID, holder: holder)
    }

    /// Tells the referrer about a step of one handover.
    mutating func notifyReferrer(
        _ handover: Handover, _ event: NoticeEvent, result: OutcomeResult? = nil
    ) {
        send(
            to: referralCase.organisation,
            .notice(
                Notice(
                    messageID: "", referralID: referralCase.id, externalID: referralCase.externalID, event: event,
                    handoverID: handover.id, need: handover.need, result: result, at: at)))
    }
}
