import Foundation
import Referrals
import SchakelProtocol
import Sodium
import Storage
import Testing

@testable import Broker

/// Migration 16 (issue 22): an offer's HANDOVER is kept in its handover's row, not as a row of the outbox, and is
/// read, confirmed, settled and withdrawn as an outbox message still: in the order of its `seq` among the contact's
/// other messages, confirmed only by its own contact, gone once settled or withdrawn unseen. Offers written before
/// version 16 stay in the outbox and are settled there. On SQLite always; on PostgreSQL too when
/// `SCHAKEL_TEST_POSTGRESQL` names a server (make test-postgresql).
@Suite struct OffersInHandoverRowsTests {
    static let referralID = WithdrawnOfferStoreTests.referralID
    static let bram = WithdrawnOfferStoreTests.bram
    static let anna = "contact:schuldhulp-anna"
    static let at = "2026-11-23T09:00:00Z"

    /// A store on a new database of the newest version, with the referral `ref-1` and its message ids readied.
    static func withStore(
        _ engine: ReferralKeyMigrationTests.Engine, _ body: (ReferralStore) throws -> Void
    ) throws {
        try engine.withDatabase(at: 15) { db, upgrade in
            try upgrade()
            let store = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            try store.prepareMessageIDs(startedAt: Date(timeIntervalSince1970: 1_796_000_000))
            try OverdueDefinitionTests.referral(referralID, in: store)
            try body(store)
        }
    }

    /// The case with handover `handoverID` offered to `contact`, as the machine leaves it after the offer.
    static func referralCase(offering handoverID: String, to contact: String = bram) -> ReferralCase {
        var referralCase = WithdrawnOfferStoreTests.referralCase
        referralCase.handovers = [
            Handover(
                id: handoverID, needIndex: 0, domain: "debt", contact: contact, state: .offered, isLead: true,
                createdAt: at, updatedAt: at)
        ]
        return referralCase
    }

    static func offer(_ handoverID: String) -> HandoverOffer {
        HandoverOffer(
            messageID: "", handoverID: handoverID, referralID: referralID,
            need: NeedRef(index: 0, domain: "debt", summary: "Schulden, € 3.000"), urgency: .urgent, lifeEvent: nil,
            citizen: CitizenOfferView(municipality: "GM0344", language: "nl", preferredChannel: nil),
            referrer: ReferrerView(organisation: "org:huisarts-de-brug", organisationName: "Huisarts De Brug"),
            lead: true, offeredAt: at, ackBy: "2026-11-24T09:00:00Z")
    }

    /// Offers `handoverID` to Bram as the machine does (the handover and its HANDOVER in one event); returns the
    /// message as the commit sends it.
    @discardableResult
    static func makeOffer(_ handoverID: String, in store: ReferralStore) throws -> OutboxMessage {
        let applied = try store.apply(
            [.handoverCreated(handoverID), .sent(to: bram, .handover(offer(handoverID)), handoverID: handoverID)],
            to: referralCase(offering: handoverID), at: at, delivered: [])
        return try #require(applied.sent.first)
    }

    /// A NOTICE or REMINDER to Bram in the outbox, as the desk writes one.
    static func message(_ command: String, in store: ReferralStore) throws -> OutboxMessage {
        try store.insertOutbox(to: bram, referralID: referralID, handoverID: nil, at: at) {
            WireMessage(command: command, body: ["message_id": .string($0)])
        }
    }

    /// Words a kept offer the way the desk would, here from the message the commit sent.
    static func wording(_ sent: [OutboxMessage]) -> ReferralStore.KeptWording {
        { command, _, messageID, _ in
            sent.first { $0.messageID == messageID && $0.command == command }
                .map { String(decoding: $0.body, as: UTF8.self) }
        }
    }

    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func anOfferIsKeptInItsHandoversRowAndSentInTheOrderOfItsSeq(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try Self.withStore(engine) { store in
            let notice = try Self.message("NOTICE", in: store)
            let offer = try Self.makeOffer("ho-1", in: store)
            let reminder = try Self.message("REMINDER", in: store)
            #expect(offer.command == "HANDOVER" && offer.seq > notice.seq && offer.seq < reminder.seq)

            let row = try #require(
                try store.db.queryOne(
                    "SELECT offer_seq, offer_body, offer_confirmed_at FROM handovers WHERE handover_id = 'ho-1'", []))
            #expect(row.int64("offer_seq") == offer.seq && row.string("offer_confirmed_at") == nil)
            #expect(row.string("offer_body")?.hasPrefix("{\"ack_by\":") == true, "only the changeable fields")
            #expect(
                try store.db.query("SELECT command FROM outbox ORDER BY seq", []).map { $0.string("command") }
                    == ["NOTICE", "REMINDER"], "no HANDOVER row in the outbox")

            let sent = [notice, offer, reminder]
            var asked: [String] = []
            let pending = try store.pendingOutbox(for: Self.bram, afterSeq: 0, limit: 10) {
                asked.append("\($0) \($1 ?? "-")")
                return try Self.wording(sent)($0, $1, $2, $3)
            }
            #expect(pending.messages == sent && pending.unreadable.isEmpty, "merged by seq, worded as sent")
            #expect(asked == ["HANDOVER ho-1"])
            #expect(
                try store.pendingOutbox(for: Self.bram, afterSeq: notice.seq, limit: 10, word: Self.wording(sent))
                    .messages == [offer, reminder])
            #expect(
                try store.pendingOutbox(for: Self.bram, afterSeq: 0, limit: 2, word: Self.wording(sent)).messages
                    == [notice, offer])
            #expect(
                try store.pendingOutbox(for: Self.anna, afterSeq: 0, limit: 10, word: Self.wording(sent)).messages
                    .isEmpty)
            #expect(store.pendingCount(for: Self.bram) == 3)
            #expect(try store.outboxBacklog().pending == 3)
        }
    }

    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func onlyItsContactConfirmsAnOffer(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try Self.withStore(engine) { store in
            let offer = try Self.makeOffer("ho-1", in: store)
            try store.confirm([offer.messageID], from: Self.anna, at: Self.at)
            #expect(store.pendingCount(for: Self.bram) == 1, "Anna cannot confirm Bram's offer")
            #expect(try store.unconfirmed(among: [offer.messageID]) == [offer.messageID])

            try store.confirm([offer.messageID], from: Self.bram, at: Self.at)
            #expect(store.pendingCount(for: Self.bram) == 0)
            #expect(try store.unconfirmed(among: [offer.messageID]).isEmpty)
            #expect(try store.outboxBacklog().pending == 0)
            #expect(
                try store.pendingOutbox(for: Self.bram, afterSeq: 0, limit: 10, word: Self.wording([offer])).messages
                    .isEmpty)
        }
    }

    /// Answered (settled), the offer is never sent again; withdrawn before Bram saw it, it is gone without a
    /// CANCELLED; withdrawn after he was sent it, he is told.
    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func aSettledOrWithdrawnOfferIsNoLongerOwed(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try Self.withStore(engine) { store in
            let answered = try Self.makeOffer("ho-1", in: store)
            let unseen = try Self.makeOffer("ho-2", in: store)
            let seen = try Self.makeOffer("ho-3", in: store)

            var acknowledged = Self.referralCase(offering: "ho-1")
            acknowledged.handovers[0].state = .accepted
            try store.apply(
                [.handoverChanged("ho-1"), .offerSettled(handoverID: "ho-1")], to: acknowledged, at: Self.at,
                delivered: [])
            for (id, delivered) in [("ho-2", Set<String>()), ("ho-3", [seen.messageID])] {
                var expired = Self.referralCase(offering: id)
                expired.handovers[0].state = .expired
                try store.apply(
                    [.handoverChanged(id)] + WithdrawnOfferStoreTests.withdrawal(id), to: expired, at: Self.at,
                    delivered: delivered)
            }

            let rows = try store.db.query(
                "SELECT handover_id, offer_seq, offer_confirmed_at FROM handovers ORDER BY handover_id", [])
            #expect(rows.map { $0.int64("offer_seq") } == [answered.seq, nil, seen.seq])
            #expect(rows.map { $0.string("offer_confirmed_at") } == [Self.at, nil, Self.at])
            let pending = try store.pendingOutbox(
                for: Self.bram, afterSeq: 0, limit: 10, word: Self.wording([answered, unseen, seen]))
            #expect(pending.messages.map(\.command) == ["CANCELLED"], "only ho-3's cancellation")
            #expect(
                pending.messages.first.map { String(decoding: $0.body, as: UTF8.self) }?.contains("ho-3") == true)
            #expect(try store.unconfirmed(among: [answered.messageID, unseen.messageID, seen.messageID]).isEmpty)
            #expect(try WithdrawnOfferStoreTests.withdrawals(store).contains { $0.contains("unseen") })
        }
    }

    /// An offer written before version 16 is a row of the outbox: settling it confirms that row, and an offer kept in
    /// its handover's row leaves the outbox alone.
    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func anOfferFromBeforeVersion16IsSettledInTheOutbox(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try engine.withDatabase(at: 15) { db, upgrade in
            let old = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            try OverdueDefinitionTests.referral(Self.referralID, in: old)
            try OverdueDefinitionTests.handover(
                "ho-old", of: Self.referralID, contact: Self.bram, state: "offered", in: old)
            // The outbox row version 15 wrote for the offer (its store is gone; the row's shape is the same).
            try db.run(
                """
                INSERT INTO outbox (principal, command, body, referral_id, referral_key, handover_id, created_at)
                VALUES (?, 'HANDOVER', 'case:{"ack_by":null}', ?, 1, 'ho-old', ?)
                """, [.text(Self.bram), .text(Self.referralID), .text(Self.at)])
            try upgrade()

            let store = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            try store.prepareMessageIDs(startedAt: Date(timeIntervalSince1970: 1_796_000_000))
            try store.loadPendingMessages()  // as a start does
            var asked: [String] = []
            let before = try store.pendingOutbox(for: Self.bram, afterSeq: 0, limit: 10) {
                asked.append("\($0) \($1 ?? "-") \($3)")
                return "{}"
            }
            #expect(before.messages.map(\.command) == ["HANDOVER"] && asked == [#"HANDOVER ho-old {"ack_by":null}"#])
            let new = try Self.makeOffer("ho-new", in: store)

            guard var acknowledged = try store.loadCase(Self.referralID, referral: false) else {
                Issue.record("the referral is gone")
                return
            }
            for index in acknowledged.handovers.indices { acknowledged.handovers[index].state = .accepted }
            try store.apply(
                ["ho-old", "ho-new"].flatMap { [.handoverChanged($0), .offerSettled(handoverID: $0)] },
                to: acknowledged, at: Self.at, delivered: [])
            #expect(
                try db.query("SELECT confirmed_at FROM outbox WHERE handover_id = 'ho-old'", []).map {
                    $0.string("confirmed_at")
                } == [Self.at])
            #expect(
                try db.query("SELECT offer_seq, offer_confirmed_at FROM handovers ORDER BY handover_id", []).map {
                    "\($0.int64("offer_seq").map(String.init) ?? "-") \($0.string("offer_confirmed_at") ?? "-")"
                } == ["\(new.seq) \(Self.at)", "- -"], "ho-new's row settled, ho-old's row holds no offer")
            #expect(store.pendingCount(for: Self.bram) == 0)
        }
    }

    /// SQLite's sequence counts only the outbox's own rows: a start whose clock is behind the last one's must still
    /// not make an offer's message id again.
    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func noMessageIDIsMadeAgainAfterAnOffer(_ engine: ReferralKeyMigrationTests.Engine) throws {
        try Self.withStore(engine) { store in
            let offer = try Self.makeOffer("ho-1", in: store)
            let restarted = ReferralStore(db: store.db, keys: store.keys)
            try restarted.prepareMessageIDs(startedAt: Date(timeIntervalSince1970: 1_796_000_000 - 3_600))
            #expect(restarted.writtenBeforeStart >= offer.seq, "the offer counts as written before the start")
            #expect(try Self.message("NOTICE", in: restarted).seq > offer.seq)
        }
    }
}
