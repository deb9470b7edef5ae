import Foundation
import SchakelProtocol
import Testing

/// Bad input gets a precise REJECTED with a code, and the daemon keeps going.
@Suite struct RejectionTests {
    static func expectRejected(
        _ message: WireMessage, _ code: RejectionCode, field: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(message.command == "REJECTED", sourceLocation: sourceLocation)
        #expect(message.body["code"]?.stringValue == code.rawValue, "\(message.body)", sourceLocation: sourceLocation)
        #expect((message.body["message"]?.stringValue ?? "").count > 10, sourceLocation: sourceLocation)
        if let field {
            #expect(message.body["field"]?.stringValue == field, "\(message.body)", sourceLocation: sourceLocation)
        }
    }

    @Test func brokenFramesAreMalformed() throws {
        let daemon = try Daemon()
        try daemon.start()
        let peer = try daemon.peer()
        let cases: [[Data]] = [
            [Data("SRP1".utf8), Data("PING".utf8)],  // two frames
            [Data("SRP2".utf8), Data("PING".utf8), Data("{}".utf8)],  // wrong signature
            [Data("SRP1".utf8), Data("ping".utf8), Data("{}".utf8)],  // command not in capitals
            [Data("SRP1".utf8), Data("PING".utf8), Data("{not json".utf8)],
            [Data("SRP1".utf8), Data("PING".utf8), Data([0xff, 0xfe, 0x7b, 0x7d])],  // not UTF-8
            [Data("SRP1".utf8), Data("PING".utf8), Data("[1,2]".utf8)],  // not an object
            [Data("SRP1".utf8), Data("PING".utf8), Data("{}".utf8), Data("extra".utf8)],
        ]
        for frames in cases {
            try peer.sendRaw(frames)
            Self.expectRejected(try peer.reply(.pong), .malformed)
        }
        #expect(peer.violations.isEmpty, "\(peer.violations)")
    }

    @Test func schemaViolationsAreInvalidWithTheFieldPath() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let base = try Referrals.make()
        let cases: [(String, JSONValue?, String)] = [
            ("urgency", "soon", "referral.urgency"),
            ("citizen.municipality", "Utrecht", "referral.citizen.municipality"),
            ("citizen.display_name", nil, "referral.citizen.display_name"),
            ("needs", [], "referral.needs"),
            ("consent.given_at", "yesterday", "referral.consent.given_at"),
            ("consent.share_with", ["everyone"], "referral.consent.share_with[0]"),
            ("note", .string(String(repeating: "x", count: 2_001)), "referral.note"),
            ("citizen.preferred_channel", "pigeon", "referral.citizen.preferred_channel"),
            ("urgancy", "normal", "referral.urgancy"),
        ]
        for (path, value, field) in cases {
            let body = Referrals.setting(path, to: value, in: base)
            let answer = try gp.request(.submit, ["referral": body], expect: .accepted)
            Self.expectRejected(answer, .invalid, field: field)
            #expect(answer.body["external_id"] == base["external_id"], "the rejection names the external_id")
        }
        let unknownDomain = try Referrals.make(needs: ["debt", "astrology"])
        Self.expectRejected(
            try gp.request(.submit, ["referral": unknownDomain], expect: .accepted), .invalid,
            field: "referral.needs[1].domain")
        #expect(gp.violations.isEmpty, "\(gp.violations)")
    }

    @Test func everyRejectionCodeOfTheSessionRules() throws {
        let daemon = try Daemon()
        try daemon.start()
        let stranger = try daemon.peer()
        Self.expectRejected(
            try stranger.request(.submit, ["referral": try Referrals.make()], expect: .accepted), .helloRequired)
        Self.expectRejected(try stranger.request(.status, ["referral_id": "ref-x"], expect: .referral), .helloRequired)
        // Before HELLO the body is not even read: a stranger learns nothing of the rules.
        Self.expectRejected(
            try stranger.request(.submit, ["referral": ["needs": [["domain": "astrology"]]]], expect: .accepted),
            .helloRequired)
        Self.expectRejected(try stranger.request(.ack, ["bogus": true], expect: .acked), .helloRequired)
        Self.expectRejected(try stranger.request(.ping, ["extra": true], expect: .pong), .invalid, field: "extra")
        Self.expectRejected(
            try stranger.request(.hello, ["as": "org:nobody-here"], expect: .welcome), .unknownPrincipal, field: "as")
        try stranger.send(command: "TELEPORT", [:])
        Self.expectRejected(try stranger.reply(.pong), .unknownCommand)
        try stranger.send(command: "WELCOME", [:])  // a broker command sent to the broker
        Self.expectRejected(try stranger.reply(.pong), .unknownCommand)
        #expect(try stranger.request(.ping, [:], expect: .pong).command == "PONG")  // PING works before HELLO
        #expect(stranger.violations.isEmpty, "\(stranger.violations)")
    }

    @Test func forbiddenConflictAndNotFound() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let other = try daemon.connect(as: "org:gemeente-utrecht")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let referral = try Referrals.make(needs: ["debt"])
        let accepted = try gp.submit(referral)
        let referralID = accepted.body["referral_id"]!
        let handoverID = try anna.next(.handover).body["handover_id"]!

        // A contact cannot submit; an organisation cannot acknowledge; Bram cannot take Anna's offer.
        Self.expectRejected(
            try anna.request(.submit, ["referral": try Referrals.make()], expect: .accepted), .forbidden)
        Self.expectRejected(try gp.request(.ack, ["handover_id": handoverID], expect: .acked), .forbidden)
        Self.expectRejected(try bram.request(.ack, ["handover_id": handoverID], expect: .acked), .forbidden)
        Self.expectRejected(
            try bram.request(.decline, ["handover_id": handoverID, "reason": "other"], expect: .declined), .forbidden)
        // Another organisation and an uninvolved contact may not see the referral.
        Self.expectRejected(try other.request(.status, ["referral_id": referralID], expect: .referral), .forbidden)
        Self.expectRejected(try bram.request(.status, ["referral_id": referralID], expect: .referral), .forbidden)
        // External ids are per organisation.
        Self.expectRejected(
            try other.request(.status, ["external_id": referral["external_id"]!], expect: .referral), .notFound)

        // The same external id with another body is a conflict, and changes nothing.
        let changed = Referrals.setting("urgency", to: "crisis", in: referral)
        let conflict = try gp.request(.submit, ["referral": changed], expect: .accepted)
        Self.expectRejected(conflict, .conflict, field: "referral.external_id")
        #expect(conflict.body["external_id"] == referral["external_id"])
        let status = try gp.request(.status, ["referral_id": referralID], expect: .referral)
        #expect(status.body["urgency"] == "urgent")

        Self.expectRejected(
            try gp.request(.status, ["referral_id": "ref-does-not-exist"], expect: .referral), .notFound)
        Self.expectRejected(try anna.request(.ack, ["handover_id": "ho-does-not-exist"], expect: .acked), .notFound)
        // Acknowledged, then declined: a conflict.
        _ = try anna.request(.ack, ["handover_id": handoverID], expect: .acked)
        Self.expectRejected(
            try anna.request(.decline, ["handover_id": handoverID, "reason": "other"], expect: .declined), .conflict)
        // And acknowledging twice is answered the same both times.
        #expect(try anna.request(.ack, ["handover_id": handoverID], expect: .acked).command == "ACKED")
    }

    @Test func oversizedBodyIsTooLarge() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let big = String(repeating: "x", count: 300 * 1024)
        let answer = try gp.request(.submit, ["referral": ["note": .string(big)]], expect: .accepted)
        Self.expectRejected(answer, .tooLarge)
        #expect(answer.body["command"] == "SUBMIT")
        // Above the hard ZMQ_MAXMSGSIZE stop libzmq drops the connection; the daemon carries on.
        let huge = try daemon.peer()
        try huge.sendRaw([Data("SRP1".utf8), Data("PING".utf8), Data(count: 2 * 1024 * 1024)])
        #expect(try gp.submit(try Referrals.make()).command == "ACCEPTED")
    }

    @Test func fullStorageIsUnavailableAndHarmsNothingAccepted() throws {
        // A database capped at a few pages fills up after a handful of referrals.
        let daemon = try Daemon(settings: ["database": ["max_pages": .number(24)]])
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        var accepted: [WireMessage] = []
        var unavailable: WireMessage?
        for i in 0..<200 {
            let answer = try gp.request(
                .submit, ["referral": try Referrals.make(externalID: "FULL-\(i)")], expect: .accepted)
            if answer.command == "ACCEPTED" {
                accepted.append(answer)
            } else {
                unavailable = answer
                break
            }
        }
        let rejection = try #require(unavailable, "the capped database never filled up")
        Self.expectRejected(rejection, .unavailable)
        #expect(!accepted.isEmpty)
        // Nothing of the refused referral was kept; everything accepted is intact.
        Self.expectRejected(
            try gp.request(.status, ["external_id": rejection.body["external_id"]!], expect: .referral), .notFound)
        for answer in accepted {
            let status = try gp.request(.status, ["referral_id": answer.body["referral_id"]!], expect: .referral)
            #expect(status.command == "REFERRAL")
        }
        #expect(try gp.request(.ping, [:], expect: .pong).command == "PONG")
    }

    @Test func aThousandMalformedMessagesLeaveTheDaemonServing() throws {
        let daemon = try Daemon()
        try daemon.start()
        let noisy = try daemon.peer()
        var rng = SystemRandomNumberGenerator()
        for i in 0..<1_000 {
            var frames: [Data]
            switch i % 5 {
            case 0:
                frames = [
                    Data((0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
                ]
            case 1: frames = [Data("SRP1".utf8), Data("SUBMIT".utf8), Data("{\"referral\":".utf8)]
            case 2: frames = [Data("SRP1".utf8), Data("SUBMIT".utf8), Data("{\"referral\":{}}".utf8)]
            case 3: frames = [Data("SRP1".utf8), Data("ÅÄÖ".utf8), Data("{}".utf8)]
            default: frames = Array(repeating: Data("SRP1".utf8), count: Int.random(in: 4...9, using: &rng))
            }
            try noisy.sendRaw(frames)
        }
        let answers = try noisy.drain(timeout: 1.0)
        #expect(answers.count == 1_000)
        #expect(answers.allSatisfy { $0.command == "REJECTED" })
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(try gp.submit(try Referrals.make()).command == "ACCEPTED")
    }
}
