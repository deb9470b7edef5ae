import Foundation
import SchakelProtocol
import Testing

/// A batch's requests are read on a second thread, ahead of the loop that answers them (`RequestReadAhead`). What a
/// peer gets back must be what reading them one at a time gave: every answer to its own request, in the order sent,
/// and the rule that a peer says HELLO first applied to the session as it is when the loop reaches the request.
@Suite struct ReadAheadTests {
    /// What one request must be answered with: the command, and for REJECTED its code; the external id when the
    /// answer carries one.
    struct Expected: CustomStringConvertible {
        var command: String
        var code: String?
        var externalID: String?
        var description: String { "\(command) \(code ?? "") \(externalID ?? "")" }
    }

    static let answers: Set<String> = ["ACCEPTED", "REJECTED", "PONG", "WELCOME"]

    /// The next `count` answers `peer` gets, in order, leaving out what the broker pushes (NOTICE and the like).
    func answers(_ peer: Peer, count: Int) throws -> [WireMessage] {
        var got: [WireMessage] = []
        let deadline = Date().addingTimeInterval(Peer.patience * Sanitizer.slowdown)
        while got.count < count, Date() < deadline {
            got += try peer.drain(timeout: 0.05).filter { Self.answers.contains($0.command) }
        }
        return got
    }

    func expect(_ got: [WireMessage], _ expected: [Expected], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.count == expected.count, "\(got.count) answers for \(expected.count) requests")
        for (index, (message, want)) in zip(got, expected).enumerated() {
            let code = message.command == "REJECTED" ? message.body["code"]?.stringValue : nil
            let externalID = message.body["external_id"]?.stringValue
            #expect(
                message.command == want.command && code == want.code && externalID == want.externalID,
                "request \(index): wanted \(want), got \(message.command) \(message.body.canonicalString())",
                sourceLocation: sourceLocation)
        }
    }

    @Test func aBurstOfMixedRequestsIsAnsweredInOrder() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let stranger = try daemon.peer()
        var forGP: [Expected] = []
        var forStranger: [Expected] = []
        // Sent without waiting, from two peers at once, so that the daemon reads them in large batches.
        for i in 0..<100 {
            let externalID = "burst-\(i)"
            switch i % 5 {
            case 0:
                try gp.send(.submit, ["referral": try Referrals.make(externalID: externalID)])
                forGP.append(Expected(command: "ACCEPTED", externalID: externalID))
            case 1:
                try gp.send(.submit, ["referral": try Referrals.make(externalID: externalID, needs: ["astrology"])])
                forGP.append(Expected(command: "REJECTED", code: "invalid", externalID: externalID))
            case 2:
                try gp.sendRaw([Data("SRP1".utf8), Data("SUBMIT".utf8), Data("{\"referral\":".utf8)])
                forGP.append(Expected(command: "REJECTED", code: "malformed"))
            case 3:
                try gp.send(.ping)
                forGP.append(Expected(command: "PONG"))
            default:
                try gp.send(command: "TELEPORT")
                forGP.append(Expected(command: "REJECTED", code: "unknown_command"))
            }
            if i.isMultiple(of: 2) {
                try stranger.send(.submit, ["referral": try Referrals.make(externalID: "stranger-\(i)")])
                forStranger.append(Expected(command: "REJECTED", code: "hello_required"))
            } else {
                try stranger.send(.ping)
                forStranger.append(Expected(command: "PONG"))
            }
        }
        let got = try answers(gp, count: forGP.count)
        expect(got, forGP)
        expect(try answers(stranger, count: forStranger.count), forStranger)
        #expect(gp.violations.isEmpty, "\(gp.violations)")
        // The referral id in an ACCEPTED is the one stored under that answer's external id.
        for accepted in got where accepted.command == "ACCEPTED" {
            let id = try #require(accepted.body["referral_id"])
            let status = try gp.request(.status, ["referral_id": id], expect: .referral)
            #expect(status.body["external_id"] == accepted.body["external_id"], "\(status.body)")
        }
    }

    /// HELLO binds the session when the loop reaches it: a SUBMIT sent before it in the same burst is refused, one
    /// sent after it is taken, though all three were read before the HELLO was answered.
    @Test func helloCountsFromWhereItIsInTheBurst() throws {
        let daemon = try Daemon()
        try daemon.start()
        for round in 0..<10 {
            let peer = try daemon.peer()
            try peer.send(.submit, ["referral": try Referrals.make(externalID: "before-\(round)")])
            try peer.send(.hello, ["as": "org:huisarts-de-brug", "client": "tests/1"])
            try peer.send(.submit, ["referral": try Referrals.make(externalID: "after-\(round)")])
            expect(
                try answers(peer, count: 3),
                [
                    Expected(command: "REJECTED", code: "hello_required"),
                    Expected(command: "WELCOME"),
                    Expected(command: "ACCEPTED", externalID: "after-\(round)"),
                ])
        }
    }
}
