import Deadlines
import Foundation
import Referrals
import SchakelProtocol
import Sodium
import SocialMap
import Storage

/// Runs the referral life cycle for the event loop: it loads the case an event concerns from the store, asks the
/// machine (``ReferralMachine``, pure) what follows, has the store write the effects, and records in the turn what
/// must follow the commit (timers, load, deliveries, checkpoints).
///
/// It runs on the event-loop thread inside the transaction the loop opened for a batch, so every change, outbox
/// included, commits or vanishes together. It sends nothing itself: the loop sends replies after the commit and
/// delivers the outbox.
final class ReferralDesk {
    let store: ReferralStore
    private(set) var machine: ReferralMachine
    private(set) var validator: ReferralValidator
    let clock: any BrokerClock
    var logger: Logger
    let policy: Policy
    /// The effects of the work done since the last commit that reach beyond the database (timers, load, outbox
    /// delivery, checkpoints), kept per savepoint so that a rollback drops them with the rows that caused them.
    private(set) var turn = Turn()
    /// When each contact was last offered a handover: the fair-rotation key of matching, read from the handovers
    /// table at start and kept in step since.
    private var lastOffered: [String: Date] = [:]
    /// The open handovers per contact (the store's ``ReferralStore/open``, kept in step with every handover's row
    /// it writes; a `COUNT(*)` per candidate per need grew with every open handover and dominated intake) and
    /// `lastOffered`, laid out for the current map, as matching reads them; rebuilt when the map is replaced
    /// (contacts who left it keep their counts in the store and above, for when they come back).
    private(set) var contactLoad: ContactLoad
    /// Contacts whose open handovers went down since the waiting needs were last looked at: a need waiting for
    /// room may be offered to one of them now.
    var releasedContacts: Set<String> = []
    /// The offer messages sent on a live connection since the start, which the loop reports (``sent(_:)``): what
    /// tells the store, when an offer is withdrawn, whether its contact received it.
    private(set) var deliveredOffers = DeliveredOffers()

    init(
        db: any SQLDatabase, map: SocialMap, policy: Policy, clock: any BrokerClock, logger: Logger, keys: KeyRing,
        retention: ISODuration
    ) throws {
        self.store = ReferralStore(db: db, keys: keys)
        self.machine = ReferralMachine(
            map: map, policy: policy, retention: retention, makeID: { Identifier.make($0) })
        self.validator = ReferralValidator(knownDomains: map.domains)
        self.policy = policy
        self.clock = clock
        self.logger = logger
        try store.prepareMessageIDs(startedAt: Date())  // the machine's time, not `clock`: see there
        try store.loadPendingMessages()
        try store.loadOpenHandovers()
        lastOffered = try store.lastOffered()
        contactLoad = ContactLoad(map: map, open: store.open.counts, lastOffered: lastOffered)
    }

    var map: SocialMap { machine.map }

    /// The data keys: personal data is sealed with the current one before it is written (encryption at rest).
    var keys: KeyRing {
        get { store.keys }
        set { store.keys = newValue }
    }

    /// How long after a referral closes its personal data is kept (config `retention`).
    var retention: ISODuration {
        get { machine.retention }
        set { machine.retention = newValue }
    }

    /// Matches with `newMap` from the next request on. Handovers already offered stay with their contact.
    func replaceMap(_ newMap: SocialMap) {
        machine.map = newMap
        machine.matcher = Matcher(map: newMap)
        contactLoad = ContactLoad(map: newMap, open: store.open.counts, lastOffered: lastOffered)
        validator = ReferralValidator(knownDomains: newMap.domains)
    }

    var now: String { RFC3339.format(clock.now()) }

    // MARK: The turn: effects that follow the commit

    /// Where a savepoint starts, for ``rollBack(to:)``: after the store's changes to its memory so far (the waiting
    /// messages, the open handovers), which the turn takes over first (a mark that moved says the work since it
    /// changed something).
    var turnMark: Int {
        takeStoreChanges()
        return turn.mark
    }

    /// Records the store's changes to its memory (``ReferralStore/takeMemoryChanges()``) in the turn, in the order
    /// they were made, so that a rollback finds each after the mark of the savepoint that made it.
    private func takeStoreChanges() {
        for change in store.takeMemoryChanges() { turn.record(.store(change)) }
    }

    /// The savepoint (or, with `0`, the transaction) that began at `mark` rolled back: its effects are dropped, and
    /// the load it changed is taken back with the database.
    func rollBack(to mark: Int) {
        takeStoreChanges()
        var loadChanged: Set<String> = []
        for effect in turn.rollBack(to: mark) {
            switch effect {
            case .load(let contact):
                loadChanged.insert(contact)  // read back from the store once its changes are undone
            case .offered(let contact, _, let previous):
                lastOffered[contact] = previous
                contactLoad.setLastOffered(previous, for: contact)
            case .store(let change):
                store.undo(change)
            case .timer, .delivery, .outboxChanged, .checkpoint:
                break  // not applied yet
            }
        }
        for contact in loadChanged { contactLoad.setOpen(store.open.count(of: contact), for: contact) }
    }

    /// The transaction committed: its effects are final; returns what the loop must now do.
    func commitTurn() -> Turn.Committed {
        takeStoreChanges()
        return turn.commit()
    }

    func record(_ effect: Turn.Effect) {
        turn.record(effect)
    }

    // MARK: Carrying out the machine's decisions

    /// Has the store write the transition's effects, then keeps the load, the turn and the log in step. Returns the
    /// offers the transition withdrew from contacts who never received them, and so told nothing, and with
    /// `givesCitizenCode` the citizen code of a referral the transition created.
    @discardableResult
    private func carryOut(
        _ transition: ReferralMachine.Transition, at moment: Date, givesCitizenCode: Bool = false
    ) throws -> (unseen: Set<String>, citizenCode: String?) {
        let (unseen, sent, citizenCode) = try store.apply(
            transition.effects, to: transition.referralCase, at: RFC3339.format(moment), delivered: deliveredOffers.ids,
            givesCitizenCode: givesCitizenCode)
        for message in sent { turn.record(.delivery(message)) }
        // Read in place, not copied (``ReferralStore/apply(_:to:at:delivered:givesCitizenCode:)``).
        let effects = transition.effects
        for index in effects.indices {
            switch effects[index] {
            case .loadChanged(let contact, let delta):
                // The store counted the handover's row as it wrote it (``ReferralStore/open``).
                contactLoad.setOpen(store.open.count(of: contact), for: contact)
                turn.record(.load(contact: contact))
                if delta < 0 { releasedContacts.insert(contact) }
            case .offered(let contact, let at):
                turn.record(.offered(contact: contact, at: at, previous: lastOffered[contact]))
                lastOffered[contact] = at
                contactLoad.setLastOffered(at, for: contact)
            case .timerScheduled(let id, _, _, let due):
                turn.record(.timer(.schedule(id: id, due: due)))
            case .timerCancelled(let id):
                turn.record(.timer(.cancel(id: id)))
            case .offerWithdrawn(let handoverID, let contact, _, _):
                // Seen: its cancellation is among `sent`. Unseen: its messages left the contact's outbox.
                guard unseen.contains(handoverID) else { continue }
                turn.record(.outboxChanged(principal: contact))
                logger.info(
                    "offer.withdrawn_unseen",
                    ["referral": transition.referralCase.id, "handover": handoverID, "contact": contact])
            case .offerSettled:
                // Its HANDOVER is confirmed for its contact; the contact a handover had when offered is not
                // necessarily the one it has now, so every outbox is read back.
                turn.record(.outboxChanged(principal: nil))
            case .purged:
                turn.record(.checkpoint)
                turn.record(.outboxChanged(principal: nil))
            case .logged(let line):
                logger.log(line.severity, line.event, fields: line.fields.map { ($0.name, $0.value) })
            case .sent, .referralCreated, .referralChanged, .handoverCreated, .handoverChanged, .noteRecorded,
                .recorded:
                break  // written by the store
            }
        }
        return (unseen, citizenCode)
    }

    /// Runs `event` on `referralCase` at this moment of the clock (one reading per event).
    @discardableResult
    func run(_ event: ReferralEvent, on referralCase: ReferralCase) throws -> ReferralMachine.Transition {
        try runReporting(event, on: referralCase).transition
    }

    /// ``run(_:on:)``, and the offers it withdrew from contacts who never received them (told nothing).
    func runReporting(_ event: ReferralEvent, on referralCase: ReferralCase) throws -> (
        transition: ReferralMachine.Transition, withdrawnUnseen: Set<String>
    ) {
        let moment = clock.now()
        let transition = try machine.handle(event, in: referralCase, now: moment, load: contactLoad)
        return (transition, try carryOut(transition, at: moment).unseen)
    }

    /// Runs a peer's `event` on the case that holds `handoverID`; returns the reply.
    private func request(_ event: ReferralEvent, handover handoverID: String) throws -> WireMessage {
        guard let referralCase = try store.loadCase(handover: handoverID, referral: event.needsReferral) else {
            throw ReferralMachine.refusalForMissing(event)
        }
        return try run(event, on: referralCase).reply ?? WireMessage(.pong)
    }

    /// Runs a peer's `event` on referral `referralID`; returns the reply.
    private func request(_ event: ReferralEvent, referral referralID: String) throws -> WireMessage {
        guard let referralCase = try store.loadCase(referralID, referral: event.needsReferral) else {
            throw ReferralMachine.refusalForMissing(event)
        }
        return try run(event, on: referralCase).reply ?? WireMessage(.pong)
    }

    // MARK: Requests

    func submit(from organisation: String, referral: Referral, canonicalBody: String) throws -> WireMessage {
        let moment = clock.now()
        let existing = try store.loadCase(organisation: organisation, externalID: referral.externalID)
        let transition = try machine.submit(
            referral, from: organisation, canonicalBody: canonicalBody, existing: existing, now: moment,
            load: contactLoad)
        // A new referral's citizen code: the store makes it with the referral's row, which keeps its digest.
        let code = try carryOut(transition, at: moment, givesCitizenCode: true).citizenCode
        return withCitizenCode(code, transition)
    }

    func ack(from principal: String, handoverID: String) throws -> WireMessage {
        try request(.acknowledge(handoverID: handoverID, by: principal), handover: handoverID)
    }

    func decline(from principal: String, handoverID: String, reason: DeclineReason) throws -> WireMessage {
        let reply = try request(.decline(handoverID: handoverID, by: principal, reason: reason), handover: handoverID)
        try releaseWaiting()
        return reply
    }

    func contacted(from principal: String, handoverID: String, at: String?, channel: Channel?) throws -> WireMessage {
        try request(.contacted(handoverID: handoverID, by: principal, at: at, channel: channel), handover: handoverID)
    }

    func outcome(from principal: String, handoverID: String, result: OutcomeResult, note: String?) throws -> WireMessage
    {
        let reply = try request(
            .outcome(handoverID: handoverID, by: principal, result: result, note: note), handover: handoverID)
        try releaseWaiting()
        return reply
    }

    func reopen(from principal: String, referralID: String, reason: String) throws -> WireMessage {
        try request(.reopen(by: principal, reason: reason), referral: referralID)
    }

    func withdraw(from principal: String, referralID: String, reason: WithdrawReason) throws -> WireMessage {
        try request(.withdraw(by: principal, reason: reason), referral: referralID)
    }

    /// RECEIVED: the messages are confirmed and never sent again.
    func confirm(from principal: String, messageIDs: [String]) throws {
        try store.confirm(messageIDs, from: principal, at: now)
    }

    // MARK: STATUS

    func status(from principal: String, query: StatusQuery) throws -> WireMessage {
        let referralCase: ReferralCase?
        switch query {
        case .referralID(let id):
            referralCase = try store.loadCase(id, referral: false)
        case .externalID(let id):
            guard principal.hasPrefix("org:") else {
                throw Rejection(
                    .notFound, "an external_id is known only to the organisation that chose it; ask by referral_id",
                    field: "external_id")
            }
            referralCase = try store.loadCase(organisation: principal, externalID: id, referral: false)
        }
        guard let referralCase else { throw Rejection(.notFound, "no referral with that id") }
        let status = try machine.status(
            of: referralCase, timeline: try store.timeline(referralCase.id), for: principal, now: clock.now())
        return WireMessage(.referral, encoding: status)
    }

    // MARK: Timers

    /// Every pending timer, earliest first, to fill the event loop's queue at start.
    func pendingTimers() throws -> [(id: String, due: Date, sequence: UInt64)] {
        try store.pendingTimers()
    }

    /// Fires one timer: its effects and the removal of its row commit together, so a crash before the commit
    /// leaves it pending (it fires again at start) and after it, gone.
    func fire(timerID: String) throws {
        guard let timer = try store.timer(timerID) else { return }
        let event = ReferralEvent.timerFired(timer.kind, handoverID: timer.handoverID)
        guard let referralCase = try store.loadCase(timer.referralID, referral: event.needsReferral) else { return }
        try run(event, on: referralCase)
        try releaseWaiting()
    }

    // MARK: Waiting needs and departed contacts

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
        for need in try store.waitingNeeds() {
            guard
                withRoom.contains(where: {
                    $0.domains.contains(need.domain) && map.serves($0, municipality: need.municipality)
                })
            else { continue }
            try retryWaiting(need.handoverID, referralID: need.referralID)
            withRoom.removeAll { contactLoad.open($0.id) >= $0.capacity }
            if withRoom.isEmpty { break }
        }
    }

    /// Tries every waiting need whose domain passes `include`, oldest first.
    func retryWaiting(domains include: (String) -> Bool = { _ in true }) throws {
        for need in try store.waitingNeeds() where include(need.domain) {
            try retryWaiting(need.handoverID, referralID: need.referralID)
        }
    }

    private func retryWaiting(_ handoverID: String, referralID: String) throws {
        guard let referralCase = try store.loadCase(referralID) else { return }
        try run(.capacityFreed(handoverID: handoverID), on: referralCase)
    }

    /// After a reload: every offer still pending to a contact who is no longer on the map is withdrawn (CANCELLED
    /// `removed_from_map`) and offered to the next candidate (NOTICE `rerouted`). Acknowledged handovers stay with
    /// their owner. Returns how many were withdrawn.
    func withdrawOffersOfDepartedContacts() throws -> Int {
        var withdrawn = 0
        for offer in try store.openOffers() where map.contacts[offer.contact] == nil {
            guard let referralCase = try store.loadCase(offer.referralID) else { continue }
            try run(.contactLeftMap(handoverID: offer.handoverID), on: referralCase)
            withdrawn += 1
        }
        releasedContacts = []
        return withdrawn
    }

    // MARK: Assignment

    /// Offers the need of the unowned or unroutable handover `handoverID` to `contactID`, on behalf of
    /// `coordinator`. Returns the new handover's id.
    func assign(handoverID: String, to contactID: String, by coordinator: String) throws -> String {
        let event = ReferralEvent.assign(handoverID: handoverID, to: contactID, by: coordinator)
        do {
            guard let referralCase = try store.loadCase(handover: handoverID) else {
                throw ReferralMachine.refusalForMissing(event)
            }
            return try run(event, on: referralCase).handovers.first ?? ""
        } catch let rejection as Rejection {
            switch rejection.code {
            case .notFound: throw AssignError.notFound(rejection.message)
            case .forbidden: throw AssignError.forbidden(rejection.message)
            default: throw AssignError.conflict(rejection.message)
            }
        }
    }

    // MARK: Outbox

    /// The unconfirmed messages owed to `principal`, oldest first, after `afterSeq`.
    func pendingOutbox(for principal: String, afterSeq: Int64 = 0, limit: Int = 1_000) throws -> [OutboxMessage] {
        let (messages, unreadable) = try store.pendingOutbox(
            for: principal, afterSeq: afterSeq, limit: limit, word: wordKept)
        for id in unreadable { logger.error("outbox.unreadable", ["message": id]) }
        return messages
    }

    /// The body of a message the outbox keeps in part (`kept`), with `messageID`, worded from its case as the machine
    /// words it when the message is written: an offer (`handoverID` is its handover) from its changeable fields
    /// (``ReferralMachine/offer(_:in:)``), a notice from its ``NoticeReference``. Nil when the case no longer holds
    /// what it needs.
    func wordKept(command: String, handoverID: String?, messageID: String, kept: String) throws -> String? {
        let body: OutboxBody
        switch command {
        case Command.handover.rawValue:
            guard let handoverID, let referralCase = try store.loadCase(handover: handoverID),
                let offer = machine.offer(handoverID, in: referralCase)?.withChangeable(kept)
            else { return nil }
            body = .handover(offer)
        case Command.notice.rawValue:
            guard let reference = NoticeReference(text: kept),
                let referralCase = try store.loadCase(handover: reference.handoverID, referral: false),
                let notice = reference.notice(in: referralCase)
            else { return nil }
            body = .notice(notice)
        default:
            return nil
        }
        return body.wireMessage(messageID: messageID).canonicalBodyString()
    }

    func pendingCount(for principal: String) -> Int {
        store.pendingCount(for: principal)
    }

    /// The loop sent `message` on a live connection: an offer among them counts as received from now on, even before
    /// its contact confirms it. Now and then forgets the ones confirmed or deleted since; it runs after commits, so it
    /// sees only what is final.
    func sent(_ message: OutboxMessage) {
        deliveredOffers.sent(message.messageID, command: message.command)
        guard deliveredOffers.isDueForPruning else { return }
        do {
            deliveredOffers.prune(keeping: try store.unconfirmed(among: deliveredOffers.ids))
        } catch {
            logger.warning("storage.read_failed", ["error": "\(error)", "while": "pruning the delivered offers"])
        }
    }

    /// Writes one message to `principal`'s outbox, to be delivered after the commit; `message` renders it with the
    /// id the store made for it. Returns that id.
    @discardableResult
    func insertOutbox(
        to principal: String, referralID: String?, handoverID: String?,
        _ message: (_ messageID: String) throws -> WireMessage
    ) throws -> String {
        let written = try store.insertOutbox(
            to: principal, referralID: referralID, handoverID: handoverID, at: now, message)
        turn.record(.delivery(written))
        return written.messageID
    }
}

/// Why an assignment was refused; the admin socket maps it to its error codes.
enum AssignError: Error {
    case notFound(String)
    case conflict(String)
    case forbidden(String)
}

extension LogLine {
    var severity: LogLevel {
        switch level {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        }
    }
}
