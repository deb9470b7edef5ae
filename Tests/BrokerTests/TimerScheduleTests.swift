import Deadlines
import Foundation
import Referrals
import Sodium
import Storage
import Testing

@testable import Broker

/// The timers of one event of the life cycle are written as one row per referral (issue 22, migration 13), and
/// leave the store as one statement each would: a timer scheduled twice holds its last due time, behind the ties
/// written before it, in any referral; a cancelled one is gone, and a referral with none left has no row. On SQLite
/// always; on PostgreSQL too when `SCHAKEL_TEST_POSTGRESQL` names a server (make test-postgresql).
@Suite struct TimerScheduleTests {
    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func timersScheduledTogetherAreStoredAsIfOneByOne(_ engine: ReferralKeyMigrationTests.Engine) throws {
        let newest = Schema.migrations.map(\.version).max() ?? 0
        try engine.withDatabase(at: newest) { db, _ in
            let at = "2026-11-23T09:00:00Z"
            for (key, id) in [(1, "ref-a"), (2, "ref-b")] as [(Int64, String)] {
                try db.run(
                    """
                    INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency, municipality,
                                           body, state, created_at, updated_at)
                    VALUES (?, ?, 'org:huisarts-de-brug', ?, 'urgent', 'GM0344', '', 'open', ?, ?)
                    """, [.text(id), .integer(key), .text(id), .text(at), .text(at)])
            }
            let store = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            func schedule(_ id: String, due: Double) -> TimerChange {
                .schedule(id: id, due: Date(timeIntervalSince1970: due))
            }
            try store.writeTimers(
                [
                    schedule("ho-a:ack_expiry", due: 5), schedule("ho-a:ack_reminder", due: 5),
                    schedule("ho-a:contact_due", due: 9), schedule("ho-a:ack_expiry", due: 5),
                ], key: 1, isNew: true)
            try store.writeTimers([schedule("ho-b:ack_expiry", due: 5)], key: 2, isNew: true)
            #expect(
                try store.firingOrder()
                    == ["ho-a:ack_reminder", "ho-a:ack_expiry", "ho-b:ack_expiry", "ho-a:contact_due"])
            // Rescheduled in a later event: due later, behind every tie, and the view still says what it is for.
            try store.writeTimers([schedule("ho-a:ack_reminder", due: 12)], key: 1, isNew: false)
            try store.writeTimers([schedule("ho-a:ack_expiry", due: 5)], key: 1, isNew: false)
            // A store made afresh (a restart) reads the order back from the rows alone.
            let restarted = ReferralStore(db: db, keys: store.keys)
            #expect(
                try restarted.firingOrder()
                    == ["ho-b:ack_expiry", "ho-a:ack_expiry", "ho-a:contact_due", "ho-a:ack_reminder"])
            let rows = try db.query(
                "SELECT kind, referral_id, referral_key, handover_id, due_at FROM timers WHERE timer_id = ?",
                [.text("ho-a:ack_reminder")])
            #expect(rows.count == 1)
            #expect(rows.first?.string("kind") == "ack_reminder" && rows.first?.string("referral_id") == "ref-a")
            #expect(rows.first?.int64("referral_key") == 1 && rows.first?.string("handover_id") == "ho-a")
            #expect(rows.first?.double("due_at") == 12)

            // Cancelled: gone, and a referral without timers keeps no row.
            try restarted.writeTimers([.cancel(id: "ho-b:ack_expiry")], key: 2, isNew: false)
            try restarted.writeTimers([.cancel(id: "ho-a:contact_due")], key: 1, isNew: false)
            #expect(try restarted.firingOrder() == ["ho-a:ack_expiry", "ho-a:ack_reminder"])
            #expect(
                try db.query("SELECT referral_key FROM referral_timers", []).map { $0.int64("referral_key") } == [1])
            #expect(try restarted.timer("ho-b:ack_expiry") == nil)
            #expect(try restarted.timer("ho-a:ack_expiry") == nil, "no handover row: its referral is not known")
        }
    }
}

extension ReferralStore {
    /// The timers in the order they fire, as the event loop's queue built from the store at start fires them.
    /// Read a row per page as well: the order cannot depend on how the rows were paged.
    func firingOrder() throws -> [String] {
        var queue = TimerQueue(scheduled: try pendingTimers())
        let order = queue.popDue(asOf: .distantFuture).map(\.id)
        var paged = TimerQueue(scheduled: try pendingTimers(rowsPerPage: 1))
        #expect(paged.popDue(asOf: .distantFuture).map(\.id) == order, "read a row per page")
        return order
    }
}
