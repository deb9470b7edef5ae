import Foundation
import Referrals
import SchakelProtocol
import Storage
import Testing

@testable import Broker

/// The store's half of an offer withdrawn from its contact (`ReferralEffect.offerWithdrawn`): it tells the contact
/// with CANCELLED only when they received the offer (confirmed it, or the broker sent it on a live connection), and
/// otherwise takes the offer's HANDOVER and REMINDER out of their outbox and records the withdrawal as unseen.
@Suite struct WithdrawnOfferStoreTests {
    static let referralID = "ref-1"
    static let bram = "contact:wonen-bram"

    static var referralCase: ReferralCase {
        ReferralCase(
            id: referralID, organisation: "org:huisarts-de-brug", externalID: referralID, urgency: .urgent,
            municipality: "GM0344", state: .open, createdAt: "2026-11-23T09:00:00Z",
            updatedAt: "2026-11-23T09:00:00Z", referral: nil, canonicalBody: nil)
    }

    /// Writes a message about `handoverID` to `principal`'s outbox, as the broker would; returns its id.
    @discardableResult
    static func message(
        _ command: String, about handoverID: String, to principal: String = bram, in store: ReferralStore
    ) throws -> String {
        try store.insertOutbox(
            to: principal, referralID: referralID, handoverID: command == "HANDOVER" ? handoverID : nil,
            at: "2026-11-23T09:00:00Z"
        ) { id in
            WireMessage(command: command, body: ["message_id": .string(id), "handover_id": .string(handoverID)])
        }.messageID
    }

    /// The effects of withdrawing the offer `handoverID` from Bram the way the machine emits them: the offer is
    /// settled first, then the withdrawal is recorded and told.
    static func withdrawal(_ handoverID: String) -> [ReferralEffect] {
        [
            .offerSettled(handoverID: handoverID),
            .offerWithdrawn(
                handoverID: handoverID, contact: bram,
                entry: AuditEntry("expired", at: "2026-11-24T09:00:00Z", handoverID: handoverID, contact: bram),
                cancelled: .cancelled(
                    Cancelled(messageID: "", handoverID: handoverID, referralID: referralID, reason: .expired))),
        ]
    }

    /// Bram's outbox as (command, handover) pairs, oldest first, confirmed ones included.
    static func outbox(_ store: ReferralStore, unconfirmedOnly: Bool = false) throws -> [String] {
        try store.db.query(
            """
            SELECT command, confirmed_at,
                   CASE command WHEN 'HANDOVER' THEN handover_id ELSE json_extract(body, '$.handover_id') END
                       AS handover
            FROM outbox
            WHERE principal = ? ORDER BY seq
            """, [.text(bram)]
        ).compactMap { row in
            guard !unconfirmedOnly || row.string("confirmed_at") == nil else { return nil }
            return "\(row.string("command") ?? "") \(row.string("handover") ?? "-")"
        }
    }

    static func withdrawals(_ store: ReferralStore) throws -> [String] {
        try store.db.query("SELECT event, detail FROM events WHERE referral_id = ? ORDER BY seq", [.text(referralID)])
            .map { "\($0.string("event") ?? "") \($0.string("detail") ?? "-")" }
    }

    /// The messages a commit delivers as written (issue 22) are exactly what reading the outbox gives: of an offer
    /// only the fields it was given to keep are stored, and it is worded again on the way out (by the desk, from its
    /// case) under its own message id; a message without personal data is kept whole in the clear; an offer the case
    /// can no longer word is reported, never sent empty.
    @Test func whatTheStoreWritesIsWhatItReadsBackAnOfferWordedAgain() throws {
        try OverdueDefinitionTests.withStore { store in
            try OverdueDefinitionTests.referral(Self.referralID, in: store)
            var written: [OutboxMessage] = []
            for command in ["HANDOVER", "REMINDER"] {
                written.append(
                    try store.insertOutbox(
                        to: Self.bram, referralID: Self.referralID, handoverID: "ho-1", at: "2026-11-23T09:00:00Z"
                    ) { id in
                        (
                            WireMessage(
                                command: command,
                                body: [
                                    "message_id": .string(id), "handover_id": "ho-1", "summary": "Schulden, € 3.000",
                                ]),
                            command == "HANDOVER" ? #"{"lead":true}"# : nil
                        )
                    })
            }
            let stored = try store.db.query("SELECT body FROM outbox ORDER BY seq").compactMap { $0.string("body") }
            #expect(stored == [#"case:{"lead":true}"#, String(decoding: written[1].body, as: UTF8.self)])

            var asked: [String] = []
            let offered = String(decoding: written[0].body, as: UTF8.self)
            let pending = try store.pendingOutbox(for: Self.bram, afterSeq: 0, limit: 10) {
                command, handover, message, kept in
                asked.append("\(command) \(handover ?? "-") \(message) \(kept)")
                return offered
            }
            #expect(pending.messages == written && pending.unreadable.isEmpty)
            #expect(
                asked == [#"HANDOVER ho-1 \#(written[0].messageID) {"lead":true}"#],
                "from its handover, id and kept fields")

            let gone = try store.pendingOutbox(for: Self.bram, afterSeq: 0, limit: 10) { _, _, _, _ in nil }
            #expect(gone.messages == [written[1]] && gone.unreadable == [written[0].messageID])
        }
    }

    /// An offer kept whole (nothing to keep was given, or it names no handover to word it from) is sealed, as any
    /// personal data, and opened on the way out.
    @Test func anOfferKeptWholeIsSealed() throws {
        try OverdueDefinitionTests.withStore { store in
            try OverdueDefinitionTests.referral(Self.referralID, in: store)
            var written: [OutboxMessage] = []
            for (handoverID, kept) in [("ho-1", nil), (nil, #"{"lead":true}"#)] as [(String?, String?)] {
                written.append(
                    try store.insertOutbox(
                        to: Self.bram, referralID: Self.referralID, handoverID: handoverID, at: "2026-11-23T09:00:00Z"
                    ) { id in
                        (
                            WireMessage(command: "HANDOVER", body: ["message_id": .string(id), "summary": "Schulden"]),
                            kept
                        )
                    })
            }
            let stored = try store.db.query("SELECT body FROM outbox").compactMap { $0.string("body") }
            #expect(stored.count == 2 && stored.allSatisfy { $0.hasPrefix("sb1:") }, "sealed at rest")
            let pending = try store.pendingOutbox(for: Self.bram, afterSeq: 0, limit: 10) { _, _, _, _ in
                Issue.record("a sealed offer is opened, not worded")
                return nil
            }
            #expect(pending.messages == written)
        }
    }

    @Test func anOfferItsContactNeverReceivedLeavesTheirOutboxAndIsNotCancelled() throws {
        try OverdueDefinitionTests.withStore { store in
            try OverdueDefinitionTests.referral(Self.referralID, in: store)
            try Self.message("HANDOVER", about: "ho-1", in: store)
            try Self.message("REMINDER", about: "ho-1", in: store)
            try Self.message("REMINDER", about: "ho-2", in: store)  // another offer's: it stays
            try Self.message("REMINDER", about: "ho-1", to: "contact:wonen-carla", in: store)  // someone else's
            let (unseen, sent, _) = try store.apply(
                Self.withdrawal("ho-1"), to: Self.referralCase, at: "2026-11-24T09:00:00Z", delivered: [])
            #expect(unseen == ["ho-1"])
            #expect(sent.isEmpty, "nothing to tell Bram")
            #expect(try Self.outbox(store) == ["REMINDER ho-2"])
            #expect(try Self.withdrawals(store) == [#"expired {"offer":"unseen"}"#])
            #expect(store.pendingCount(for: "contact:wonen-carla") == 1)
        }
    }

    @Test func anOfferSentOnALiveConnectionIsCancelledThoughUnconfirmed() throws {
        try OverdueDefinitionTests.withStore { store in
            try OverdueDefinitionTests.referral(Self.referralID, in: store)
            let handover = try Self.message("HANDOVER", about: "ho-1", in: store)
            try Self.message("REMINDER", about: "ho-1", in: store)
            let (unseen, sent, _) = try store.apply(
                Self.withdrawal("ho-1"), to: Self.referralCase, at: "2026-11-24T09:00:00Z", delivered: [handover])
            #expect(unseen.isEmpty)
            #expect(sent.map(\.command) == ["CANCELLED"] && sent.map(\.principal) == [Self.bram])
            // The HANDOVER is settled (never sent again), the REMINDER and the CANCELLED wait for Bram.
            #expect(try Self.outbox(store, unconfirmedOnly: true) == ["REMINDER ho-1", "CANCELLED ho-1"])
            #expect(try Self.withdrawals(store) == ["expired -"])
        }
    }

    @Test func aConfirmedHandoverOrReminderCountsAsReceived() throws {
        for confirmed in ["HANDOVER", "REMINDER"] {
            try OverdueDefinitionTests.withStore { store in
                try OverdueDefinitionTests.referral(Self.referralID, in: store)
                let handover = try Self.message("HANDOVER", about: "ho-1", in: store)
                let reminder = try Self.message("REMINDER", about: "ho-1", in: store)
                try store.confirm(
                    [confirmed == "HANDOVER" ? handover : reminder], from: Self.bram, at: "2026-11-23T10:00:00Z")
                let unseen = try store.apply(
                    Self.withdrawal("ho-1"), to: Self.referralCase, at: "2026-11-24T09:00:00Z", delivered: []
                ).unseen
                #expect(unseen.isEmpty, "\(confirmed)")
                #expect(try Self.outbox(store, unconfirmedOnly: true).last == "CANCELLED ho-1", "\(confirmed)")
            }
        }
    }

    @Test func theBrokersMemoryOfDeliveriesKeepsOnlyOffersAndPrunesWhatIsConfirmed() throws {
        try OverdueDefinitionTests.withStore { store in
            try OverdueDefinitionTests.referral(Self.referralID, in: store)
            let handover = try Self.message("HANDOVER", about: "ho-1", in: store)
            let reminder = try Self.message("REMINDER", about: "ho-1", in: store)
            try store.confirm([reminder], from: Self.bram, at: "2026-11-23T10:00:00Z")
            var delivered = DeliveredOffers()
            delivered.sent("msg-notice", command: "NOTICE")
            delivered.sent(handover, command: "HANDOVER")
            delivered.sent(reminder, command: "REMINDER")
            #expect(delivered.ids == [handover, reminder])
            #expect(!delivered.isDueForPruning)
            for n in 0..<DeliveredOffers.minimumPruneAt { delivered.sent("msg-gone-\(n)", command: "HANDOVER") }
            #expect(delivered.isDueForPruning)
            // What is confirmed answers for itself, and what is gone is asked about no more.
            delivered.prune(keeping: try store.unconfirmed(among: delivered.ids))
            #expect(delivered.ids == [handover])
            #expect(!delivered.isDueForPruning)
        }
    }
}
