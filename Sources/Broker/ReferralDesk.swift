import Deadlines
import Foundation
import SchakelProtocol
import Sodium
import SocialMap
import Storage

/// The referral state machine over the database: it turns one authenticated request into
/// database changes, outbox messages and the reply.
///
/// It runs on the event-loop thread inside the transaction the loop opened for a batch, so
/// every change it makes, outbox included, commits or vanishes together. It sends nothing
/// itself: the loop sends replies after the commit and delivers the outbox.
final class ReferralDesk {
    let db: Database
    private(set) var map: SocialMap
    private(set) var matcher: Matcher
    private(set) var validator: ReferralValidator
    let clock: any BrokerClock
    var logger: Logger
    let policy: Policy
    /// The data keys: personal data is sealed with the current one before it is written (encryption at rest).
    var keys: KeyRing
    /// How long after a referral closes its personal data is kept (config `retention`).
    var retention: ISODuration
    /// The effects of the work done since the last commit that reach beyond the database (timers, load, outbox
    /// delivery, checkpoints), kept per savepoint so that a rollback drops them with the rows that caused them.
    private(set) var turn = Turn()
    /// Open (offered, accepted or contacted) handovers per contact: what matching balances on. Read from
    /// the database at start and kept in step with every change to a handover's state, because
    /// a `COUNT(*)` per candidate per need grew with every open handover and dominated intake.
    private var openHandovers: [String: Int] = [:]
    /// When each contact was last offered a handover: the fair-rotation key of matching, rebuilt from the
    /// handovers table at start like `openHandovers`.
    private var lastOffered: [String: Date] = [:]
    /// `openHandovers` and `lastOffered` laid out for the current map, as matching reads them; rebuilt when the
    /// map is replaced (contacts who left it keep their counts above, for when they come back).
    private(set) var contactLoad: ContactLoad
    /// Contacts whose open handovers went down since the waiting needs were last looked at: a need waiting for
    /// room may be offered to one of them now.
    var releasedContacts: Set<String> = []

    init(
        db: Database, map: SocialMap, policy: Policy, clock: any BrokerClock, logger: Logger, keys: KeyRing,
        retention: ISODuration
    ) throws {
        self.db = db
        self.keys = keys
        self.retention = retention
        self.map = map
        self.matcher = Matcher(map: map)
        self.validator = ReferralValidator(knownDomains: map.domains)
        self.contactLoad = ContactLoad(map: map)
        self.policy = policy
        self.clock = clock
        self.logger = logger
        for row in try db.query(
            """
            SELECT contact, COUNT(*) AS n FROM handovers
            WHERE contact IS NOT NULL AND state IN ('offered', 'accepted', 'contacted') GROUP BY contact
            """)
        {
            if let contact = row.string("contact") { openHandovers[contact] = row.int("n") ?? 0 }
        }
        for row in try db.query(
            "SELECT contact, MAX(offered_at) AS at FROM handovers WHERE offered_at IS NOT NULL GROUP BY contact")
        {
            if let contact = row.string("contact"), let at = row.string("at").flatMap(RFC3339.parse) {
                lastOffered[contact] = at
            }
        }
        contactLoad = ContactLoad(map: map, open: openHandovers, lastOffered: lastOffered)
    }

    /// Matches with `newMap` from the next request on. Handovers already offered stay with their contact.
    func replaceMap(_ newMap: SocialMap) {
        map = newMap
        matcher = Matcher(map: newMap)
        contactLoad = ContactLoad(map: newMap, open: openHandovers, lastOffered: lastOffered)
        validator = ReferralValidator(knownDomains: newMap.domains)
    }

    // MARK: The turn: effects that follow the commit

    /// Where a savepoint starts, for ``rollBack(to:)``.
    var turnMark: Int { turn.mark }

    /// The savepoint (or, with `0`, the transaction) that began at `mark` rolled back: its effects are dropped, and
    /// the load it changed is taken back with the database.
    func rollBack(to mark: Int) {
        for effect in turn.rollBack(to: mark) {
            switch effect {
            case .load(let contact, let delta):
                openHandovers[contact, default: 0] -= delta
                contactLoad.setOpen(openHandovers[contact, default: 0], for: contact)
            case .offered(let contact, _, let previous):
                lastOffered[contact] = previous
                contactLoad.setLastOffered(previous, for: contact)
            case .timer, .delivery, .checkpoint:
                break  // not applied yet
            }
        }
    }

    /// The transaction committed: its effects are final; returns what the loop must now do.
    func commitTurn() -> Turn.Committed {
        turn.commit()
    }

    func record(_ effect: Turn.Effect) {
        turn.record(effect)
    }

    func changeLoad(of contact: String, by delta: Int) {
        openHandovers[contact, default: 0] += delta
        contactLoad.setOpen(openHandovers[contact, default: 0], for: contact)
        turn.record(.load(contact: contact, delta: delta))
        if delta < 0 { releasedContacts.insert(contact) }
    }

    func noteOffer(to contact: String, at moment: Date) {
        turn.record(.offered(contact: contact, at: moment, previous: lastOffered[contact]))
        lastOffered[contact] = moment
        contactLoad.setLastOffered(moment, for: contact)
    }

    var now: String { RFC3339.format(clock.now()) }

    // MARK: SUBMIT

    func submit(from organisation: String, referral: Referral, canonicalBody: String) throws -> WireMessage {
        guard organisation.hasPrefix("org:") else {
            throw Rejection(
                .forbidden, "only organisations submit referrals; \(organisation) is a contact person",
                externalID: referral.externalID)
        }
        if let existing = try db.queryOne(
            "SELECT referral_id, body FROM referrals WHERE organisation = ? AND external_id = ?",
            [.text(organisation), .text(referral.externalID)])
        {
            let referralID = existing.string("referral_id") ?? ""
            guard existing.string("body") != "" else {
                throw Rejection(
                    .conflict,
                    "external_id \(referral.externalID) was used for \(referralID), which was withdrawn or whose data was deleted; use a new external_id",
                    field: "referral.external_id", externalID: referral.externalID)
            }
            guard try existing.string("body").map(unseal) == canonicalBody else {
                throw Rejection(
                    .conflict,
                    "external_id \(referral.externalID) was already submitted as \(referralID) with a different body; use a new external_id for a new referral",
                    field: "referral.external_id", externalID: referral.externalID)
            }
            return WireMessage(
                .accepted, encoding: Accepted(externalID: referral.externalID, referralID: referralID, duplicate: true))
        }
        if let expires = referral.consent.expiresAt.flatMap(RFC3339.parse), expires <= clock.now() {
            throw Rejection(
                .invalid, "the consent has expired (its expires_at has passed); ask the citizen again",
                field: "referral.consent.expires_at", externalID: referral.externalID)
        }
        let referralID = Identifier.make("ref")
        let at = now
        try db.run(
            """
            INSERT INTO referrals (referral_id, organisation, external_id, urgency, municipality, body, state,
                                   created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)
            """,
            [
                .text(referralID), .text(organisation), .text(referral.externalID), .text(referral.urgency.rawValue),
                .text(referral.citizen.municipality), .text(try seal(canonicalBody)), .text(at), .text(at),
            ])
        try appendEvent(referralID, "submitted", at: at)
        try scheduleConsentExpiry(referralID: referralID, consent: referral.consent)
        var leadTaken = false
        for index in referral.needs.indices {
            let routed = try route(
                referralID: referralID, organisation: organisation, referral: referral, needIndex: index,
                lead: !leadTaken, excluding: [])
            if routed == .offered { leadTaken = true }
        }
        try updateReferralState(referralID)
        logger.info(
            "referral.accepted",
            ["referral": referralID, "organisation": organisation, "needs": "\(referral.needs.count)"])
        return WireMessage(
            .accepted, encoding: Accepted(externalID: referral.externalID, referralID: referralID, duplicate: false))
    }

    /// What became of a need that was routed.
    enum RouteOutcome {
        /// Offered to a contact.
        case offered
        /// Every candidate is away or full: it waits for one.
        case waiting
        /// Nobody on the map can take it (unroutable, or unowned after offers went unanswered).
        case nobody
    }

    /// Offers need `needIndex` to the best candidate not in `excluding`, or records that it waits or that nobody
    /// can take it; tells the referrer either way. With `waitingHandover` the need is already waiting under that
    /// id: it is offered in place when someone qualifies now, and left waiting (quietly) when nobody does.
    @discardableResult
    func route(
        referralID: String, organisation: String, referral: Referral, needIndex: Int, lead: Bool,
        excluding: Set<String>, event: NoticeEvent = .offered, assignTo: ContactPerson? = nil,
        waitingHandover: String? = nil
    ) throws -> RouteOutcome {
        let need = referral.needs[needIndex]
        var chosen = assignTo
        var explanation: MatchExplanation?
        var waiting = false
        var retryAt: Date?
        if assignTo == nil {
            let result = matcher.match(
                try matchRequest(
                    referralID: referralID, referral: referral, needIndex: needIndex, excluding: excluding),
                load: contactLoad, now: clock.now())
            chosen = result.chosen
            explanation = result.explanation
            waiting = result.isWaiting
            retryAt = result.retryAt
        }
        let at = now
        let needRef = NeedRef(index: needIndex, domain: need.domain)
        let explanationText = try explanation.map { String(decoding: try $0.canonicalBytes(), as: UTF8.self) }
        let handoverID = waitingHandover ?? Identifier.make("ho")
        if let waitingHandover {
            guard let contact = chosen else {
                try db.run(
                    "UPDATE handovers SET explanation = ? WHERE handover_id = ?",
                    [explanationText.map { .text($0) } ?? .null, .text(waitingHandover)])
                if let retryAt {
                    try insertTimer(.absenceEnd, referralID: referralID, handoverID: waitingHandover, due: retryAt)
                }
                return waiting ? .waiting : .nobody
            }
            try cancelTimers(forHandover: waitingHandover)
            try db.run(
                """
                UPDATE handovers SET contact = ?, state = 'offered', is_lead = ?, offered_at = ?, explanation = ?,
                       contact_card = ?, updated_at = ? WHERE handover_id = ?
                """,
                [
                    .text(contact.id), .integer(lead ? 1 : 0), .text(at), explanationText.map { .text($0) } ?? .null,
                    .text(try storedCard(contact)), .text(at), .text(waitingHandover),
                ])
        } else {
            let state = chosen != nil ? "offered" : waiting ? "waiting" : "unroutable"
            try db.run(
                """
                INSERT INTO handovers (handover_id, referral_id, need_index, domain, contact, state, is_lead,
                                       offered_at, explanation, contact_card, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(handoverID), .text(referralID), .integer(Int64(needIndex)), .text(need.domain),
                    chosen.map { .text($0.id) } ?? .null, .text(state),
                    .integer((chosen != nil || waiting) && lead ? 1 : 0), chosen != nil ? .text(at) : .null,
                    explanationText.map { .text($0) } ?? .null, try chosen.map { .text(try storedCard($0)) } ?? .null,
                    .text(at), .text(at),
                ])
        }
        guard let contact = chosen else {
            if waiting {
                try appendEvent(referralID, "waiting", at: at, handoverID: handoverID)
                try enqueue(
                    to: organisation, referralID: referralID, handoverID: nil,
                    Notice(
                        messageID: "", referralID: referralID, externalID: referral.externalID, event: .waiting,
                        handoverID: handoverID, need: needRef, at: at))
                if let retryAt {
                    try insertTimer(.absenceEnd, referralID: referralID, handoverID: handoverID, due: retryAt)
                }
                logger.info(
                    "need.waiting", ["referral": referralID, "need": "\(needIndex)", "domain": need.domain])
                return .waiting
            }
            // After offers went unanswered nobody owns the need; before any offer nobody could take it.
            let unowned = event == .rerouted
            // Candidates exist, but only outside what the citizen consented to: the referrer must ask for consent;
            // the broker never routes outside share_with.
            let consentNeeded = (explanation?.removed[MatchFilter.consent.rawValue] ?? 0) > 0
            if unowned {
                try db.run(
                    "UPDATE handovers SET state = 'unowned' WHERE handover_id = ?", [.text(handoverID)])
            }
            try appendEvent(referralID, unowned ? "unowned" : "unroutable", at: at, handoverID: handoverID)
            if consentNeeded { try appendEvent(referralID, "consent_needed", at: at, handoverID: handoverID) }
            try enqueue(
                to: organisation, referralID: referralID, handoverID: nil,
                Notice(
                    messageID: "", referralID: referralID, externalID: referral.externalID,
                    event: consentNeeded ? .consentNeeded : unowned ? .unowned : .unroutable, handoverID: handoverID,
                    need: needRef, at: at))
            logger.info(
                consentNeeded ? "need.consent_needed" : unowned ? "need.unowned" : "need.unroutable",
                ["referral": referralID, "need": "\(needIndex)", "domain": need.domain])
            return .nobody
        }
        changeLoad(of: contact.id, by: 1)
        noteOffer(to: contact.id, at: clock.now())
        try appendEvent(referralID, "offered", at: at, handoverID: handoverID, contact: contact.id)
        let ackBy = try scheduleOfferDeadlines(
            handoverID: handoverID, referralID: referralID, urgency: referral.urgency,
            organisation: contact.organization)
        let offer = HandoverOffer(
            messageID: "", handoverID: handoverID, referralID: referralID,
            need: NeedRef(index: needIndex, domain: need.domain, summary: need.summary), urgency: referral.urgency,
            lifeEvent: referral.lifeEvent, citizen: referral.citizen.offerView,
            referrer: ReferrerView(organisation: organisation, organisationName: organisationName(organisation)),
            lead: lead,
            leadContact: lead
                ? nil : try leadCard(referralID, besides: handoverID, holder: contact.id)?.withoutDirectLine,
            offeredAt: at, ackBy: ackBy)
        try enqueue(to: contact.id, referralID: referralID, handoverID: handoverID, offer)
        try appendEvent(
            referralID, "disclosed", at: at, handoverID: handoverID, contact: contact.id,
            detail: ["fields": .array(Self.offeredFields(referral).map { .string($0) })])
        try enqueue(
            to: organisation, referralID: referralID, handoverID: nil,
            Notice(
                messageID: "", referralID: referralID, externalID: referral.externalID, event: event,
                handoverID: handoverID, need: needRef, contact: card(contact).withoutDirectLine, at: at))
        logger.info("handover.offered", ["referral": referralID, "handover": handoverID, "contact": contact.id])
        return .offered
    }

    /// The matching request for one need: the referral's other contacts and needs included, so that a citizen's
    /// needs go to as few people as can serve them.
    func matchRequest(referralID: String, referral: Referral, needIndex: Int, excluding: Set<String>) throws
        -> MatchRequest
    {
        let others = try db.query(
            """
            SELECT contact FROM handovers WHERE referral_id = ? AND need_index != ? AND contact IS NOT NULL
              AND state IN ('offered', 'accepted', 'contacted', 'completed')
            """, [.text(referralID), .integer(Int64(needIndex))]
        ).compactMap { $0.string("contact") }
        let need = referral.needs[needIndex]
        return MatchRequest(
            domain: need.domain, municipality: referral.citizen.municipality, consent: referral.consent,
            urgency: referral.urgency, language: referral.citizen.language, excluding: excluding,
            sameReferral: Set(others),
            otherDomains: referral.needs.indices.filter { $0 != needIndex }.map { referral.needs[$0].domain })
    }

    // MARK: ACK and DECLINE

    func ack(from principal: String, handoverID: String) throws -> WireMessage {
        let handover = try ownHandover(handoverID, principal: principal, command: "ACK")
        switch handover.state {
        case .accepted, .contacted, .completed:
            break  // acknowledged before: answer again, change nothing
        case .declined:
            throw Rejection(.conflict, "you declined handover \(handoverID); it has gone to someone else")
        case .offered:
            let at = now
            try db.run(
                "UPDATE handovers SET state = 'accepted', ack_by = NULL, updated_at = ? WHERE handover_id = ?",
                [.text(at), .text(handoverID)])
            try confirmOffer(handoverID, at: at)
            try cancelTimers(forHandover: handoverID)
            try scheduleAfterAcknowledgement(
                handoverID: handoverID, referralID: handover.referralID,
                organisation: map.contacts[principal]?.organization ?? "")
            try appendEvent(handover.referralID, "acknowledged", at: at, handoverID: handoverID, contact: principal)
            let contact = map.contacts[principal]
            let fallbackCard = ContactCard(id: principal, name: principal, organisation: "", organisationName: "")
            try enqueue(
                to: handover.organisation, referralID: handover.referralID, handoverID: nil,
                Notice(
                    messageID: "", referralID: handover.referralID, externalID: handover.externalID,
                    event: .acknowledged, handoverID: handoverID,
                    need: NeedRef(index: handover.needIndex, domain: handover.domain),
                    contact: contact.map(card) ?? fallbackCard, at: at))
            try updateReferralState(handover.referralID)
            logger.info("handover.acknowledged", ["referral": handover.referralID, "handover": handoverID])
        case .expired:
            throw Rejection(
                .conflict, "handover \(handoverID) expired before it was answered and has gone to someone else")
        case .unroutable, .unowned, .waiting:
            throw Rejection(.notFound, "no handover \(handoverID)")
        case .cancelled:
            if try isWithdrawn(handover.referralID) {
                throw Rejection(
                    .conflict, "the referral of handover \(handoverID) was withdrawn and its personal data deleted")
            }
            throw Rejection(
                .conflict, "handover \(handoverID) was withdrawn: you left the social map, so it went to someone else")
        }
        let referral = try storedReferral(handover.referralID)
        try recordDisclosure(
            of: Self.disclosedFields(referral), referralID: handover.referralID, handoverID: handoverID, to: principal)
        let need = referral.needs[handover.needIndex]
        let acknowledgedAt =
            try db.queryOne(
                "SELECT updated_at FROM handovers WHERE handover_id = ?", [.text(handoverID)])?.string("updated_at")
            ?? now
        return WireMessage(
            .acked,
            encoding: Acked(
                handoverID: handoverID, referralID: handover.referralID,
                need: NeedRef(index: handover.needIndex, domain: need.domain, summary: need.summary),
                urgency: referral.urgency, lifeEvent: referral.lifeEvent, lead: handover.isLead,
                leadContact: handover.isLead
                    ? nil : try leadCard(handover.referralID, besides: handoverID, holder: principal),
                citizen: referral.citizen,
                referrer: ReferrerView(
                    organisation: handover.organisation, organisationName: organisationName(handover.organisation),
                    name: referral.referrer.name, phone: referral.referrer.phone, email: referral.referrer.email,
                    role: referral.referrer.role),
                note: referral.note, acknowledgedAt: acknowledgedAt))
    }

    func decline(from principal: String, handoverID: String, reason: DeclineReason) throws -> WireMessage {
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
            let at = now
            try db.run(
                """
                UPDATE handovers SET state = 'declined', decline_reason = ?, ack_by = NULL, updated_at = ?
                WHERE handover_id = ?
                """,
                [.text(reason.rawValue), .text(at), .text(handoverID)])
            changeLoad(of: principal, by: -1)
            try confirmOffer(handoverID, at: at)
            try cancelTimers(forHandover: handoverID)
            try appendEvent(handover.referralID, "declined", at: at, handoverID: handoverID, contact: principal)
            if let contact = map.contacts[principal] {
                try enqueue(
                    to: handover.organisation, referralID: handover.referralID, handoverID: nil,
                    Notice(
                        messageID: "", referralID: handover.referralID, externalID: handover.externalID,
                        event: .declined, handoverID: handoverID,
                        need: NeedRef(index: handover.needIndex, domain: handover.domain),
                        contact: card(contact).withoutDirectLine, reason: reason, at: at))
            }
            let referral = try storedReferral(handover.referralID)
            try route(
                referralID: handover.referralID, organisation: handover.organisation, referral: referral,
                needIndex: handover.needIndex, lead: handover.isLead,
                excluding: try previousHolders(referralID: handover.referralID, needIndex: handover.needIndex))
            try updateReferralState(handover.referralID)
            try releaseWaiting()
            logger.info(
                "handover.declined",
                ["referral": handover.referralID, "handover": handoverID, "reason": reason.rawValue])
        }
        return WireMessage(
            .declined, encoding: Declined(handoverID: handoverID, reason: handover.declineReason ?? reason))
    }

    // MARK: RECEIVED

    func confirm(from principal: String, messageIDs: [String]) throws {
        let at = now
        for id in messageIDs {
            try db.run(
                "UPDATE outbox SET confirmed_at = ? WHERE message_id = ? AND principal = ? AND confirmed_at IS NULL",
                [.text(at), .text(id), .text(principal)])
        }
    }

    // MARK: STATUS

    func status(from principal: String, query: StatusQuery) throws -> WireMessage {
        let row: Row?
        switch query {
        case .referralID(let id):
            row = try db.queryOne("SELECT * FROM referrals WHERE referral_id = ?", [.text(id)])
        case .externalID(let id):
            guard principal.hasPrefix("org:") else {
                throw Rejection(
                    .notFound, "an external_id is known only to the organisation that chose it; ask by referral_id",
                    field: "external_id")
            }
            row = try db.queryOne(
                "SELECT * FROM referrals WHERE organisation = ? AND external_id = ?", [.text(principal), .text(id)])
        }
        guard let row, let referralID = row.string("referral_id") else {
            throw Rejection(.notFound, "no referral with that id")
        }
        let handoverRows = try db.query(
            "SELECT * FROM handovers WHERE referral_id = ? ORDER BY need_index, created_at, rowid", [.text(referralID)])
        let isReferrer = row.string("organisation") == principal
        let holdsHandover = handoverRows.contains {
            $0.string("contact") == principal
                && (HandoverState(rawValue: $0.string("state") ?? "").map { $0 == .offered || $0.isTaken } ?? false)
        }
        guard isReferrer || holdsHandover else {
            throw Rejection(
                .forbidden,
                "only the referring organisation and contacts holding one of its handovers may see \(referralID)",
                field: "referral_id")
        }
        let handovers = handoverRows.map { h -> HandoverSummary in
            let state = HandoverState(rawValue: h.string("state") ?? "") ?? .unroutable
            let contact = h.string("contact").flatMap { map.contacts[$0] }.map(card) ?? storedCard(h)
            let taken = state.isTaken
            return HandoverSummary(
                handoverID: h.string("handover_id") ?? "",
                need: NeedRef(index: h.int("need_index") ?? 0, domain: h.string("domain") ?? ""),
                contact: taken ? contact : contact?.withoutDirectLine, state: state,
                lead: h.bool("is_lead") ?? false, ackBy: state == .offered ? h.string("ack_by") : nil,
                contactBy: h.string("contact_by"), nazorgAt: h.string("nazorg_at"), answerBy: h.string("answer_by"),
                outcome: h.string("outcome").flatMap(OutcomeResult.init(rawValue:)),
                explanation: isReferrer ? h.string("explanation").flatMap(explanation) : nil)
        }
        let timeline = try db.query(
            """
            SELECT at, event, handover_id, contact FROM events
            WHERE referral_id = ? AND event != 'disclosed' AND event NOT LIKE 'admin.%' ORDER BY seq
            """, [.text(referralID)]
        ).map {
            TimelineEntry(
                at: $0.string("at") ?? "", event: $0.string("event") ?? "", handoverID: $0.string("handover_id"),
                contact: $0.string("contact"))
        }
        return WireMessage(
            .referral,
            encoding: ReferralStatus(
                referralID: referralID, externalID: isReferrer ? row.string("external_id") : nil,
                state: ReferralState(rawValue: row.string("state") ?? "") ?? .open,
                urgency: Urgency(rawValue: row.string("urgency") ?? "") ?? .normal, handovers: handovers,
                timeline: timeline))
    }

    // MARK: Outbox

    /// The unconfirmed messages owed to `principal`, oldest first, after `afterSeq`.
    func pendingOutbox(for principal: String, afterSeq: Int64 = 0, limit: Int = 1_000) throws -> [OutboxMessage] {
        try db.query(
            """
            SELECT seq, message_id, command, body FROM outbox
            WHERE principal = ? AND confirmed_at IS NULL AND seq > ? ORDER BY seq LIMIT ?
            """, [.text(principal), .integer(afterSeq), .integer(Int64(limit))]
        ).compactMap { row in
            guard let stored = row.string("body") else { return nil }
            let body: String
            do {
                body = try unseal(stored)
            } catch {
                logger.error("outbox.unreadable", ["message": row.string("message_id") ?? "?", "error": "\(error)"])
                return nil
            }
            return OutboxMessage(
                seq: row.int64("seq") ?? 0, messageID: row.string("message_id") ?? "", principal: principal,
                command: row.string("command") ?? "", body: Data(body.utf8))
        }
    }

    func pendingCount(for principal: String) throws -> Int {
        try db.queryOne(
            "SELECT COUNT(*) AS n FROM outbox WHERE principal = ? AND confirmed_at IS NULL", [.text(principal)]
        )?.int("n") ?? 0
    }

    func enqueue<Body: Encodable & MessageIdentified>(
        to principal: String, referralID: String?, handoverID: String?, _ body: Body
    ) throws {
        var body = body
        let messageID = Identifier.make("msg")
        body.messageID = messageID
        try insertOutbox(
            messageID: messageID, to: principal, WireMessage(Body.command, encoding: body), referralID: referralID,
            handoverID: handoverID)
    }

    /// Writes one message to `principal`'s outbox, to be delivered after the commit.
    func insertOutbox(
        messageID: String, to principal: String, _ message: WireMessage, referralID: String?, handoverID: String?
    ) throws {
        // An offer carries the need's summary and life event: sealed like every other piece of personal data.
        let text = message.canonicalBodyString()
        let stored = message.command == Command.handover.rawValue ? try seal(text) : text
        try db.run(
            """
            INSERT INTO outbox (message_id, principal, command, body, referral_id, handover_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(messageID), .text(principal), .text(message.command), .text(stored),
                referralID.map { .text($0) } ?? .null, handoverID.map { .text($0) } ?? .null, .text(now),
            ])
        turn.record(.delivery(to: principal))
    }

    /// An ACK or DECLINE answers the offer: it is never sent again.
    func confirmOffer(_ handoverID: String, at: String) throws {
        // Through the referral's outbox rows (outbox_by_referral): a handover id index would cost the log two
        // random pages per referral (migration 7).
        try db.run(
            """
            UPDATE outbox SET confirmed_at = ?
            WHERE referral_id = (SELECT referral_id FROM handovers WHERE handover_id = ?)
              AND handover_id = ? AND command = 'HANDOVER' AND confirmed_at IS NULL
            """, [.text(at), .text(handoverID), .text(handoverID)])
    }

    // MARK: Helpers

    struct StoredHandover {
        var referralID: String
        var externalID: String
        var organisation: String
        var needIndex: Int
        var domain: String
        var state: HandoverState
        var isLead: Bool
        var declineReason: DeclineReason?
    }

    /// The handover `id` held by `principal`, or the rejection that says why not.
    func ownHandover(_ id: String, principal: String, command: String) throws -> StoredHandover {
        guard principal.hasPrefix("contact:") else {
            throw Rejection(.forbidden, "only contact persons answer handovers with \(command)")
        }
        guard
            let row = try db.queryOne(
                """
                SELECT h.*, r.organisation, r.external_id FROM handovers h
                JOIN referrals r ON r.referral_id = h.referral_id WHERE h.handover_id = ?
                """, [.text(id)])
        else {
            throw Rejection(.notFound, "no handover \(id)", field: "handover_id")
        }
        guard row.string("contact") == principal else {
            throw Rejection(.forbidden, "handover \(id) was not offered to \(principal)", field: "handover_id")
        }
        return StoredHandover(
            referralID: row.string("referral_id") ?? "", externalID: row.string("external_id") ?? "",
            organisation: row.string("organisation") ?? "", needIndex: row.int("need_index") ?? 0,
            domain: row.string("domain") ?? "", state: HandoverState(rawValue: row.string("state") ?? "") ?? .offered,
            isLead: row.bool("is_lead") ?? false,
            declineReason: row.string("decline_reason").flatMap(DeclineReason.init(rawValue:)))
    }

    func storedReferral(_ referralID: String) throws -> Referral {
        guard
            let stored = try db.queryOne("SELECT body FROM referrals WHERE referral_id = ?", [.text(referralID)])?
                .string("body")
        else {
            throw Rejection(.notFound, "no referral \(referralID)")
        }
        guard !stored.isEmpty else {
            throw Rejection(.conflict, "the personal data of referral \(referralID) has been deleted")
        }
        return try SRPCoding.decoder.decode(Referral.self, from: Data(try unseal(stored).utf8))
    }

    /// Recomputes the referral's state from the newest handover of each need.
    func updateReferralState(_ referralID: String) throws {
        let rows = try db.query(
            """
            SELECT state FROM handovers h WHERE referral_id = ?
              AND rowid = (SELECT MAX(rowid) FROM handovers WHERE referral_id = h.referral_id AND need_index = h.need_index)
            ORDER BY need_index
            """, [.text(referralID)])
        let state = ReferralState.derive(from: rows.compactMap { HandoverState(rawValue: $0.string("state") ?? "") })
        let previous = try db.queryOne(
            "SELECT state, organisation, external_id FROM referrals WHERE referral_id = ?", [.text(referralID)])
        guard previous?.string("state") != ReferralState.withdrawn.rawValue else { return }  // final
        try db.run(
            "UPDATE referrals SET state = ?, updated_at = ? WHERE referral_id = ?",
            [.text(state.rawValue), .text(now), .text(referralID)])
        try keepRetention(referralID, state: state)
        // Closing the loop is news for the referrer too.
        if state == .closed, let previous, previous.string("state") != ReferralState.closed.rawValue {
            let at = now
            try appendEvent(referralID, "closed", at: at)
            try enqueue(
                to: previous.string("organisation") ?? "", referralID: referralID, handoverID: nil,
                Notice(
                    messageID: "", referralID: referralID, externalID: previous.string("external_id") ?? "",
                    event: .closed, at: at))
        }
    }

    /// Appends to the audit trail. `detail` holds field names, admin arguments and counts: never personal data.
    func appendEvent(
        _ referralID: String?, _ event: String, at: String, handoverID: String? = nil, contact: String? = nil,
        detail: [String: JSONValue]? = nil
    ) throws {
        try db.run(
            "INSERT INTO events (referral_id, at, event, handover_id, contact, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [
                referralID.map { .text($0) } ?? .null, .text(at), .text(event), handoverID.map { .text($0) } ?? .null,
                contact.map { .text($0) } ?? .null,
                detail.map { .text(JSONValue.object($0).canonicalString()) } ?? .null,
            ])
    }

    /// A contact's card as stored with a handover: kept for the day the contact is no longer on the map.
    func storedCard(_ contact: ContactPerson) throws -> String {
        try CanonicalJSONEncoder.encodeString(card(contact))
    }

    /// The card stored with handover row `h`, for a contact who has left the map since.
    func storedCard(_ h: Row) -> ContactCard? {
        h.string("contact_card").flatMap { try? SRPCoding.decoder.decode(ContactCard.self, from: Data($0.utf8)) }
    }

    /// A stored explanation, or nil when the column is unreadable.
    func explanation(_ text: String) -> MatchExplanation? {
        try? SRPCoding.decoder.decode(MatchExplanation.self, from: Data(text.utf8))
    }

    /// The card of the contact who leads `referralID`, when that is someone other than `holder`, who holds
    /// `handoverID`: with the direct line once the lead has acknowledged, without it while the lead is only offered.
    func leadCard(_ referralID: String, besides handoverID: String, holder: String) throws -> ContactCard? {
        guard
            let row = try db.queryOne(
                """
                SELECT contact, state FROM handovers WHERE referral_id = ? AND is_lead = 1 AND handover_id != ?
                  AND contact IS NOT NULL AND state IN ('offered', 'accepted', 'contacted', 'completed')
                """, [.text(referralID), .text(handoverID)]),
            let contact = row.string("contact").flatMap({ map.contacts[$0] }), contact.id != holder
        else { return nil }
        let card = card(contact)
        return row.string("state") == HandoverState.offered.rawValue ? card.withoutDirectLine : card
    }

    func organisationName(_ id: String) -> String {
        map.organizations[id]?.name ?? id
    }

    func card(_ contact: ContactPerson) -> ContactCard {
        ContactCard(
            id: contact.id, name: contact.name, organisation: contact.organization,
            organisationName: organisationName(contact.organization), role: contact.role, phone: contact.phone,
            email: contact.email)
    }
}

/// Outbox bodies carry their own message id, which the desk fills in when it enqueues them.
protocol MessageIdentified {
    static var command: Command { get }
    var messageID: String { get set }
}

extension HandoverOffer: MessageIdentified {
    static var command: Command { .handover }
}

extension Notice: MessageIdentified {
    static var command: Command { .notice }
}
