import Foundation
import SchakelClient
import SchakelProtocol
import Storage
import Testing
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// Two daemons on one PostgreSQL database (issue 21): exactly one serves, the other waits as a standby and takes over
/// when the active one dies or freezes; an active one that wakes up after the takeover writes nothing.
///
/// Only with the state in PostgreSQL: `make test-postgresql` (SQLite's file is one machine's, and one daemon's).
@Suite(.serialized, .enabled(if: TestDatabase.isPostgreSQL, "needs PostgreSQL: make test-postgresql"))
struct ActiveStandbyTests {
    /// The manual clock, so that deadlines fire when the test says; a short lease, so the takeover is quick.
    /// `curve`: both in CURVE mode (each with its own server key) on `map`.
    static func pair(curve: Bool = false, map: JSONValue? = nil) throws -> (active: Daemon, standby: Daemon) {
        let clock: JSONValue = ["mode": "manual", "start": "2027-03-01T09:00:00+01:00"]
        let active = try Daemon(settings: ["clock": clock], curve: curve)
        guard case .object(var database)? = active.databaseSetting,
            case .object(var postgresql)? = database["postgresql"]
        else { throw TestError("the first daemon has no PostgreSQL setting") }
        postgresql["lease"] = "PT2S"
        database["postgresql"] = .object(postgresql)
        try active.reconfigure(["database": .object(database)])
        if let map { _ = try active.useSocialMap(map) }
        try active.start()
        // The standby shares the database and the data keys: it must open what the active one sealed.
        let standby = try Daemon(
            settings: [
                "clock": clock, "database": .object(database),
                "encryption": [
                    "key_dir": .string(active.keyDirectory.path), "key_id": "k1", "generate_if_missing": false,
                ],
            ], curve: curve)
        if let map { _ = try standby.useSocialMap(map) }
        try standby.start(asStandby: true)
        return (active, standby)
    }

    /// PONG's `role` at `daemon` ("active" when it has none), or nil when nothing answers within `timeout`.
    static func role(of daemon: Daemon, timeout: TimeInterval = 0.5) -> String? {
        guard let peer = try? Peer(daemon.endpoint), (try? peer.send(.ping)) != nil,
            let pong = try? peer.next(.pong, timeout: timeout)
        else { return nil }
        return pong.body["role"]?.stringValue ?? "active"
    }

    /// Polls until `daemon` serves as the active one; returns how long that took.
    static func waitUntilActive(_ daemon: Daemon, within limit: TimeInterval) throws -> TimeInterval {
        let started = Date()
        while Date().timeIntervalSince(started) < limit {
            if role(of: daemon, timeout: 0.2) == "active" { return Date().timeIntervalSince(started) }
        }
        throw TestError("\(daemon.endpoint) did not become active within \(limit) s:\n\(daemon.log())")
    }

    @Test func theStandbySaysWhatItIsAndServesNothing() throws {
        let (active, standby) = try Self.pair()
        #expect(Self.role(of: standby) == "standby")
        #expect(Self.role(of: active) == "active")
        let stats = try standby.admin("stats")
        #expect(stats["role"] == "standby")
        #expect(stats["active"]?.stringValue?.hasSuffix(active.stateDirectory.path) == true, "\(stats)")
        #expect(try active.admin("stats")["role"] == "active")
        let printed = try CommandLineTests.run("schakelctl", ["stats", "--state-dir", standby.stateDirectory.path])
        #expect(printed.status == 0 && printed.output.contains("standby: waiting for the lease of"), "\(printed)")

        // A peer that reaches the standby first is told to go elsewhere, and the client does.
        let refused = try standby.peer()
        try refused.send(.hello, ["as": "org:huisarts-de-brug"])
        let answer = try refused.next(.rejected)
        #expect(answer.body["code"] == "unavailable")
        let client = try SchakelClient(
            ClientLibraryTests.configuration([standby.endpoint, active.endpoint], as: "org:huisarts-de-brug"))
        defer { client.close() }
        let receipt = try client.submit(try Referrals.make(needs: ["debt"]))
        #expect(receipt.rejection == nil)
    }

    /// In CURVE mode a standby admits what the active daemon admits, the keys on the social map, and nobody else;
    /// a SIGHUP while it waits reads the map again, and it takes over with the map it read last.
    @Test func aCurveStandbyAdmitsOnlyTheKeysOnTheMap() throws {
        let gp = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        let (active, standby) = try Self.pair(
            curve: true, map: try SocialMaps.demo(keys: ["org:huisarts-de-brug": [gp]]))

        // A key that is not on the map hears nothing, not even that this is a standby; a listed key does.
        let refused = try standby.peer(keys: stranger)
        try refused.send(.ping)
        #expect(try refused.drain(timeout: CurveSessionTests.silence).isEmpty)
        #expect(standby.log().contains("event=peer.refused"), "\(standby.log())")
        #expect(standby.log().contains("the key is not on the social map"))
        let listed = try standby.peer(keys: gp)
        #expect(try listed.request(.ping, [:], expect: .pong).body["role"] == "standby")

        // While it waits, the practice's key is replaced on the map: SIGHUP, and the old key is refused.
        let mapURL = try standby.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [stranger]]))
        standby.send(signal: SIGHUP)
        let deadline = Date().addingTimeInterval(Peer.patience)
        while !standby.log().contains("event=socialmap.reloaded"), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(standby.log().contains("event=socialmap.reloaded social_map=\(mapURL.path)"), "\(standby.log())")
        let old = try standby.peer(keys: gp)
        try old.send(.ping)
        #expect(try old.drain(timeout: CurveSessionTests.silence).isEmpty)
        let replaced = try standby.peer(keys: stranger)
        #expect(try replaced.request(.ping, [:], expect: .pong).body["role"] == "standby")

        // It takes over with that map: the new key speaks for the practice, the old one is not let in.
        active.kill9()
        try standby.followTakeover(within: 20)
        let practice = try standby.connect(as: "org:huisarts-de-brug", keys: stranger)
        #expect(try practice.submit(try Referrals.make(needs: ["debt"])).command == "ACCEPTED")
        let former = try standby.peer(keys: gp)
        try former.send(.ping)
        #expect(try former.drain(timeout: CurveSessionTests.silence).isEmpty)
    }

    /// What systemd and a load balancer see of a standby: READY=1 with a STATUS= that says standby and who is active,
    /// and `/healthz` 503 with the same; the active one's `/healthz` is 200.
    @Test func systemdAndTheHealthCheckSeeAStandby() throws {
        let (active, _) = try Self.pair()
        let standby = try Daemon(
            settings: [
                "database": try #require(active.databaseSetting), "metrics": "tcp://127.0.0.1:*",
                "encryption": [
                    "key_dir": .string(active.keyDirectory.path), "key_id": "k1", "generate_if_missing": false,
                ],
            ])
        let notify = try ServiceTests.listener(standby)
        standby.environment = ["NOTIFY_SOCKET": notify.address]
        try standby.start(asStandby: true)
        let ready = try notify.waitFor("READY=1", timeout: 15)
        let holder = active.stateDirectory.path
        #expect(
            ready.lines.contains {
                $0.hasPrefix("STATUS=standby: waiting for the lease held by") && $0.hasSuffix(holder)
            },
            "\(ready.lines)")
        let endpoint = try #require(try standby.admin("stats")["endpoints"]?["metrics"]?.stringValue)
        let health = try CommandLineTests.run(
            "/usr/bin/curl",
            [
                "-sS", "--max-time", "5", "-w", "%{http_code}",
                endpoint.replacingOccurrences(of: "tcp://", with: "http://") + "/healthz",
            ])
        #expect(health.output.hasPrefix("standby: waiting for the lease held by"), "\(health.output)")
        #expect(health.output.hasSuffix("503"), "\(health.output)")
    }

    /// Adapters keep submitting through both endpoints while the active daemon is killed: the standby serves within
    /// 10 s, and every referral answered ACCEPTED is there exactly once, its offers reach their contacts, and each
    /// deadline fires once.
    @Test func killNineOfTheActiveLosesNothingThatWasAccepted() throws {
        let (active, standby) = try Self.pair()
        let adapters = SubmittingAdapters(
            endpoints: [active.endpoint, standby.endpoint],
            organisations: [
                "org:huisarts-de-brug", "org:gemeente-utrecht", "org:buurtteam-utrecht", "org:juridisch-loket",
            ],
            prefix: "FAILOVER", needs: ["debt", "housing"])
        let beforeKill = adapters.wait(untilAccepted: 40, within: 10)
        #expect(beforeKill >= 40, "the adapters were slow to start")
        active.kill9()
        let takeover = try Self.waitUntilActive(standby, within: 10)
        adapters.wait(untilAccepted: beforeKill + 40, within: 10)
        adapters.finish()
        #expect(adapters.failures.isEmpty, "\(adapters.failures)")
        #expect(takeover < 10)
        let all = adapters.accepted
        #expect(all.count >= beforeKill + 40, "the standby took over but few referrals went through it")

        // Every ACCEPTED referral is there, once, under the id the adapter was given.
        let db = try standby.openDatabase()
        defer { try? db.close() }
        var stored: [String: String] = [:]
        for row in try db.query("SELECT organisation, external_id, referral_id FROM referrals", []) {
            let key = "\(row.string("organisation") ?? "")|\(row.string("external_id") ?? "")"
            #expect(stored[key] == nil, "\(key) stored twice")
            stored[key] = row.string("referral_id")
        }
        for (key, referralID) in all { #expect(stored[key] == referralID, "\(key) accepted as \(referralID)") }

        // Every offer reaches its contact, from whichever daemon committed it.
        let offers = try db.query("SELECT handover_id, contact FROM handovers WHERE state = 'offered'", [])
        #expect(!offers.isEmpty, "the contacts' capacity holds some offers open")
        var byContact: [String: Set<String>] = [:]
        for row in offers {
            byContact[row.string("contact") ?? "", default: []].insert(row.string("handover_id") ?? "")
        }
        for (contact, expected) in byContact {
            let peer = try standby.connect(as: contact)
            var received: Set<String> = []
            let deadline = Date().addingTimeInterval(20)
            while !expected.isSubset(of: received), Date() < deadline {
                for message in try peer.drain(timeout: 0.3) where message.command == "HANDOVER" {
                    received.insert(message.body["handover_id"]?.stringValue ?? "")
                    try peer.confirm(message)
                }
            }
            #expect(expected.subtracting(received).isEmpty, "\(contact) missed \(expected.subtracting(received).count)")
        }

        // Every acknowledgement deadline fires once: a reminder and an expiry per offer, never two.
        _ = try standby.admin("clock.advance", ["duration": "P10D"])
        let fired = try db.query(
            """
            SELECT handover_id, event, COUNT(*) AS n FROM events
            WHERE event IN ('reminded', 'expired') GROUP BY handover_id, event
            """, [])
        var firings: [String: [String: Int]] = [:]
        for row in fired {
            firings[row.string("handover_id") ?? "", default: [:]][row.string("event") ?? ""] = row.int("n")
        }
        for row in offers {
            let id = row.string("handover_id") ?? ""
            #expect(firings[id]?["expired"] == 1, "\(id): \(firings[id] ?? [:])")
        }
        #expect(firings.values.allSatisfy { $0.values.allSatisfy { $0 == 1 } }, "a deadline fired twice")
    }

    /// An active daemon frozen (SIGSTOP) until the standby took over, then woken (SIGCONT), writes nothing: its
    /// first write finds another token in the lease, it answers `unavailable` and stops.
    @Test func aFrozenActiveThatWakesUpWritesNothing() throws {
        let (active, standby) = try Self.pair()
        let gp = try active.connect(as: "org:huisarts-de-brug")
        #expect(try gp.submit(try Referrals.make(externalID: "BEFORE-FREEZE", needs: ["debt"])).command == "ACCEPTED")
        active.send(signal: SIGSTOP)
        _ = try Self.waitUntilActive(standby, within: 10)
        let gpOnStandby = try standby.connect(as: "org:huisarts-de-brug")
        #expect(
            try gpOnStandby.submit(try Referrals.make(externalID: "AFTER-TAKEOVER", needs: ["debt"])).command
                == "ACCEPTED")

        let db = try standby.openDatabase()
        defer { try? db.close() }
        func snapshot() throws -> [String] {
            try ["referrals", "handovers", "events", "outbox", "timers"].map { table in
                "\(table): \(try db.queryOne("SELECT COUNT(*) AS n FROM \(table)", [])?.int("n") ?? -1)"
            }
        }
        let before = try snapshot()
        // The frozen daemon has a SUBMIT waiting for it when it wakes.
        try gp.send(.submit, ["referral": try Referrals.make(externalID: "WHILE-FROZEN", needs: ["debt"])])
        active.send(signal: SIGCONT)
        let status = active.waitForExit(timeout: 15)
        #expect(status != nil && status != 0, "the woken daemon stops")
        #expect(active.log().contains("event=lease.lost"), "\(active.log().suffix(2_000))")
        #expect(try snapshot() == before, "the woken daemon wrote")
        let frozen = try db.query("SELECT referral_id FROM referrals WHERE external_id = 'WHILE-FROZEN'", [])
        #expect(frozen.isEmpty)
        // The standby, now active, still serves.
        #expect(Self.role(of: standby) == "active")
    }
}
