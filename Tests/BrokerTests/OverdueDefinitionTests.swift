import Foundation
import Referrals
import SchakelProtocol
import Sodium
import Storage
import Testing

@testable import Broker

/// The one definition of overdue (`ReferralStore.overdueCondition`) on rows written by hand, for the cases the
/// daemon does not reach today: a missed `contact_by` that stays set, an unowned handover whose need moved on, a
/// listing longer than its cap; and PENDING (`ReferralStore.pendingHandovers`) reading the same definition.
@Suite struct OverdueDefinitionTests {
    /// A store on a fresh, migrated database in a temporary directory.
    static func withStore(_ body: (ReferralStore) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("overdue-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try Database(path: directory.appendingPathComponent("schakel.sqlite").path)
        defer { try? db.close() }
        try db.migrate(Schema.migrations)
        try body(ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1"))))
    }

    static func referral(_ id: String, in store: ReferralStore) throws {
        try store.db.run(
            """
            INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency, municipality, body,
                                   state, created_at, updated_at)
            VALUES (?, (SELECT COALESCE(MAX(referral_key), 0) + 1 FROM referrals), 'org:huisarts-de-brug', ?,
                    'urgent', 'GM0344', '', 'open', '2026-11-23T09:00:00Z', '2026-11-23T09:00:00Z')
            """, [.text(id), .text(id)])
    }

    static func handover(
        _ id: String, of referral: String, need: Int = 0, contact: String?, state: String, contactBy: String? = nil,
        in store: ReferralStore
    ) throws {
        try store.db.run(
            """
            INSERT INTO handovers (handover_id, referral_id, referral_key, need_index, domain, contact, state,
                                   contact_by, created_at, updated_at)
            VALUES (?, ?, \(ReferralStore.keyOfReferral), ?, 'housing', ?, ?, ?, '2026-11-23T09:00:00Z',
                    '2026-11-23T09:00:00Z')
            """,
            [
                .text(id), .text(referral), .text(referral), .integer(Int64(need)), contact.map { .text($0) } ?? .null,
                .text(state),
                contactBy.map { .text($0) } ?? .null,
            ])
    }

    static func event(
        _ event: String, _ handover: String, of referral: String, at: String, contact: String? = nil,
        in store: ReferralStore
    ) throws {
        try store.appendEvent(referral, AuditEntry(event, at: at, handoverID: handover, contact: contact))
    }

    @Test func aMissedFirstContactIsOverdueByItsEventWhetherOrNotContactByStaysSet() throws {
        try Self.withStore { store in
            try Self.referral("ref-1", in: store)
            // contact_by still set after the deadline, as the daemon may keep it: the event decides.
            try Self.handover(
                "ho-kept", of: "ref-1", contact: "contact:schuldhulp-anna", state: "accepted",
                contactBy: "2026-11-30T09:00:00Z", in: store)
            try Self.event(
                "contact_overdue", "ho-kept", of: "ref-1", at: "2026-11-30T09:00:00Z",
                contact: "contact:schuldhulp-anna", in: store)
            // Its contact_by has passed too, but the deadline has not fired: not (yet) overdue.
            try Self.handover(
                "ho-due", of: "ref-1", need: 1, contact: "contact:wonen-bram", state: "accepted",
                contactBy: "2026-11-30T09:00:00Z", in: store)
            #expect(try store.overdueCount() == 1)
            #expect(
                try store.overdueHandovers(limit: 10) == [
                    .init(
                        handoverID: "ho-kept", referralID: "ref-1", needIndex: 0, domain: "housing", state: .accepted,
                        contact: "contact:schuldhulp-anna", since: "2026-11-30T09:00:00Z")
                ])
        }
    }

    @Test func anUnownedNeedIsOverdueUntilItHasANewerHandover() throws {
        try Self.withStore { store in
            try Self.referral("ref-1", in: store)
            try Self.handover("ho-lapsed", of: "ref-1", contact: "contact:wonen-carla", state: "expired", in: store)
            try Self.event(
                "expired", "ho-lapsed", of: "ref-1", at: "2026-11-24T09:00:00Z", contact: "contact:wonen-carla",
                in: store)
            try Self.event(
                "escalated", "ho-lapsed", of: "ref-1", at: "2026-11-24T09:00:00Z",
                contact: "contact:vechtzicht-youri", in: store)
            try Self.handover("ho-unowned", of: "ref-1", contact: nil, state: "unowned", in: store)
            try Self.event("unowned", "ho-unowned", of: "ref-1", at: "2026-11-24T09:00:00Z", in: store)
            // Another referral's need: unowned once, then assigned (a newer handover); the old row stays unowned.
            try Self.referral("ref-2", in: store)
            try Self.handover("ho-old", of: "ref-2", contact: nil, state: "unowned", in: store)
            try Self.event("unowned", "ho-old", of: "ref-2", at: "2026-11-20T09:00:00Z", in: store)
            try Self.handover("ho-assigned", of: "ref-2", contact: "contact:wonen-carla", state: "offered", in: store)
            #expect(try store.overdueCount() == 1)
            #expect(
                try store.overdueHandovers(limit: 10) == [
                    .init(
                        handoverID: "ho-unowned", referralID: "ref-1", needIndex: 0, domain: "housing",
                        state: .unowned, contact: "contact:wonen-carla", coordinator: "contact:vechtzicht-youri",
                        since: "2026-11-24T09:00:00Z")
                ])
        }
    }

    @Test func pendingReadsTheSameDefinition() throws {
        try Self.withStore { store in
            try Self.referral("ref-1", in: store)
            try Self.handover(
                "ho-missed", of: "ref-1", contact: "contact:schuldhulp-anna", state: "accepted",
                contactBy: "2026-11-30T09:00:00Z", in: store)
            try Self.event(
                "contact_overdue", "ho-missed", of: "ref-1", at: "2026-11-30T09:00:00Z",
                contact: "contact:schuldhulp-anna", in: store)
            // contact_by passed, the deadline not fired yet: overdue for neither.
            try Self.handover(
                "ho-due", of: "ref-1", need: 1, contact: "contact:schuldhulp-anna", state: "accepted",
                contactBy: "2026-11-30T09:00:00Z", in: store)
            // A need unowned once and assigned since: the old handover stays `unowned`, the need has moved on.
            try Self.handover("ho-old", of: "ref-1", need: 2, contact: nil, state: "unowned", in: store)
            try Self.handover(
                "ho-assigned", of: "ref-1", need: 2, contact: "contact:wonen-carla", state: "offered", in: store)
            try Self.handover("ho-unowned", of: "ref-1", need: 3, contact: nil, state: "unowned", in: store)
            try Self.handover("ho-waiting", of: "ref-1", need: 4, contact: nil, state: "waiting", in: store)
            // The rows were written beside the store: it reads who holds what, as a start does.
            try store.loadOpenHandovers()
            let rows = try store.pendingHandovers(heldBy: ["contact:schuldhulp-anna"])
            #expect(rows.map(\.handover.id) == ["ho-missed", "ho-due", "ho-unowned", "ho-waiting"])
            #expect(rows.filter(\.isOverdue).map(\.handover.id) == ["ho-missed"])
            let overdue = Set(try store.overdueHandovers(limit: 10).map(\.handoverID))
            #expect(overdue == ["ho-missed", "ho-unowned"])
        }
    }

    @Test func theListingIsCappedToTheOldestWhileTheCountSaysAll() throws {
        try Self.withStore { store in
            // Made newest first, so that the order of the rows is not the order of `since`.
            for day in (20...24).reversed() {
                let referral = "ref-\(day)"
                try Self.referral(referral, in: store)
                try Self.handover("ho-\(day)", of: referral, contact: nil, state: "unowned", in: store)
                try Self.event("unowned", "ho-\(day)", of: referral, at: "2026-11-\(day)T09:00:00Z", in: store)
            }
            #expect(try store.overdueCount() == 5)
            let listed = try store.overdueHandovers(limit: 3)
            #expect(listed.map(\.handoverID) == ["ho-20", "ho-21", "ho-22"])
            #expect(listed.allSatisfy { $0.contact == nil && $0.coordinator == nil })
        }
    }
}
