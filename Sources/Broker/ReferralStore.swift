import Foundation
import Referrals
import SchakelProtocol
import Sodium
import Storage

/// The referrals, their handovers, the outbox and the timers in SQLite: the only code that holds SQL for them
/// (a test greps for it, see Tests/BrokerTests/SQLPlacementTests.swift).
///
/// It loads a ``ReferralCase`` before an event and writes the effects the machine returned; it seals personal data
/// on the way in and opens it on the way out, so nothing above it sees a sealed value and nothing below it a clear
/// one. Scans across referrals (waiting needs, offers of departed contacts, purge candidates) return ids, and each
/// id goes through the machine. Another store (PostgreSQL, or a leaner SQLite layout) implements the same methods.
///
/// Runs on the event-loop thread inside the transaction the loop opened: it never begins or commits one.
final class ReferralStore {
    let db: any SQLDatabase
    /// The data keys: personal data is sealed with the current one before it is written (encryption at rest).
    var keys: KeyRing
    /// The key of the case loaded last, which the event's effects are written under next (migration 11): on
    /// PostgreSQL, asking for it again would cost a round trip per event.
    private var loadedKey: (referralID: String, key: Int64)?
    /// The largest referral key this store has written or read, so that a new referral's key needs no query. A
    /// rolled-back transaction leaves a gap, which is harmless (keys need only grow); another writer cannot exist
    /// while this daemon holds the state (the state directory's lock, PostgreSQL's lease), and the unique index on
    /// the key would refuse a collision rather than mix two referrals.
    private var largestKey: Int64?
    /// The largest timer sequence handed out or read (``nextTimerSequence()``), for the same reasons as `largestKey`.
    var largestTimerSequence: Int64?
    /// The outbox's message ids, under the database's identifier key (``messageIDs()``).
    var madeMessageIDs: SequenceIdentifier?
    /// The largest outbox `seq` handed out (SQLite), and the numbers taken from the sequence and not yet used
    /// (PostgreSQL): ``nextOutboxSeq()``.
    var largestOutboxSeq: Int64?
    var outboxSeqs: ArraySlice<Int64> = []
    /// Every outbox row up to this `seq` was written before this daemon started (``prepareMessageIDs(startedAt:)``):
    /// whether an earlier run sent it is not known, so an offer among them counts as received (``offerSeen``).
    var writtenBeforeStart: Int64 = 0
    /// The handovers of the case loaded last (`referralID`) whose rows hold their offer (migration 16), with its
    /// `seq`: settling one of the others looks for its HANDOVER in the outbox, where offers from before version 16
    /// stay.
    private var offersInRows: (referralID: String, seqs: [String: Int64])?
    /// The `seq` of the outbox row this store wrote last: SQLite's sequence is past it (``keepOutboxSequence(past:)``).
    private var largestOutboxRowSeq: Int64 = 0
    /// The messages waiting for their principals' confirmations (``PendingMessages``), read at start
    /// (``loadPendingMessages()``) and kept in step with every row that begins or stops waiting.
    private(set) var pending = PendingMessages()
    /// The open handovers each contact holds (``OpenHandovers``), read at start (``loadOpenHandovers()``) and kept in
    /// step with every handover's row written.
    private(set) var open = OpenHandovers()
    /// The handovers of the case loaded last (`referralID`) that were open, with their contacts, as their rows held
    /// them: what a handover's row written now is compared with, to keep `open` in step.
    private var openAsLoaded: (referralID: String, contacts: [String: String])?
    /// The changes to `pending` and `open` since the desk last took them (``takeMemoryChanges()``), for its turn to
    /// undo when their rows roll back.
    private var memoryChanges: [MemoryChange] = []

    /// A change to what the store keeps in memory beside its rows, which a rollback takes back with them.
    enum MemoryChange: Equatable, Sendable {
        case pending(PendingMessages.Change)
        case open(OpenHandovers.Change)
    }

    init(db: any SQLDatabase, keys: KeyRing) {
        self.db = db
        self.keys = keys
    }

    // MARK: Sealing

    /// Seals personal data under the current data key before it is written.
    func seal(_ text: String) throws -> String {
        try keys.seal(text)
    }

    /// Opens a sealed value; text from before encryption at rest (no `sb1:` prefix) is returned as it is until
    /// the background re-seal reaches it.
    func unseal(_ stored: String) throws -> String {
        KeyRing.keyID(of: stored) == nil ? stored : try keys.open(stored)
    }

    // MARK: Loading a case

    /// The case of `referralID`, or nil when there is no such referral. With `referral` false the sealed referral
    /// is neither opened nor decoded (``ReferralCase/referral`` stays nil).
    func loadCase(_ referralID: String, referral: Bool = true) throws -> ReferralCase? {
        guard let row = try db.queryOne("SELECT * FROM referrals WHERE referral_id = ?", [.text(referralID)]) else {
            return nil
        }
        return try makeCase(row, referral: referral)
    }

    /// The case that holds handover `handoverID`.
    func loadCase(handover handoverID: String, referral: Bool = true) throws -> ReferralCase? {
        guard
            let referralID = try db.queryOne(
                "SELECT referral_id FROM handovers WHERE handover_id = ?", [.text(handoverID)])?.string("referral_id")
        else { return nil }
        return try loadCase(referralID, referral: referral)
    }

    /// The case an organisation submitted under `externalID` (its idempotency key).
    func loadCase(organisation: String, externalID: String, referral: Bool = true) throws -> ReferralCase? {
        guard
            let row = try db.queryOne(
                "SELECT * FROM referrals WHERE organisation = ? AND external_id = ?",
                [.text(organisation), .text(externalID)])
        else { return nil }
        return try makeCase(row, referral: referral)
    }

    private func makeCase(_ row: Row, referral open: Bool = true) throws -> ReferralCase {
        let referralID = row.string("referral_id") ?? ""
        let stored = row.string("body") ?? ""
        let body = stored.isEmpty || !open ? nil : try unseal(stored)
        let referral = try body.map { try SRPCoding.decoder.decode(Referral.self, from: Data($0.utf8)) }
        var referralCase = ReferralCase(
            id: referralID, organisation: row.string("organisation") ?? "",
            externalID: row.string("external_id") ?? "",
            urgency: Urgency(rawValue: row.string("urgency") ?? "") ?? .normal,
            municipality: row.string("municipality") ?? "",
            state: ReferralState(rawValue: row.string("state") ?? "") ?? .open,
            createdAt: row.string("created_at") ?? "", updatedAt: row.string("updated_at") ?? "",
            referral: referral, canonicalBody: body)
        referralCase.closedAt = row.string("closed_at")
        referralCase.purgedAt = row.string("purged_at")
        referralCase.withdrawnReason = row.string("withdrawn_reason").flatMap(WithdrawReason.init(rawValue:))
        let key = SQLValue.integer(row.int64("referral_key") ?? -1)
        if case .integer(let number) = key { loadedKey = (referralID, number) }
        let rows = try db.query("SELECT * FROM handovers WHERE referral_key = ? ORDER BY rowid", [key])
        referralCase.handovers = rows.map(Self.handover)
        var seqs: [String: Int64] = [:]
        for row in rows {
            if let seq = row.int64("offer_seq"), let id = row.string("handover_id") { seqs[id] = seq }
        }
        offersInRows = (referralID, seqs)
        openAsLoaded = (referralID, Self.openContacts(referralCase.handovers))
        if case .integer(let number) = key {
            for entry in try timerEntries(key: number).entries { referralCase.timers[entry.id] = entry.due }
        }
        return referralCase
    }

    static func handover(_ h: Row) -> Handover {
        var handover = Handover(
            id: h.string("handover_id") ?? "", needIndex: h.int("need_index") ?? 0, domain: h.string("domain") ?? "",
            contact: h.string("contact"), state: HandoverState(rawValue: h.string("state") ?? "") ?? .unroutable,
            isLead: h.bool("is_lead") ?? false, createdAt: h.string("created_at") ?? "",
            updatedAt: h.string("updated_at") ?? "")
        handover.declineReason = h.string("decline_reason").flatMap(DeclineReason.init(rawValue:))
        handover.ackBy = h.string("ack_by")
        handover.contactBy = h.string("contact_by")
        handover.nazorgAt = h.string("nazorg_at")
        handover.answerBy = h.string("answer_by")
        handover.contactedAt = h.string("contacted_at")
        handover.contactChannel = h.string("contact_channel").flatMap(Channel.init(rawValue:))
        handover.outcome = h.string("outcome").flatMap(OutcomeResult.init(rawValue:))
        handover.outcomeReferrer = h.string("outcome_referrer").flatMap(OutcomeResult.init(rawValue:))
        handover.outcomeContact = h.string("outcome_contact").flatMap(OutcomeResult.init(rawValue:))
        handover.offeredAt = h.string("offered_at")
        handover.explanation = h.string("explanation")
        handover.contactCard = h.string("contact_card")
        handover.escalationLevel = h.int("escalation_level") ?? 0
        return handover
    }

    // MARK: Writing what the machine decided

    /// Writes the effects of one event on `referralCase` (the case as the machine left it). A record created or
    /// changed is written once, as the case now holds it; messages, events and timers are written in order.
    /// `delivered` holds the HANDOVER and REMINDER messages the broker sent on a live connection since it started:
    /// with the outbox as it was before this event, it says whether a withdrawn offer was seen. A handover's rows
    /// are written after the walk, with what the event did to its offer (``OfferWrite``). Returns the offers
    /// withdrawn unseen, whose contacts were told nothing, the messages written, as rendered, in order, and, with
    /// `givesCitizenCode`, the code of a new referral for its first ACCEPTED: made from the key the referral is
    /// written under (``newCitizenCode(key:)``), its row keeps only the code's digest.
    @discardableResult
    func apply(
        _ effects: [ReferralEffect], to referralCase: ReferralCase, at: String, delivered: Set<String>,
        givesCitizenCode: Bool = false
    ) throws -> (unseen: Set<String>, sent: [OutboxMessage], citizenCode: String?) {
        var written: Set<String> = []
        var changed: [String] = []
        var referralChanged = false
        var seen: [String: Bool] = [:]
        var unseen: Set<String> = []
        var sent: [OutboxMessage] = []
        var citizenCode: String?
        // The turn's events, in order, written as one row of the log when the loop is done or something reads it first.
        var events: [AuditEntry] = []
        // Likewise its timers, as one row of the referral's timers when the loop is done.
        var timerChanges: [TimerChange] = []
        // Handovers are written when the loop is done too, each with what the event did to its offer.
        var created: [String] = []
        var offers: [String: OfferWrite] = [:]
        var purges = false
        if offersInRows?.referralID != referralCase.id { offersInRows = (referralCase.id, [:]) }
        /// A handover of this event's to write back (after the walk), unless it is written already.
        func change(_ id: String) {
            if !written.contains(id), !changed.contains(id) { changed.append(id) }
        }
        // The referral's rows are written and found under its key (migration 11); a new referral gets its key from
        // its own INSERT, the first effect of its event.
        // The effects are read in place (`effects[index]`): `for effect in effects` copied each of them, and a
        // referral's two dozen effects were copied and destroyed three times over (issue 22).
        var creates = false
        var withdrawn = false
        for index in effects.indices {
            switch effects[index] {
            case .referralCreated: creates = true
            case .offerWithdrawn: withdrawn = true
            default: continue
            }
        }
        var key: Int64 = -1
        if let loaded = loadedKey, loaded.referralID == referralCase.id {
            key = loaded.key
        } else if !creates {
            key = try referralKey(referralCase.id) ?? -1
        }
        for index in effects.indices where withdrawn {
            guard case .offerWithdrawn(let handoverID, let contact, _, _) = effects[index] else { continue }
            seen[handoverID] = try offerSeen(handoverID, by: contact, referralKey: key, delivered: delivered)
        }
        for index in effects.indices {
            switch effects[index] {
            case .referralCreated(let canonicalBody):
                key = try nextReferralKey()
                let code = givesCitizenCode ? try newCitizenCode(key: key) : nil
                try insertReferral(referralCase, key: key, body: try seal(canonicalBody), citizenCode: code?.stored)
                citizenCode = code?.code
                written.insert(referralCase.id)
            case .referralChanged:
                referralChanged = true
            case .handoverCreated(let id):
                guard referralCase.handover(id) != nil else { continue }
                created.append(id)
                written.insert(id)
            case .handoverChanged(let id):
                change(id)
            case .noteRecorded(let handoverID, let note):
                try db.run(
                    "UPDATE handovers SET outcome_note = ? WHERE handover_id = ?",
                    [.text(try seal(note)), .text(handoverID)])
            case .timerScheduled(let id, _, _, let due):
                timerChanges.append(.schedule(id: id, due: due))
            case .timerCancelled(let id):
                timerChanges.append(.cancel(id: id))
            case .sent(let principal, let body, let handoverID):
                // An offer to the handover's own contact is kept in the handover's row (migration 16).
                let inRow = handoverID.map { referralCase.handover($0)?.contact == principal } ?? false
                let (message, offer) = try writeMessage(
                    to: principal, referralID: referralCase.id, key: key, handoverID: handoverID, at: at,
                    offerInRow: inRow
                ) { body.rendered(messageID: $0, in: referralCase) }
                sent.append(message)
                if let handoverID, let offer {
                    offers[handoverID] = offer
                    change(handoverID)
                }
            case .offerSettled(let handoverID):
                offers[handoverID] = offers[handoverID]?.settled(at: at) ?? .settled(at: at)
                change(handoverID)
                if offersInRows?.seqs[handoverID] != nil || offers[handoverID]?.seq != nil { continue }
                try settleOfferInOutbox(handoverID, key: key, at: at)
            case .offerWithdrawn(let handoverID, let contact, var entry, let cancelled):
                if seen[handoverID] == true {
                    events.append(entry)
                    sent.append(
                        try insertOutbox(to: contact, referralID: referralCase.id, key: key, handoverID: nil, at: at) {
                            cancelled.wireMessage(messageID: $0)
                        })
                } else {
                    try dropUnseenOffer(handoverID, from: contact, referralKey: key)
                    offers[handoverID] = .dropped
                    change(handoverID)
                    entry.detail = (entry.detail ?? [:]).merging(["offer": "unseen"]) { $1 }
                    events.append(entry)
                    unseen.insert(handoverID)
                }
            case .recorded(let entry, let once):
                if once {
                    try insertEvents(events, referralID: referralCase.id, key: key)
                    events.removeAll()
                    if try isRecorded(entry, referralID: referralCase.id) { continue }
                }
                events.append(entry)
            case .purged:
                purges = true  // after the handovers' rows, so that none writes its offer back
            case .loadChanged, .offered, .logged:
                break  // the broker's memory and log, not the database
            }
        }
        try insertEvents(events, referralID: referralCase.id, key: key)
        try writeTimers(timerChanges, key: key, isNew: creates)
        try noteOpen(created + changed, of: referralCase, key: key, isNew: creates)
        for id in created {
            if let handover = referralCase.handover(id) {
                try insertHandover(handover, referralID: referralCase.id, key: key, offer: offers[id])
            }
        }
        for id in changed {
            if let handover = referralCase.handover(id) { try updateHandover(handover, offer: offers[id]) }
        }
        try keepOutboxSequence(past: offers)
        for (id, offer) in offers {
            notePending(offer, of: referralCase.handover(id), heldBefore: offersInRows?.seqs[id])
            switch offer {
            case .offered(let seq, _, _): offersInRows?.seqs[id] = seq
            case .dropped: offersInRows?.seqs[id] = nil
            case .settled: break
            }
        }
        if purges { try purgePersonalData(referralCase.id, key: key, at: at) }
        if referralChanged, !written.contains(referralCase.id) {
            try db.run(
                """
                UPDATE referrals SET state = ?, updated_at = ?, closed_at = ?, withdrawn_reason = ?
                WHERE referral_id = ?
                """,
                [
                    .text(referralCase.state.rawValue), .text(referralCase.updatedAt),
                    referralCase.closedAt.map { .text($0) } ?? .null,
                    referralCase.withdrawnReason.map { .text($0.rawValue) } ?? .null, .text(referralCase.id),
                ])
        }
        return (unseen, sent, citizenCode)
    }

    /// The key the next new referral is written under.
    private func nextReferralKey() throws -> Int64 {
        try (largestKey ?? db.queryOne("SELECT MAX(referral_key) AS k FROM referrals")?.int64("k") ?? 0) + 1
    }

    /// Writes a new referral under `key` (``nextReferralKey()``), with `citizenCode`, what the store keeps of its code.
    private func insertReferral(_ referralCase: ReferralCase, key: Int64, body: String, citizenCode: String?) throws {
        largestKey = key
        try db.run(
            """
            INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency, municipality, body,
                                   state, created_at, updated_at, closed_at, citizen_code)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(referralCase.id), .integer(key), .text(referralCase.organisation), .text(referralCase.externalID),
                .text(referralCase.urgency.rawValue), .text(referralCase.municipality), .text(body),
                .text(referralCase.state.rawValue), .text(referralCase.createdAt), .text(referralCase.updatedAt),
                referralCase.closedAt.map { .text($0) } ?? .null, citizenCode.map { .text($0) } ?? .null,
            ])
    }

    /// The key the rows of referral `referralID` are found under (migration 11), or nil when there is no such referral.
    func referralKey(_ referralID: String) throws -> Int64? {
        try db.queryOne("SELECT referral_key FROM referrals WHERE referral_id = ?", [.text(referralID)])?
            .int64("referral_key")
    }

    /// SQL for the key of the referral whose id is bound in its place: for statements that name a referral by id.
    static let keyOfReferral = "(SELECT referral_key FROM referrals WHERE referral_id = ?)"

    /// Writes a new handover, with its offer when the event made one (``OfferWrite/offered(seq:kept:confirmedAt:)``).
    private func insertHandover(_ h: Handover, referralID: String, key: Int64, offer: OfferWrite?) throws {
        var arguments: [SQLValue] = [
            .text(h.id), .text(referralID), .integer(key), .integer(Int64(h.needIndex)), .text(h.domain),
        ]
        arguments.reserveCapacity(27)
        Self.appendColumns(h, to: &arguments)
        arguments.append(.text(h.createdAt))
        arguments.append(.text(h.updatedAt))
        if case .offered(let seq, let kept, let confirmedAt) = offer {
            arguments.append(.integer(seq))
            arguments.append(.text(kept))
            arguments.append(confirmedAt.map { .text($0) } ?? .null)
        } else {
            arguments.append(contentsOf: [.null, .null, .null])
        }
        try db.run(
            """
            INSERT INTO handovers (handover_id, referral_id, referral_key, need_index, domain, contact, state, is_lead,
                                   decline_reason, ack_by, contact_by, nazorg_at, answer_by, contacted_at,
                                   contact_channel, outcome, outcome_referrer, outcome_contact, offered_at,
                                   explanation, contact_card, escalation_level, created_at, updated_at, offer_seq,
                                   offer_body, offer_confirmed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments)
    }

    /// Writes a handover's changed row and what the event did to its offer; the offer's columns are left alone when
    /// it did nothing to them, so that the index of waiting offers is not touched.
    private func updateHandover(_ h: Handover, offer: OfferWrite?) throws {
        var arguments: [SQLValue] = []
        arguments.reserveCapacity(22)
        Self.appendColumns(h, to: &arguments)
        arguments.append(.text(h.updatedAt))
        let statement: String
        switch offer {
        case nil:
            statement = Self.updateHandover
        case .offered(let seq, let kept, let confirmedAt):
            statement = Self.updateHandoverWithOffer
            arguments.append(.integer(seq))
            arguments.append(.text(kept))
            arguments.append(confirmedAt.map { .text($0) } ?? .null)
        case .settled(let at):
            statement = Self.updateHandoverSettlingOffer
            arguments.append(.text(at))
        case .dropped:
            statement = Self.updateHandoverDroppingOffer
        }
        arguments.append(.text(h.id))
        try db.run(statement, arguments)
    }

    private static let updateHandover = updateHandover(setting: "")
    private static let updateHandoverWithOffer = updateHandover(
        setting: ", offer_seq = ?, offer_body = ?, offer_confirmed_at = ?")
    /// Settles the row's offer, if it holds one unsettled (one from before version 16 is settled in the outbox).
    private static let updateHandoverSettlingOffer = updateHandover(
        setting: """
            ,
                   offer_confirmed_at = CASE WHEN offer_seq IS NULL OR offer_confirmed_at IS NOT NULL
                                             THEN offer_confirmed_at ELSE ? END
            """)
    private static let updateHandoverDroppingOffer = updateHandover(
        setting: ", offer_seq = NULL, offer_body = NULL, offer_confirmed_at = NULL")

    private static func updateHandover(setting offer: String) -> String {
        """
        UPDATE handovers SET contact = ?, state = ?, is_lead = ?, decline_reason = ?, ack_by = ?, contact_by = ?,
               nazorg_at = ?, answer_by = ?, contacted_at = ?, contact_channel = ?, outcome = ?,
               outcome_referrer = ?, outcome_contact = ?, offered_at = ?, explanation = ?, contact_card = ?,
               escalation_level = ?, updated_at = ?\(offer)
        WHERE handover_id = ?
        """
    }

    /// Appends the columns a handover's life cycle changes, from `contact` to `escalation_level`: into the caller's
    /// list, which joining lists copied twice per handover (issue 22).
    private static func appendColumns(_ h: Handover, to arguments: inout [SQLValue]) {
        func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
        arguments.append(contentsOf: [
            text(h.contact), .text(h.state.rawValue), .integer(h.isLead ? 1 : 0), text(h.declineReason?.rawValue),
            text(h.ackBy), text(h.contactBy), text(h.nazorgAt), text(h.answerBy), text(h.contactedAt),
            text(h.contactChannel?.rawValue), text(h.outcome?.rawValue), text(h.outcomeReferrer?.rawValue),
            text(h.outcomeContact?.rawValue), text(h.offeredAt), text(h.explanation), text(h.contactCard),
            .integer(Int64(h.escalationLevel)),
        ])
    }

    /// Deletes the personal data of a referral and keeps the pseudonymous rest (states, times, domains, outcome
    /// codes, the timeline): the sealed body and notes, and the offers that carried summaries.
    private func purgePersonalData(_ referralID: String, key: Int64, at: String) throws {
        try db.run(
            "UPDATE referrals SET body = '', citizen_code = NULL, purged_at = ? WHERE referral_id = ? AND purged_at IS NULL",
            [.text(at), .text(referralID)])
        try db.run(
            "UPDATE handovers SET outcome_note = NULL WHERE referral_key = ? AND outcome_note IS NOT NULL",
            [.integer(key)])
        // The offers waiting for their contacts leave with their bodies: in the outbox (before version 16) and in
        // the handovers' rows.
        let waiting = try db.query(
            """
            SELECT seq FROM outbox WHERE referral_key = ? AND command = 'HANDOVER' AND confirmed_at IS NULL
            UNION ALL
            SELECT offer_seq FROM handovers
            WHERE referral_key = ? AND offer_confirmed_at IS NULL AND offer_seq IS NOT NULL
            """, [.integer(key), .integer(key)])
        for row in waiting { if let seq = row.int64("seq") { noteSettled(seq) } }
        try db.run(
            "DELETE FROM outbox WHERE referral_key = ? AND (command = 'HANDOVER' OR confirmed_at IS NOT NULL)",
            [.integer(key)])
        try db.run(
            """
            UPDATE handovers SET offer_seq = NULL, offer_body = NULL, offer_confirmed_at = NULL
            WHERE referral_key = ? AND offer_seq IS NOT NULL
            """, [.integer(key)])
        if offersInRows?.referralID == referralID { offersInRows?.seqs = [:] }
    }

    // MARK: The messages waiting for a confirmation

    /// Message `seq` to `principal` now waits for its confirmation, kept in `place`.
    func noteWaiting(_ seq: Int64, for principal: String, in place: PendingMessages.Place) {
        if let change = pending.add(seq, for: principal, in: place) { memoryChanges.append(.pending(change)) }
    }

    /// Message `seq` waits no more: confirmed, settled or deleted.
    func noteSettled(_ seq: Int64) {
        if let change = pending.remove(seq) { memoryChanges.append(.pending(change)) }
    }

    /// Keeps `pending` in step with what an event did to the offer of `handover`, whose row held the offer
    /// `heldBefore` (waiting or not) when the case was loaded.
    private func notePending(_ offer: OfferWrite, of handover: Handover?, heldBefore: Int64?) {
        if let heldBefore, heldBefore != offer.seq { noteSettled(heldBefore) }
        if case .offered(let seq, _, nil) = offer, let contact = handover?.contact {
            noteWaiting(seq, for: contact, in: .handover)
        }
    }

    /// The changes to the waiting messages and the open handovers since the last call, oldest first: the desk's turn
    /// keeps them, to undo them when their rows roll back (``undo(_:)``).
    func takeMemoryChanges() -> [MemoryChange] {
        guard !memoryChanges.isEmpty else { return [] }
        defer { memoryChanges = [] }
        return memoryChanges
    }

    /// Takes back a change whose rows rolled back. The case loaded last is no longer known as its rows hold it.
    func undo(_ change: MemoryChange) {
        switch change {
        case .pending(let change): pending.undo(change)
        case .open(let change): open.undo(change)
        }
        openAsLoaded = nil
    }

    /// Reads every message waiting for a confirmation, at start: the outbox's and the offers in their handovers'
    /// rows, both through their indexes of waiting messages (keyed by `seq`, migration 17).
    func loadPendingMessages() throws {
        var waiting: [(seq: Int64, principal: String, place: PendingMessages.Place)] = []
        for row in try db.query("SELECT seq, principal FROM outbox WHERE confirmed_at IS NULL") {
            if let seq = row.int64("seq"), let principal = row.string("principal") {
                waiting.append((seq, principal, .outbox))
            }
        }
        let offers = try db.query(
            """
            SELECT offer_seq, contact FROM handovers WHERE offer_seq IS NOT NULL AND offer_confirmed_at IS NULL
            """)
        for row in offers {
            if let seq = row.int64("offer_seq"), let contact = row.string("contact") {
                waiting.append((seq, contact, .handover))
            }
        }
        // In order, so that each principal's list is built by appending.
        waiting.sort { $0.seq < $1.seq }
        var loaded = PendingMessages()
        for message in waiting { loaded.add(message.seq, for: message.principal, in: message.place) }
        pending = loaded
        memoryChanges.removeAll { if case .pending = $0 { true } else { false } }
    }

    // MARK: The open handovers each contact holds

    /// The open handovers of `handovers` with their contacts, by handover id.
    private static func openContacts(_ handovers: [Handover]) -> [String: String] {
        var contacts: [String: String] = [:]
        for handover in handovers where handover.state.isOpen {
            if let contact = handover.contact { contacts[handover.id] = contact }
        }
        return contacts
    }

    /// Keeps `open` in step with the rows of handovers `ids` of `referralCase` about to be written: each compared
    /// with its row as loaded. A case that was not the one loaded last has its rows read first; a new one has none.
    private func noteOpen(_ ids: [String], of referralCase: ReferralCase, key: Int64, isNew: Bool) throws {
        guard !ids.isEmpty else { return }
        if isNew {
            openAsLoaded = (referralCase.id, [:])
        } else if openAsLoaded?.referralID != referralCase.id {
            var contacts: [String: String] = [:]
            for row in try db.query(
                "SELECT handover_id, contact FROM handovers WHERE referral_key = ? AND \(Schema.openHandover)",
                [.integer(key)])
            {
                if let id = row.string("handover_id"), let contact = row.string("contact") { contacts[id] = contact }
            }
            openAsLoaded = (referralCase.id, contacts)
        }
        for id in ids {
            let before = openAsLoaded?.contacts[id]
            let handover = referralCase.handover(id)
            let after = handover?.state.isOpen == true ? handover?.contact : nil
            guard before != after else { continue }
            if let before, let change = open.remove(before, referralKey: key) { memoryChanges.append(.open(change)) }
            if let after { memoryChanges.append(.open(open.add(after, referralKey: key))) }
            openAsLoaded?.contacts[id] = after
        }
    }

    /// Every open handover's referral key and contact, through the index of open handovers (migration 18), which
    /// holds both: the start reads no row of the table. Its plan is a test's (`Migration18Tests`).
    static let openHandoversAtStart =
        "SELECT referral_key, contact FROM handovers WHERE \(Schema.openHandover) AND contact IS NOT NULL"

    /// Reads which open handovers each contact holds, at start, through the index of open handovers (migration 18).
    func loadOpenHandovers() throws {
        var loaded = OpenHandovers()
        for row in try db.query(Self.openHandoversAtStart) {
            if let key = row.int64("referral_key"), let contact = row.string("contact") {
                loaded.add(contact, referralKey: key)
            }
        }
        open = loaded
        openAsLoaded = nil
        memoryChanges.removeAll { if case .open = $0 { true } else { false } }
    }

    // MARK: The event log

    /// Appends to the audit trail. `detail` holds field names, admin arguments and counts: never personal data.
    /// `key` is the referral's key when the caller knows it; otherwise it is looked up by `referralID`.
    func appendEvent(_ referralID: String?, key: Int64? = nil, _ entry: AuditEntry) throws {
        try db.run(
            Self.insertEvents,
            [
                .integer(1), referralID.map { .text($0) } ?? .null, key.map { .integer($0) } ?? .null,
                referralID.map { .text($0) } ?? .null, .text(EventEntries.json(CollectionOfOne(entry))),
            ])
    }

    /// Writes the events of one turn of referral `referralID`, in order, as one row of `event_log` (migration 14):
    /// a SUBMIT's five events were five rows and five index entries. Nothing when `entries` is empty.
    func insertEvents(_ entries: [AuditEntry], referralID: String, key: Int64) throws {
        guard !entries.isEmpty else { return }
        try db.run(
            Self.insertEvents,
            [
                .integer(Int64(entries.count)), .text(referralID), .integer(key), .text(referralID),
                .text(EventEntries.json(entries)),
            ])
    }

    /// The row's `seq` is its last event's number: the numbers run on from the last row's by the row's events. Read
    /// in the statement (the table's last entry, one cached page) rather than counted in memory, so a rolled-back
    /// turn leaves no gap and a standby that takes over needs nothing read first.
    private static let insertEvents = """
        INSERT INTO event_log (seq, referral_id, referral_key, entries)
        VALUES ((SELECT COALESCE(MAX(seq), 0) FROM event_log) + ?, ?, COALESCE(?, \(keyOfReferral)), ?)
        """

    private func isRecorded(_ entry: AuditEntry, referralID: String) throws -> Bool {
        try db.queryOne(
            """
            SELECT 1 AS found FROM events
            WHERE referral_key = \(Self.keyOfReferral) AND event = ? AND handover_id IS NOT DISTINCT FROM ?
              AND contact IS NOT DISTINCT FROM ? AND detail IS NOT DISTINCT FROM ?
            LIMIT 1
            """,
            [
                .text(referralID), .text(entry.event), entry.handoverID.map { .text($0) } ?? .null,
                entry.contact.map { .text($0) } ?? .null,
                entry.detail.map { .text(JSONValue.object($0).canonicalString()) } ?? .null,
            ]) != nil
    }

    /// The STATUS timeline: every event of the referral but the audit-only ones.
    func timeline(_ referralID: String) throws -> [TimelineEntry] {
        try db.query(
            """
            SELECT at, event, handover_id, contact FROM events
            WHERE referral_key = \(Self.keyOfReferral) AND event != 'disclosed' AND event NOT LIKE 'admin.%' AND event NOT LIKE 'citizen.%'
            ORDER BY seq
            """, [.text(referralID)]
        ).map {
            TimelineEntry(
                at: $0.string("at") ?? "", event: $0.string("event") ?? "", handoverID: $0.string("handover_id"),
                contact: $0.string("contact"))
        }
    }

    // MARK: The outbox

    /// Writes one message to `principal`'s outbox, to be delivered after the commit, and returns its id: `message`
    /// renders the message with the id, which is made from the row's `seq` (``nextOutboxSeq()``) and not stored.
    /// `key` is the referral's key when the caller knows it; otherwise it is looked up by `referralID`.
    /// Returns the message as rendered (its body not sealed), for the loop to send after the commit.
    @discardableResult
    func insertOutbox(
        to principal: String, referralID: String?, key: Int64? = nil, handoverID: String?, at: String,
        _ message: (_ messageID: String) throws -> WireMessage
    ) throws -> OutboxMessage {
        try insertOutbox(to: principal, referralID: referralID, key: key, handoverID: handoverID, at: at) {
            (try message($0), nil)
        }
    }

    /// ``insertOutbox(to:referralID:key:handoverID:at:_:)`` for a message the outbox may keep in part: `render` gives
    /// the message and, when its case can word the rest again, what to keep of it (``OutboxBody/rendered(messageID:in:)``).
    /// Then only that is stored, after ``keptPrefix``: the desk words the rest again from the case when the message is
    /// sent again (``pendingOutbox(for:afterSeq:limit:word:)``). Kept whole, an offer repeated the referral's personal
    /// data, sealed, twice per referral; one kept whole (an offer that names no handover to word it from) is still
    /// sealed like every other piece of personal data.
    @discardableResult
    func insertOutbox(
        to principal: String, referralID: String?, key: Int64? = nil, handoverID: String?, at: String,
        _ render: (_ messageID: String) throws -> (message: WireMessage, kept: String?)
    ) throws -> OutboxMessage {
        try writeMessage(
            to: principal, referralID: referralID, key: key, handoverID: handoverID, at: at, offerInRow: false, render
        ).message
    }

    /// ``insertOutbox(to:referralID:key:handoverID:at:_:)``, but with `offerInRow` an offer (a HANDOVER of
    /// `handoverID` that its case can word again) is not written: it is returned, for the caller to keep in the
    /// handover's row (migration 16), under the `seq` its message id was made from.
    private func writeMessage(
        to principal: String, referralID: String?, key: Int64?, handoverID: String?, at: String, offerInRow: Bool,
        _ render: (_ messageID: String) throws -> (message: WireMessage, kept: String?)
    ) throws -> (message: OutboxMessage, offer: OfferWrite?) {
        let seq = try nextOutboxSeq()
        let messageID = try messageIDs().id(seq)
        let (rendered, kept) = try render(messageID)
        let text = rendered.canonicalBodyString()
        let isOffer = rendered.command == Command.handover.rawValue
        let message = OutboxMessage(
            seq: seq, messageID: messageID, principal: principal, command: rendered.command, body: Data(text.utf8))
        if offerInRow, isOffer, handoverID != nil, let kept {
            return (message, .offered(seq: seq, kept: kept, confirmedAt: nil))
        }
        let stored =
            if let kept, !isOffer || handoverID != nil {
                Self.keptPrefix + kept
            } else {
                isOffer ? try seal(text) : text
            }
        try db.run(
            db.dialect == .postgresql ? Self.insertOutboxPostgreSQL : Self.insertOutboxSQLite,
            [
                .integer(seq), .text(principal), .text(rendered.command), .text(stored),
                referralID.map { .text($0) } ?? .null, key.map { .integer($0) } ?? .null,
                referralID.map { .text($0) } ?? .null, handoverID.map { .text($0) } ?? .null, .text(at),
            ])
        largestOutboxRowSeq = seq
        noteWaiting(seq, for: principal, in: .outbox)
        return (message, nil)
    }

    /// Keeps SQLite's outbox sequence past the offers written to handovers' rows: it counts only the outbox's own
    /// rows, and a start reads it to know which numbers were handed out (``nextOutboxSeq()``). PostgreSQL's
    /// sequence counts every number it gave.
    private func keepOutboxSequence(past offers: [String: OfferWrite]) throws {
        guard db.dialect == .sqlite else { return }
        var largest: Int64?
        for case .offered(let seq, _, _) in offers.values { largest = max(largest ?? seq, seq) }
        // An outbox row written after the offers moved the sequence past them already.
        guard let largest, largest > largestOutboxRowSeq else { return }
        try db.run(
            "UPDATE sqlite_sequence SET seq = ? WHERE name = 'outbox' AND seq < ?",
            [.integer(largest), .integer(largest)])
    }

    /// The outbox's INSERT, written once for each engine (PostgreSQL writes a value into an identity column only when
    /// told to): built by interpolation for every message, it cost 12 k instructions a referral (issue 22).
    private static let insertOutboxSQLite = insertOutbox(overriding: "")
    private static let insertOutboxPostgreSQL = insertOutbox(overriding: "OVERRIDING SYSTEM VALUE")

    private static func insertOutbox(overriding: String) -> String {
        """
        INSERT INTO outbox (seq, principal, command, body, referral_id, referral_key, handover_id, created_at)
        \(overriding)
        VALUES (?, ?, ?, ?, ?, COALESCE(?, \(keyOfReferral)), ?, ?)
        """
    }

    /// The unconfirmed messages owed to `principal`, oldest first, after `afterSeq`: the outbox's rows and the
    /// offers kept in their handovers' rows (migration 16), in the order of their `seq`, which `pending` knows (the
    /// rows are read by it, not by an index keyed by principal: migration 17). `word` words the body of a
    /// message the outbox keeps in part (``insertOutbox(to:referralID:key:handoverID:at:_:)``). The id of a
    /// message that cannot be opened or worded any more is returned in `unreadable`, for the caller to log.
    func pendingOutbox(
        for principal: String, afterSeq: Int64, limit: Int, word: KeptWording
    ) throws -> (messages: [OutboxMessage], unreadable: [String]) {
        var messages: [OutboxMessage] = []
        var unreadable: [String] = []
        var inOutbox: [Int64] = []
        var inRows: [Int64] = []
        for seq in pending.seqs(for: principal, after: afterSeq, limit: limit) {
            if pending.owner(of: seq)?.place == .handover { inRows.append(seq) } else { inOutbox.append(seq) }
        }
        // Each by its `seq` (the outbox's key, the waiting offers' index): what a principal is owed is known here.
        let rows =
            inOutbox.isEmpty
            ? []
            : try db.query(
                """
                SELECT seq, message_id, command, body, handover_id FROM outbox
                WHERE seq IN (\(db.dialect.jsonArrayIntegers)) AND confirmed_at IS NULL
                """, [Self.jsonIntegers(inOutbox)])
        let offers =
            inRows.isEmpty
            ? []
            : try db.query(
                """
                SELECT offer_seq AS seq, 'HANDOVER' AS command, '\(Self.keptPrefix)' || offer_body AS body, handover_id
                FROM handovers
                WHERE offer_seq IN (\(db.dialect.jsonArrayIntegers)) AND offer_confirmed_at IS NULL
                """, [Self.jsonIntegers(inRows)])
        let merged = (rows + offers).sorted { ($0.int64("seq") ?? 0) < ($1.int64("seq") ?? 0) }
        for row in merged {
            guard let stored = row.string("body"), let seq = row.int64("seq") else { continue }
            let messageID = try self.messageID(seq: seq, stored: row.string("message_id"))
            guard
                let body = try? opened(
                    stored, command: row.string("command") ?? "", handoverID: row.string("handover_id"),
                    messageID: messageID, word)
            else {
                unreadable.append(messageID)
                continue
            }
            messages.append(
                OutboxMessage(
                    seq: seq, messageID: messageID, principal: principal, command: row.string("command") ?? "",
                    body: Data(body.utf8)))
        }
        return (messages, unreadable)
    }

    /// Words the body of a message the outbox keeps in part, from its command, the handover id its row names (an
    /// offer's), its message id and what was kept; nil when the case can no longer word it.
    typealias KeptWording =
        (_ command: String, _ handoverID: String?, _ messageID: String, _ kept: String) throws -> String?

    /// What an outbox row's body starts with when it holds what was kept of a message, not the whole message (a
    /// whole one is a JSON object or a sealed value, `sb1:`).
    static let keptPrefix = "case:"

    /// An outbox row's body as sent: worded by `word` when the row kept it in part, opened when sealed. Throws when
    /// neither can be done.
    func opened(
        _ stored: String, command: String, handoverID: String?, messageID: String, _ word: KeptWording
    ) throws -> String {
        guard stored.hasPrefix(Self.keptPrefix) else { return try unseal(stored) }
        let kept = String(stored.dropFirst(Self.keptPrefix.count))
        guard let body = try word(command, handoverID, messageID, kept) else { throw CaseGone() }
        return body
    }

    /// A message kept in part whose case can no longer word it (the handover or the referral's data is gone).
    struct CaseGone: Error {}

    /// The messages `principal` is owed and has not confirmed.
    func pendingCount(for principal: String) -> Int {
        pending.count(for: principal)
    }

    /// RECEIVED: the messages are confirmed and never sent again. A message id from before version 12 is found by
    /// its text; any other by the `seq` it was made from. Only messages waiting for `principal` are confirmed, each
    /// where it is kept (``PendingMessages/Place``).
    func confirm(_ messageIDs: [String], from principal: String, at: String) throws {
        let rows = try outboxRows(of: messageIDs)
        var seqs = rows.seqs
        for id in rows.stored {
            let row = try db.queryOne(
                "SELECT seq FROM outbox WHERE message_id = ? AND confirmed_at IS NULL", [.text(id)])
            if let seq = row?.int64("seq") { seqs.append(seq) }
        }
        for seq in seqs {
            guard let owner = pending.owner(of: seq), owner.principal == principal else { continue }
            let statement = owner.place == .handover ? Self.confirmOfferInItsRow : Self.confirmOutboxRow
            try db.run(statement, [.text(at), .integer(seq)])
            noteSettled(seq)
        }
    }

    private static let confirmOfferInItsRow =
        "UPDATE handovers SET offer_confirmed_at = ? WHERE offer_seq = ? AND offer_confirmed_at IS NULL"
    private static let confirmOutboxRow = "UPDATE outbox SET confirmed_at = ? WHERE seq = ? AND confirmed_at IS NULL"

    /// A JSON array of `seqs`, for `IN (\(SQLDialect.jsonArrayIntegers))`.
    static func jsonIntegers(_ seqs: some Sequence<Int64>) -> SQLValue {
        .text("[" + seqs.map(String.init).joined(separator: ",") + "]")
    }

    /// The message id of an unconfirmed receipt already waiting in the outbox for this external id, if any.
    func pendingReceipt(
        to organisation: String, _ command: Command, _ externalID: String, code: RejectionCode? = nil
    ) throws -> String? {
        let waiting = pending.seqs(for: organisation, after: 0, limit: .max)
        guard !waiting.isEmpty else { return nil }
        return try db.queryOne(
            """
            SELECT seq, message_id FROM outbox
            WHERE seq IN (\(db.dialect.jsonArrayIntegers)) AND confirmed_at IS NULL AND command = ?
              AND \(db.dialect.jsonText("body", "external_id")) = ?
              AND (CAST(? AS TEXT) IS NULL OR \(db.dialect.jsonText("body", "code")) = ?)
            ORDER BY seq LIMIT 1
            """,
            [
                Self.jsonIntegers(waiting), .text(command.rawValue), .text(externalID),
                code.map { .text($0.rawValue) } ?? .null, code.map { .text($0.rawValue) } ?? .null,
            ]
        ).map { try messageID(seq: $0.int64("seq") ?? 0, stored: $0.string("message_id")) }
    }

    // MARK: Scans across referrals

    /// When each contact was last offered a handover: what matching's fair rotation balances on, read at start and
    /// kept in memory since (the open handovers it balances on too are ``open``).
    func lastOffered() throws -> [String: Date] {
        var lastOffered: [String: Date] = [:]
        for row in try db.query(
            "SELECT contact, MAX(offered_at) AS at FROM handovers WHERE offered_at IS NOT NULL GROUP BY contact")
        {
            if let contact = row.string("contact"), let at = row.string("at").flatMap(RFC3339.parse) {
                lastOffered[contact] = at
            }
        }
        return lastOffered
    }

    /// Every waiting need, oldest first, with what decides who could take it.
    func waitingNeeds() throws -> [(handoverID: String, referralID: String, domain: String, municipality: String)] {
        try db.query(
            """
            SELECT h.handover_id, h.referral_id, h.domain, r.municipality FROM handovers h
            JOIN referrals r ON r.referral_key = h.referral_key WHERE h.state = 'waiting' ORDER BY h.rowid
            """
        ).compactMap { row in
            guard let id = row.string("handover_id"), let referralID = row.string("referral_id") else { return nil }
            return (id, referralID, row.string("domain") ?? "", row.string("municipality") ?? "")
        }
    }

    /// The offers still waiting for their answers, through the index of open handovers (migration 18). Its plan is
    /// a test's (`Migration18Tests`).
    static let openOffers = """
        SELECT rowid AS n, handover_id, referral_id, contact FROM handovers
        WHERE \(Schema.openHandover) AND state = 'offered'
        """

    /// Every offer still waiting for its answer, oldest first: through the index of open handovers (migration 18),
    /// and sorted here, since `ORDER BY rowid` made SQLite walk the whole table instead.
    func openOffers() throws -> [(handoverID: String, referralID: String, contact: String)] {
        var offers: [(n: Int64, handoverID: String, referralID: String, contact: String)] = []
        for row in try db.query(Self.openOffers) {
            guard let id = row.string("handover_id"), let referralID = row.string("referral_id"),
                let contact = row.string("contact")
            else { continue }
            offers.append((row.int64("n") ?? 0, id, referralID, contact))
        }
        return offers.sorted { $0.n < $1.n }.map { ($0.handoverID, $0.referralID, $0.contact) }
    }

    /// Referrals in a final state whose personal data is still held: ids and dates only.
    func closedUnpurged() throws -> [(referralID: String, state: String, closedAt: String)] {
        try db.query(
            """
            SELECT referral_id, state, closed_at FROM referrals
            WHERE closed_at IS NOT NULL AND purged_at IS NULL ORDER BY closed_at, referral_id
            """
        ).compactMap { row in
            guard let id = row.string("referral_id"), let closedAt = row.string("closed_at") else { return nil }
            return (id, row.string("state") ?? "", closedAt)
        }
    }
}
