import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

/// Input built to hurt: each is refused precisely, and the daemon keeps serving everyone else
/// with bounded memory and file descriptors.
@Suite struct HostileInputTests {
    func frames(_ command: String, _ body: [UInt8]) -> [Data] {
        [Data("SRP1".utf8), Data(command.utf8), Data(body)]
    }

    func frames(_ command: String, _ body: String) -> [Data] {
        frames(command, Array(body.utf8))
    }

    /// The daemon still answers PING from a fresh peer.
    func expectHealthy(_ daemon: Daemon, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(daemon.process?.isRunning == true, "schakeld died:\n\(daemon.log())", sourceLocation: sourceLocation)
        let probe = try daemon.peer()
        #expect(try probe.request(.ping, [:], expect: .pong).command == "PONG", sourceLocation: sourceLocation)
    }

    @Test func truncatedAndExtraFramesAreMalformed() throws {
        let daemon = try Daemon()
        try daemon.start()
        let peer = try daemon.peer()
        let cases: [[Data]] = [
            [Data("SRP1".utf8)],
            [Data("SRP".utf8), Data("PING".utf8), Data("{}".utf8)],  // truncated signature
            [Data("SRP1".utf8), Data(), Data("{}".utf8)],  // empty command
            [Data("SRP1".utf8), Data("PING".utf8), Data()],  // empty body
            [Data("SRP1".utf8), Data("PING".utf8), Data("{\"a\":".utf8)],  // truncated body
            [Data("SRP1".utf8), Data("PING".utf8), Data("{}".utf8), Data(), Data()],
            Array(repeating: Data("SRP1".utf8), count: 100),
        ]
        for message in cases {
            try peer.sendRaw(message)
            RejectionTests.expectRejected(try peer.reply(.pong), .malformed)
        }
        try expectHealthy(daemon)
    }

    /// Room for bodies that are hostile for their shape rather than their size.
    static let roomyLimits: [String: JSONValue] = [
        "limits": ["max_body_bytes": .number(2_000_000), "max_message_bytes": .number(4_000_000)]
    ]

    @Test func brokenJSONIsMalformedAndTheDaemonCarriesOn() throws {
        let daemon = try Daemon(settings: Self.roomyLimits)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let referral = try Referrals.make().canonicalString()
        let deepArray = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let deepObject = String(repeating: "{\"a\":", count: 100_000) + "1" + String(repeating: "}", count: 100_000)
        let bodies: [(String, [UInt8])] = [
            ("100,000 deep arrays", Array("{\"referral\": \(deepArray)}".utf8)),
            ("100,000 deep objects", Array(deepObject.utf8)),
            ("duplicate key", Array("{\"referral\": \(referral), \"referral\": \(referral)}".utf8)),
            ("number beyond Double", Array("{\"referral\": 1e999999}".utf8)),
            ("100,000-digit number", Array("{\"referral\": \(String(repeating: "7", count: 100_000))}".utf8)),
            ("invalid UTF-8 in a string", Array("{\"referral\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)),
            ("encoded surrogate", Array("{\"referral\": \"".utf8) + [0xED, 0xB2, 0x80] + Array("\"}".utf8)),
            ("lone surrogate escape", Array(#"{"referral": "\ud83d"}"#.utf8)),
            ("raw control character", Array("{\"referral\": \"a".utf8) + [0x01] + Array("b\"}".utf8)),
            ("raw NUL", Array("{\"referral\": \"a".utf8) + [0x00] + Array("b\"}".utf8)),
        ]
        for (name, body) in bodies {
            try gp.sendRaw(frames("SUBMIT", body))
            let answer = try gp.reply(.accepted)
            #expect(answer.body["code"] == "malformed", "\(name): \(answer.body)")
            #expect(answer.body["command"] == "SUBMIT", "\(name)")
        }
        // The same dangers before HELLO: a stranger's body is still parsed, and still refused.
        let stranger = try daemon.peer()
        try stranger.sendRaw(frames("HELLO", Array(deepArray.utf8)))
        RejectionTests.expectRejected(try stranger.reply(.welcome), .malformed)
        try stranger.sendRaw(frames("HELLO", #"{"as": "org:huisarts-de-brug", "as": "contact:wonen-bram"}"#))
        RejectionTests.expectRejected(try stranger.reply(.welcome), .malformed)
        #expect(try gp.submit(try Referrals.make()).command == "ACCEPTED")
        #expect(gp.violations.isEmpty, "\(gp.violations)")
        try expectHealthy(daemon)
    }

    @Test func hugeStringsAndNumbersInFieldsAreInvalid() throws {
        let daemon = try Daemon(settings: Self.roomyLimits)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let base = try Referrals.make()
        let cases: [(String, JSONValue, String)] = [
            ("citizen.display_name", .string(String(repeating: "ß", count: 200_000)), "referral.citizen.display_name"),
            ("external_id", .number(1e308), "referral.external_id"),
            ("external_id", .string(String(repeating: "9", count: 100_000)), "referral.external_id"),
            ("urgency", .number(-0.0), "referral.urgency"),
            ("needs", .array(Array(repeating: ["domain": "debt", "summary": "x"], count: 5_000)), "referral.needs"),
        ]
        for (path, value, field) in cases {
            let answer = try gp.request(
                .submit, ["referral": Referrals.setting(path, to: value, in: base)], expect: .accepted)
            RejectionTests.expectRejected(answer, .invalid, field: field)
        }
        try expectHealthy(daemon)
    }

    @Test func invalidDatesAreInvalid() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let base = try Referrals.make()
        let dates = [
            "2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T10:60:00Z",
            "2026-11-23 10:00:00Z", "2026-11-23T10:00:00", "2026-11-23T10:00:00+25:00", "0000-00-00T00:00:00Z",
            "99999-01-01T00:00:00Z", "2026-11-23T10:00:00.1234567890Z", "2025-02-29T10:00:00Z", "",
        ]
        for date in dates {
            let body = Referrals.setting("consent.given_at", to: .string(date), in: base)
            let answer = try gp.request(.submit, ["referral": body], expect: .accepted)
            RejectionTests.expectRejected(answer, .invalid, field: "referral.consent.given_at")
        }
        let leapDay = Referrals.setting("consent.given_at", to: "2024-02-29T10:00:00+01:00", in: base)
        #expect(try gp.submit(leapDay).command == "ACCEPTED")
    }

    @Test func escapedControlCharactersInFieldsAreInvalid() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let base = try Referrals.make()
        for (path, text) in [
            ("citizen.display_name", "Fatima\u{0}El Amrani"), ("note", "bel \u{1B}[2J na 15:00"),
            ("referrer.name", "Dr.\u{7F}"), ("external_id", "X-\u{85}1"),
        ] {
            let answer = try gp.request(
                .submit, ["referral": Referrals.setting(path, to: .string(text), in: base)], expect: .accepted)
            RejectionTests.expectRejected(answer, .invalid, field: "referral.\(path)")
        }
        let multiline = Referrals.setting("note", to: "Regel een.\nRegel twee,\tmet tab.\r\n", in: base)
        #expect(try gp.submit(multiline).command == "ACCEPTED")
    }

    @Test func aBodyAboveTheHardCapDropsTheConnectionAndOthersAreServed() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let before = try DaemonProbe(daemon)
        for _ in 0..<20 {
            let huge = try daemon.peer()
            try huge.sendRaw(frames("PING", [UInt8](repeating: 0x20, count: 2 * 1024 * 1024)))
            // Dropped by libzmq: no REJECTED comes back for it.
            #expect(try huge.receiveRaw(timeout: 0.1) == nil)
        }
        #expect(try gp.submit(try Referrals.make()).command == "ACCEPTED")
        try expectHealthy(daemon)
        let after = try DaemonProbe(daemon)
        #expect(
            !Sanitizer.measuresMemory || after.residentKiB < before.residentKiB + 64 * 1024,
            "RSS \(before.residentKiB) → \(after.residentKiB) KiB")
    }

    @Test func aPeerThatNeverReadsCannotStarveOthersOrGrowMemoryWithoutBound() throws {
        let daemon = try Daemon()
        try daemon.start()
        let before = try DaemonProbe(daemon)
        let flooder = try daemon.peer()
        try flooder.socket.setSendHighWaterMark(0)
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let ping = frames("PING", "{}")
        let bad = frames("SUBMIT", "{\"referral\": {}}")  // hello_required: a reply without a database write
        var served = 0
        for i in 0..<100_000 {
            try flooder.sendRaw(i % 2 == 0 ? ping : bad)
            if i % 20_000 == 0 {
                // Another peer is served while the flood goes on.
                #expect(try gp.request(.ping, [:], expect: .pong).command == "PONG")
                served += 1
            }
        }
        #expect(try gp.submit(try Referrals.make()).command == "ACCEPTED")
        #expect(served == 5)
        try expectHealthy(daemon)
        let after = try DaemonProbe(daemon)
        // The replies it never reads wait in libzmq up to the high-water mark (100,000 small
        // messages at most), then are dropped: memory is bounded by that, not by the flood.
        #expect(
            !Sanitizer.measuresMemory || after.residentKiB < before.residentKiB + 128 * 1024,
            "RSS \(before.residentKiB) → \(after.residentKiB) KiB")
    }

    @Test func aThousandPeersThatConnectAndVanishLeaveNoTrace() throws {
        let daemon = try Daemon()
        try daemon.start()
        let context = try ZMQContext()
        defer { context.close() }
        let principals = [
            "org:huisarts-de-brug", "contact:schuldhulp-anna", "contact:wonen-bram", "org:gemeente-utrecht",
        ]
        func churn(_ count: Int) throws {
            for i in 0..<count {
                let socket = try context.socket(.dealer)
                try socket.setLinger(milliseconds: 0)
                try socket.connect(daemon.endpoint)
                if i % 2 == 0 {
                    let hello = WireMessage(.hello, ["as": .string(principals[i % principals.count])])
                    _ = try socket.send(hello.frames())
                } else {
                    _ = try socket.send(WireMessage(.ping).frames())
                }
                if i % 3 == 0 { _ = try socket.receive() }  // some wait for the answer, the rest vanish at once
                socket.close()
            }
        }
        try churn(100)  // warm up: caches, allocator arenas, the first sessions
        let baseline = try DaemonProbe.settled(daemon)
        try churn(1_000)
        let after = try DaemonProbe.settled(daemon, towards: baseline.openFiles)
        #expect(after.openFiles <= baseline.openFiles + 2, "fds \(baseline.openFiles) → \(after.openFiles)")
        #expect(
            !Sanitizer.measuresMemory || after.residentKiB < baseline.residentKiB + 16 * 1024,
            "RSS \(baseline.residentKiB) → \(after.residentKiB) KiB")
        try expectHealthy(daemon)
    }
}

/// What /proc says about the daemon: resident memory and open file descriptors.
struct DaemonProbe {
    var residentKiB: Int
    var openFiles: Int

    init(_ daemon: Daemon) throws {
        guard let pid = daemon.process?.processIdentifier else { throw TestError("schakeld is not running") }
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        residentKiB = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        openFiles = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
    }

    /// A probe once the daemon has closed what departed peers left: when its fds are at or
    /// below `target`, or (without a target) stopped changing; after 5 s at the latest.
    static func settled(_ daemon: Daemon, towards target: Int? = nil) throws -> DaemonProbe {
        let deadline = Date().addingTimeInterval(5)
        var probe = try DaemonProbe(daemon)
        var previous = -1
        while Date() < deadline {
            if let target, probe.openFiles <= target { break }
            if target == nil, probe.openFiles == previous { break }
            previous = probe.openFiles
            Thread.sleep(forTimeInterval: 0.2)
            probe = try DaemonProbe(daemon)
        }
        return probe
    }
}
