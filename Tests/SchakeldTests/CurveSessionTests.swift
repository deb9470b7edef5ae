import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

/// CURVE mode against the real daemon on tcp://127.0.0.1: the principal comes from the peer's key (ZAP), never
/// from what a message says, and a key removed from the social map stops working at once.
@Suite struct CurveSessionTests {
    /// How long "no answer" is waited for: long enough for a healthy answer on a loaded machine to have come.
    static let silence: TimeInterval = 1.5

    let gp = try! CurveKeyPair.generate()
    let anna = try! CurveKeyPair.generate()
    let debtAdapter = try! CurveKeyPair.generate()

    /// A CURVE daemon whose map lists the GP practice's adapter, Anna's client and the debt organisation's adapter.
    func daemon(actingAdapters: Set<String> = []) throws -> Daemon {
        let daemon = try Daemon(curve: true)
        try daemon.useSocialMap(
            try SocialMaps.demo(
                keys: [
                    "org:huisarts-de-brug": [gp], "contact:schuldhulp-anna": [anna],
                    "org:schuldhulp-utrecht": [debtAdapter],
                ], actingAdapters: actingAdapters))
        try daemon.start()
        return daemon
    }

    static func expectForbidden(_ answer: WireMessage, field: String? = nil, _ text: String) {
        #expect(answer.command == "REJECTED", "\(answer.body.canonicalString())")
        #expect(answer.body["code"]?.stringValue == "forbidden", "\(answer.body.canonicalString())")
        #expect(answer.body["field"]?.stringValue == field)
        #expect(answer.body["message"]?.stringValue?.contains(text) == true, "\(answer.body.canonicalString())")
    }

    @Test func aListedKeyGetsWelcomeAsItsPrincipalAndCanSubmit() throws {
        let daemon = try daemon()
        let peer = try daemon.connect(as: "org:huisarts-de-brug", keys: gp)
        #expect(try peer.submit(try Referrals.make(externalID: "CURVE-1")).command == "ACCEPTED")
        let annaPeer = try daemon.connect(as: "contact:schuldhulp-anna", keys: anna)
        let offer = try annaPeer.next(.handover)
        #expect(offer.body["referrer"]?["organisation"]?.stringValue == "org:huisarts-de-brug")
        #expect(peer.violations.isEmpty && annaPeer.violations.isEmpty)
        #expect(daemon.log().contains("event=peer.admitted principal=org:huisarts-de-brug"))
    }

    @Test func anUnlistedKeyOrAPlainPeerNeverGetsAnAnswerAndOthersAreServed() throws {
        let daemon = try daemon()
        let strangerKeys = try CurveKeyPair.generate()
        let stranger = try daemon.peer(keys: strangerKeys)
        try stranger.send(.ping)
        try stranger.send(.hello, ["as": "org:huisarts-de-brug"])
        let plain = try Peer(daemon.endpoint)
        try plain.send(.hello, ["as": "org:huisarts-de-brug"])
        // The same key twice more: refusals are logged at the 1st, 2nd, 4th, ... attempt, not every time.
        let again = try (0..<2).map { _ in try daemon.peer(keys: strangerKeys) }
        for peer in again { try peer.send(.ping) }
        #expect(try stranger.drain(timeout: Self.silence).isEmpty)
        #expect(try plain.drain(timeout: 0.1).isEmpty)
        #expect(daemon.log().contains("event=peer.refused"))
        #expect(daemon.log().contains("the key is not on the social map"))
        #expect(try again.allSatisfy { try $0.drain(timeout: 0.1).isEmpty })
        let refusals = daemon.log().components(separatedBy: "\n").filter {
            $0.contains("event=peer.refused") && $0.contains(strangerKeys.publicKey)
        }
        #expect(refusals.count == 2 && refusals.last?.hasSuffix("attempts=2") == true, "\(refusals)")
        // The daemon is healthy for everyone else.
        let peer = try daemon.connect(as: "org:huisarts-de-brug", keys: gp)
        #expect(try peer.request(.ping, [:], expect: .pong).command == "PONG")
    }

    @Test func helloNamingSomeoneElseIsForbiddenWhateverTheKey() throws {
        let daemon = try daemon()
        let peer = try daemon.peer(keys: gp)
        Self.expectForbidden(
            try peer.request(.hello, ["as": "org:schuldhulp-utrecht"], expect: .welcome), field: "as",
            "your key is that of org:huisarts-de-brug")
        Self.expectForbidden(
            try peer.request(.hello, ["as": "contact:schuldhulp-anna"], expect: .welcome), field: "as",
            "not as contact:schuldhulp-anna")
        // Still no session: nothing else is read.
        let refused = try peer.request(.status, ["external_id": "X"], expect: .referral)
        #expect(refused.body["code"]?.stringValue == "hello_required")
        let contact = try daemon.peer(keys: anna)
        Self.expectForbidden(
            try contact.request(.hello, ["as": "contact:wonen-bram"], expect: .welcome), field: "as",
            "your key is that of contact:schuldhulp-anna")
        Self.expectForbidden(
            try contact.request(.hello, ["as": "org:schuldhulp-utrecht"], expect: .welcome), field: "as",
            "your key is that of contact:schuldhulp-anna")
        // Unknown principals keep their own code.
        let unknown = try contact.request(.hello, ["as": "org:nobody"], expect: .welcome)
        #expect(unknown.body["code"]?.stringValue == "unknown_principal")
    }

    @Test func anAdapterActsForItsOwnContactOnlyWhenTheMapSaysSo() throws {
        let without = try daemon()
        Self.expectForbidden(
            try without.peer(keys: debtAdapter).request(.hello, ["as": "contact:schuldhulp-anna"], expect: .welcome),
            field: "as", "you may open a session as org:schuldhulp-utrecht, not as contact:schuldhulp-anna")

        let with = try daemon(actingAdapters: ["org:schuldhulp-utrecht"])
        let gpPeer = try with.connect(as: "org:huisarts-de-brug", keys: gp)
        #expect(try gpPeer.submit(try Referrals.make(externalID: "ACTS-1")).command == "ACCEPTED")
        let adapter = try with.connect(as: "contact:schuldhulp-anna", keys: debtAdapter)
        let offer = try adapter.next(.handover)
        let handoverID = try #require(offer.body["handover_id"]?.stringValue)
        #expect(try adapter.request(.ack, ["handover_id": .string(handoverID)], expect: .acked).command == "ACKED")
        // Not for another organisation's contact, and the acting session is the contact's, not the organisation's.
        Self.expectForbidden(
            try with.peer(keys: debtAdapter).request(.hello, ["as": "contact:wonen-bram"], expect: .welcome),
            field: "as", "or one of its contact persons, not as contact:wonen-bram")
        let submit = try adapter.request(
            .submit, ["referral": try Referrals.make(externalID: "ACTS-2")], expect: .accepted)
        #expect(submit.body["code"]?.stringValue == "forbidden")
    }

    @Test func aKeyRemovedByAReloadIsRefusedAtTheNextMessageAndCannotReconnect() throws {
        let daemon = try daemon()
        let annaPeer = try daemon.connect(as: "contact:schuldhulp-anna", keys: anna)
        #expect(try annaPeer.request(.ping, [:], expect: .pong).command == "PONG")

        try daemon.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [gp]]))
        let reload = try daemon.admin("socialmap.reload")
        #expect(reload["ok"] == .bool(true), "\(reload)")
        #expect(daemon.log().contains("event=peer.revoked principal=contact:schuldhulp-anna"))

        // Her still-open connection gets nothing she is owed any more: a new offer for her stays in the outbox.
        let gpPeer = try daemon.connect(as: "org:huisarts-de-brug", keys: gp)
        #expect(try gpPeer.submit(try Referrals.make(externalID: "REVOKED-1")).command == "ACCEPTED")
        #expect(try annaPeer.drain(timeout: Self.silence).isEmpty)
        // Her next message is refused, whatever it is.
        Self.expectForbidden(
            try annaPeer.request(.ping, [:], expect: .pong), "no longer on the social map")
        Self.expectForbidden(
            try annaPeer.request(.hello, ["as": "contact:schuldhulp-anna"], expect: .welcome),
            "no longer on the social map")
        // And a new connection with the same key is not admitted.
        let again = try daemon.peer(keys: anna)
        try again.send(.hello, ["as": "contact:schuldhulp-anna"])
        #expect(try again.drain(timeout: Self.silence).isEmpty)
        // The GP's key was kept: its session goes on.
        #expect(try gpPeer.request(.ping, [:], expect: .pong).command == "PONG")
    }

    @Test func aRotatedKeyWorksAlongsideTheOldOneUntilTheOldIsRemoved() throws {
        let daemon = try daemon()
        let newKey = try CurveKeyPair.generate()
        try daemon.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [gp, newKey]]))
        #expect(try daemon.admin("socialmap.reload")["ok"] == .bool(true))
        let old = try daemon.connect(as: "org:huisarts-de-brug", keys: gp)
        let new = try daemon.connect(as: "org:huisarts-de-brug", keys: newKey)
        #expect(try new.request(.ping, [:], expect: .pong).command == "PONG")
        try daemon.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [newKey]]))
        #expect(try daemon.admin("socialmap.reload")["ok"] == .bool(true))
        Self.expectForbidden(try old.request(.ping, [:], expect: .pong), "no longer on the social map")
        #expect(try new.request(.ping, [:], expect: .pong).command == "PONG")
    }

    /// The admin socket (ipc, file permissions) and the metrics endpoint (plain HTTP, counts only) are not behind
    /// CURVE: operators and scrapers keep working, and count the CURVE sessions like any other.
    @Test func adminAndMetricsWorkBesideACurveBroker() throws {
        let daemon = try Daemon(settings: ["metrics": "tcp://127.0.0.1:*"], curve: true)
        try daemon.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [gp]]))
        try daemon.start()
        _ = try daemon.connect(as: "org:huisarts-de-brug", keys: gp)
        let stats = try daemon.admin("stats")
        #expect(stats["ok"] == .bool(true))
        #expect(stats["peers_connected"]?.numberValue == 1)
        let endpoint = try #require(stats["endpoints"]?["metrics"]?.stringValue)
        let health = try CommandLineTests.run(
            "/usr/bin/curl",
            [
                "-sS", "--fail", "--max-time", "5",
                endpoint.replacingOccurrences(of: "tcp://", with: "http://") + "/healthz",
            ])
        #expect(health.output == "ok\n", "\(health.errors)")
    }
}
