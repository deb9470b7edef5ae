import Foundation
import Referrals
import Sodium
import Storage
import Testing

@testable import Broker

/// The timers one event of the life cycle schedules are written with one statement (issue 22), and leave the table
/// as one INSERT each would: a timer scheduled twice holds its last due time, behind the ties written before it. On
/// SQLite always; on PostgreSQL too when `SCHAKEL_TEST_POSTGRESQL` names a server (make test-postgresql), where
/// `ON CONFLICT` could not change a row twice in one statement.
@Suite struct TimerScheduleTests {
    @Test(arguments: ReferralKeyMigrationTests.Engine.all)
    func timersScheduledTogetherAreStoredAsIfOneByOne(_ engine: ReferralKeyMigrationTests.Engine) throws {
        let newest = Schema.migrations.map(\.version).max() ?? 0
        try engine.withDatabase(at: newest) { db, _ in
            let at = "2026-11-23T09:00:00Z"
            try db.run(
                """
                INSERT INTO referrals (referral_id, referral_key, organisation, external_id, urgency, municipality,
                                       body, state, created_at, updated_at)
                VALUES ('ref-a', 1, 'org:huisarts-de-brug', 'A', 'urgent', 'GM0344', '', 'open', ?, ?)
                """, [.text(at), .text(at)])
            let store = ReferralStore(db: db, keys: KeyRing(current: try SealingKey.generate(id: "k1")))
            func timer(_ id: String, _ kind: TimerKind, due: Double) -> ReferralStore.ScheduledTimer {
                ReferralStore.ScheduledTimer(
                    id: id, kind: kind, handoverID: "ho-a", due: Date(timeIntervalSince1970: due), key: 1)
            }
            try store.scheduleTimers(
                [
                    timer("ho-a:ack_expiry", .ackExpiry, due: 5), timer("ho-a:ack_reminder", .ackReminder, due: 5),
                    timer("ho-a:contact_due", .contactDue, due: 9), timer("ho-a:ack_expiry", .ackExpiry, due: 5),
                ], referralID: "ref-a")
            #expect(
                try store.pendingTimers().map(\.id) == ["ho-a:ack_reminder", "ho-a:ack_expiry", "ho-a:contact_due"])
            // Rescheduled in a later event: due later, and the row keeps its kind and handover.
            try store.scheduleTimers([timer("ho-a:ack_reminder", .ackReminder, due: 12)], referralID: "ref-a")
            #expect(
                try store.pendingTimers().map(\.id) == ["ho-a:ack_expiry", "ho-a:contact_due", "ho-a:ack_reminder"])
            let rows = try db.query(
                "SELECT kind, referral_id, referral_key, handover_id, due_at FROM timers WHERE timer_id = ?",
                [.text("ho-a:ack_reminder")])
            #expect(rows.count == 1)
            #expect(rows.first?.string("kind") == "ack_reminder" && rows.first?.string("referral_id") == "ref-a")
            #expect(rows.first?.int64("referral_key") == 1 && rows.first?.string("handover_id") == "ho-a")
            #expect(rows.first?.double("due_at") == 12)
        }
    }
}
