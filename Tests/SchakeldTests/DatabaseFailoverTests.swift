import Foundation
import PostgreSQL
import PostgreSQLTestSupport
import SchakelClient
import SchakelProtocol
import Storage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// PostgreSQL's own failover under a running daemon (issue 21): a primary with a synchronous streaming standby on
/// loopback; the primary crashes under a stream of SUBMITs and the standby is promoted. The daemon, whose conninfo
/// names both hosts with `target_session_attrs=read-write`, answers `unavailable` in between, finds the new primary
/// by itself, and nothing it answered ACCEPTED is missing there.
@Suite(.serialized, .enabled(if: TestDatabase.isPostgreSQL, "needs PostgreSQL: make test-postgresql"))
struct DatabaseFailoverTests {
    @Test func thePromotedStandbyHasEveryAcceptedReferralAndTheDaemonGoesOnThere() throws {
        let primary = try TestCluster.start()
        defer { primary.destroy() }
        let created = try primary.createDatabase()
        let name = try #require(created.split(separator: " ").first { $0.hasPrefix("dbname=") }?.dropFirst(7))
        let standby = try primary.standby()
        defer { standby.destroy() }
        // Synchronous replication: a commit is acknowledged once the standby has it (deploy/README.md says why).
        do {
            let admin = try PostgreSQLDatabase(conninfo: created)
            defer { admin.close() }
            try admin.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
            try admin.execute("SELECT pg_reload_conf()")
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline,
                try admin.queryOne("SELECT 1 AS found FROM pg_stat_replication WHERE sync_state = 'sync'", []) == nil
            {
                usleep(50_000)
            }
            #expect(
                try admin.queryOne("SELECT 1 AS found FROM pg_stat_replication WHERE sync_state = 'sync'", []) != nil,
                "the standby never became synchronous")
        }
        let conninfo =
            "host=127.0.0.1,127.0.0.1 port=\(primary.port),\(standby.port) user=postgres dbname=\(name) "
            + "target_session_attrs=read-write connect_timeout=2"
        let daemon = try Daemon(settings: ["database": ["postgresql": ["conninfo": .string(conninfo)]]])
        try daemon.start()

        let adapters = SubmittingAdapters(
            endpoints: [daemon.endpoint],
            organisations: ["org:huisarts-de-brug", "org:gemeente-utrecht", "org:buurtteam-utrecht"],
            prefix: "DBFAILOVER", needs: ["debt"])
        let beforeCrash = adapters.wait(untilAccepted: 30, within: 15)
        #expect(beforeCrash >= 30, "the adapters were slow to start")

        try primary.kill()  // a crash: no checkpoint, no goodbye to the sessions
        try standby.promote()
        adapters.wait(untilAccepted: beforeCrash + 30, within: 30)
        adapters.finish()

        let accepted = adapters.accepted
        if !adapters.failures.isEmpty || accepted.count < beforeCrash + 30 {
            // What the daemon did is the only way to tell a stop from a stall after the fact (a CI machine).
            let state = daemon.process?.isRunning == true ? "still running" : "no longer running"
            Issue.record(
                """
                the daemon did not go on on the promoted standby: \(accepted.count) accepted, \(beforeCrash) before \
                the crash; \(adapters.failures); the daemon is \(state); the end of its log:
                \(daemon.log().suffix(4_000))
                """)
        }
        #expect(daemon.log().contains("event=storage.unavailable"), "the switch was not even noticed")

        // What the promoted standby holds: every referral that was answered ACCEPTED, once, under its id.
        let db = try PostgreSQLDatabase(conninfo: "host=127.0.0.1 port=\(standby.port) user=postgres dbname=\(name)")
        defer { db.close() }
        var stored: [String: String] = [:]
        for row in try db.query("SELECT organisation, external_id, referral_id FROM referrals", []) {
            let key = "\(row.string("organisation") ?? "")|\(row.string("external_id") ?? "")"
            #expect(stored[key] == nil, "\(key) stored twice")
            stored[key] = row.string("referral_id")
        }
        for (key, referralID) in accepted { #expect(stored[key] == referralID, "\(key) accepted but not there") }
        // And the daemon serves on: a new referral, and the status of one from before the crash.
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(try gp.submit(try Referrals.make(needs: ["debt"])).command == "ACCEPTED")
        let early = try #require(accepted.first { $0.key.hasPrefix("org:huisarts-de-brug|") })
        let status = try gp.request(.status, ["referral_id": .string(early.value)], expect: .referral)
        #expect(status.body["referral_id"]?.stringValue == early.value)
    }
}
