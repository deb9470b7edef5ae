import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

/// CURVE mode on the PUB/SUB sockets, against the real daemon on tcp://127.0.0.1: a publish-only adapter is
/// known by its key (`subscribe[].server_key`) and the event stream admits only the subscriber keys of
/// `events.public_keys`, through the same ZAP handler as the broker endpoint (Protocols/SRP1.md, EVENTS.md).
@Suite struct CurvePubSubTests {
    let gp = try! CurveKeyPair.generate()
    let prober = try! CurveKeyPair.generate()
    let subscriber = try! CurveKeyPair.generate()

    /// A CURVE daemon with the GP practice and the municipality (the stream's prober) on the map, its event stream
    /// on a TCP port admitting `subscriber`, and `subscribe` as given.
    func daemon(subscribe: [JSONValue] = []) throws -> (Daemon, String) {
        let events = "tcp://127.0.0.1:\(try PythonAdapterTests.freePort())"
        var settings: [String: JSONValue] = [
            "events": ["endpoint": .string(events), "public_keys": [.string(subscriber.publicKey)]]
        ]
        if !subscribe.isEmpty { settings["subscribe"] = .array(subscribe) }
        let daemon = try Daemon(settings: settings, curve: true)
        try daemon.useSocialMap(
            try SocialMaps.demo(keys: ["org:huisarts-de-brug": [gp], "org:gemeente-utrecht": [prober]]))
        return (daemon, events)
    }

    static func source(_ publisher: Publisher, serverKey: String?) -> JSONValue {
        var entry: [String: JSONValue] = [
            "endpoint": .string(publisher.endpoint), "organisation": .string(SubscribeIntakeTests.organisation),
        ]
        if let serverKey { entry["server_key"] = .string(serverKey) }
        return .object(entry)
    }

    @Test func aCurvePublishersSubmissionIsIngestedAndReceipted() throws {
        let publisher = try Publisher(curve: true)
        let (daemon, events) = try daemon(subscribe: [
            Self.source(publisher, serverKey: try #require(publisher.keys).publicKey)
        ])
        try daemon.start()
        let listener = try EventListener(
            events, curve: (serverKey: try #require(daemon.serverKeys).publicKey, keyPair: subscriber))
        try listener.join(daemon, keys: prober)
        let receipts = SubscribeIntakeTests.Receipts(
            try daemon.connect(as: SubscribeIntakeTests.organisation, keys: gp))
        let referral = try Referrals.make(externalID: "CURVE-PUB-\(UUID())", needs: ["debt"])
        let externalID = try #require(referral["external_id"]?.stringValue)

        try publisher.republishUntilReceipted([referral]) { interval in try receipts.collect(interval) }
        let receipt = try #require(receipts.all.first { $0.body["external_id"]?.stringValue == externalID })
        #expect(receipt.command == "ACCEPTED", "\(receipt.body.canonicalString())")
        #expect(try SubscribeIntakeTests.referralCounts(daemon)[externalID] == 1)
        let referralID = try #require(receipt.body["referral_id"]?.stringValue)
        try listener.wait(for: "the receipt on the stream") { _ in
            listener.events(about: referralID).contains { $0.type == EventType.referralAccepted.rawValue }
        }
        #expect(listener.violations.isEmpty, "\(listener.violations)")
        #expect(daemon.log().contains("event=subscribe.connected"))
    }

    /// An adapter with another key than the one configured, and one without CURVE at all, never get a
    /// submission in: the SUB socket's handshake fails, so nothing they publish is read.
    @Test func aPublisherWithAnotherKeyOrWithoutCurveIsNotIngested() throws {
        let impostor = try Publisher(curve: true)
        let plain = try Publisher()
        let configured = try CurveKeyPair.generate()
        let (daemon, _) = try daemon(subscribe: [
            Self.source(impostor, serverKey: configured.publicKey),
            Self.source(plain, serverKey: configured.publicKey),
        ])
        try daemon.start()
        let receipts = SubscribeIntakeTests.Receipts(
            try daemon.connect(as: SubscribeIntakeTests.organisation, keys: gp))
        let referral = try Referrals.make(externalID: "IMPOSTOR-\(UUID())", needs: ["debt"])
        let deadline = Date().addingTimeInterval(CurveSessionTests.silence)
        while Date() < deadline {
            try impostor.submit(referral)
            try plain.submit(referral)
            #expect(try receipts.collect(0.1).isEmpty)
        }
        #expect(receipts.all.isEmpty)
        #expect(try SubscribeIntakeTests.referralCounts(daemon).isEmpty)
        // The daemon is healthy for everyone else.
        let peer = try daemon.connect(as: SubscribeIntakeTests.organisation, keys: gp)
        #expect(try peer.request(.ping, [:], expect: .pong).command == "PONG")
    }

    /// The stream's ZAP domain admits exactly the listed keys: not another key, not a key that is on the social
    /// map (its peers are not all meant to see who refers whom), not a plain subscriber. And a listed subscriber
    /// key opens no session on the broker endpoint.
    @Test func onlyAListedSubscriberKeyReceivesTheStream() throws {
        let (daemon, events) = try daemon()
        try daemon.start()
        let serverKey = try #require(daemon.serverKeys).publicKey
        let listed = try EventListener(events, curve: (serverKey: serverKey, keyPair: subscriber))
        let unlisted = try EventListener(events, curve: (serverKey: serverKey, keyPair: try CurveKeyPair.generate()))
        let onTheMap = try EventListener(events, curve: (serverKey: serverKey, keyPair: gp))
        let plain = try EventListener(events)
        let probes = try listed.join(daemon, keys: prober)
        let gpSession = try daemon.connect(as: SubscribeIntakeTests.organisation, keys: gp)
        let referralID = try #require(
            try gpSession.submit(try Referrals.make(needs: ["debt"])).body["referral_id"]?.stringValue)
        try listed.wait(for: "the referral") { _ in !listed.events(about: referralID).isEmpty }
        #expect(!probes.isEmpty)

        for other in [unlisted, onTheMap, plain] {
            try other.collect(timeout: CurveSessionTests.silence / 3)
            #expect(other.received.isEmpty, "\(other.received.map(\.type))")
        }
        #expect(daemon.log().contains("the key is not in events.public_keys"))
        #expect(listed.violations.isEmpty, "\(listed.violations)")
        // The subscriber's key is for the stream only.
        let session = try daemon.peer(keys: subscriber)
        try session.send(.ping)
        #expect(try session.drain(timeout: 0.5).isEmpty)
    }

    @Test func theConfigIsRefusedWithoutTheKeysCurveNeeds() throws {
        let publisher = try Publisher()
        let daemon = try Daemon(
            settings: [
                "events": "tcp://127.0.0.1:5711",
                "subscribe": [
                    Self.source(publisher, serverKey: nil),
                    ["endpoint": "ipc:///tmp/schakel-adapter.sock", "organisation": "org:gemeente-utrecht"],
                ],
            ], curve: true)
        let check = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(check.status != 0)
        for problem in [
            "events.public_keys: required with curve",
            "subscribe[0].server_key: required with curve for a tcp:// endpoint: the CURVE public key of the adapter "
                + "at \(publisher.endpoint), so that nobody else can publish as org:huisarts-de-brug",
        ] {
            #expect(check.errors.contains(problem), "missing: \(problem)\n\(check.errors)")
        }
        // An ipc:// adapter needs no key: the socket file's permissions say who can publish on it.
        #expect(!check.errors.contains("subscribe[1]"), "\(check.errors)")
        #expect(try daemon.startExpectingExit() != 0)

        let plain = try Daemon(settings: [
            "events": ["endpoint": "ipc:///tmp/schakel-events.sock", "public_keys": [.string(subscriber.publicKey)]]
        ])
        let plainCheck = try CommandLineTests.run("schakeld", ["--config", plain.configURL.path, "--check-config"])
        #expect(plainCheck.status != 0)
        #expect(plainCheck.errors.contains("events.public_keys: insecure_dev has no CURVE"), "\(plainCheck.errors)")

        let malformed = try Daemon(settings: ["events": ["endpoint": "ipc:///tmp/e.sock", "public_keys": ["short"]]])
        let malformedCheck = try CommandLineTests.run(
            "schakeld", ["--config", malformed.configURL.path, "--check-config"])
        #expect(
            malformedCheck.errors.contains(
                "events.public_keys must be a list of subscribers' CURVE public keys: 40 characters of Z85 each"))
    }
}
