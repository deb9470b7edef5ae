import Foundation
import PostgreSQL
import SchakelProtocol
import Storage
import Testing

/// The PostgreSQL counterpart of StorageFaultTests' foreign write lock: another session holding a lock the daemon's
/// writes need (an operator's `LOCK TABLE`, an `ALTER TABLE` waiting for its turn) must not silence the broker.
/// Every request that writes is answered `unavailable` within a bounded time, nothing accepted is harmed, and the
/// broker serves again as soon as the lock goes.
@Suite(.enabled(if: TestDatabase.isPostgreSQL, "needs PostgreSQL: make test-postgresql"))
struct PostgreSQLLockTests {
    @Test func aTableLockedByAnotherSessionIsAnsweredUnavailableAndLosesNothing() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(try gp.submit(try Referrals.make(externalID: "PGLOCK-BEFORE")).command == "ACCEPTED")

        let holder = try #require(try daemon.openDatabase() as? PostgreSQLDatabase)
        defer { holder.close() }
        try holder.execute("BEGIN; LOCK TABLE referrals IN ACCESS EXCLUSIVE MODE")
        let started = Date()
        let locked = try gp.request(
            .submit, ["referral": try Referrals.make(externalID: "PGLOCK-DURING")], expect: .accepted)
        RejectionTests.expectRejected(locked, .unavailable)
        #expect(Date().timeIntervalSince(started) < 4, "the answer took \(Date().timeIntervalSince(started)) s")
        #expect(daemon.log().contains("lock timeout"), "the cause is logged")

        try holder.execute("ROLLBACK")
        #expect(try gp.submit(try Referrals.make(externalID: "PGLOCK-AFTER")).command == "ACCEPTED")
        let stored = try PrivacyTests.query(daemon, "SELECT external_id FROM referrals ORDER BY external_id")
        #expect(stored.compactMap { $0.string("external_id") } == ["PGLOCK-AFTER", "PGLOCK-BEFORE"])
        #expect(gp.violations.isEmpty, "\(gp.violations)")
    }
}
