import Foundation
import SchakelProtocol
import Testing

/// A coordinator's ASSIGN with a broken body gets a precise REJECTED (code, field, the command) and changes nothing,
/// and the daemon goes on serving: the same coordinator's correct ASSIGN right after is carried out.
@Suite struct AssignRejectionTests {
    @Test func aMalformedAssignIsRefusedWithCodeAndFieldAndTheDaemonGoesOn() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let accepted = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try #require(try bram.next(.handover).body["handover_id"])
        let sandra = try daemon.connect(as: "contact:domstad-sandra")  // Domstad Wonen's coordinator

        // Each with a part of its message: what the coordinator should send instead.
        let cases: [(body: JSONValue, code: RejectionCode, field: String, says: String)] = [
            (["handover_id": offer, "contact": .number(42)], .invalid, "contact", "must be a string"),
            (["handover_id": offer, "contact": ["contact:domstad-sandra"]], .invalid, "contact", "must be a string"),
            (["handover_id": offer, "contact": "org:domstad-wonen"], .invalid, "contact", "such as contact:"),
            (["handover_id": offer], .invalid, "contact", "such as contact:"),
            (["contact": "contact:domstad-sandra"], .invalid, "handover_id", "from PENDING"),
            (["handover_id": .number(7), "contact": "contact:domstad-sandra"], .invalid, "handover_id", "string"),
            (["handover_id": "", "contact": "contact:domstad-sandra"], .invalid, "handover_id", "1 to 100"),
            (
                ["handover_id": offer, "contact": "contact:domstad-sandra", "reason": "busy"], .invalid, "reason",
                "unknown"
            ),
            (
                ["handover_id": "ho-00000000-0000-4000-8000-00000000dead", "contact": "contact:domstad-sandra"],
                .notFound, "handover_id", "from PENDING"
            ),
            (["handover_id": offer, "contact": "contact:nobody-here"], .notFound, "contact", "social map"),
        ]
        for (body, code, field, says) in cases {
            let answer = try sandra.request(.assign, body, expect: .noted)
            RejectionTests.expectRejected(answer, code, field: field)
            #expect(answer.body["command"] == "ASSIGN", "\(answer.body)")
            let message = answer.body["message"]?.stringValue ?? ""
            #expect(message.contains(says), "\(message)")
            // One sentence that says what to do, never the value sent (it may be personal data typed wrongly).
            #expect(!message.contains("42") && !message.contains("busy"), "\(message)")
            #expect(!message.dropLast().contains(". "), "more than one sentence: \(message)")
        }

        // Nothing changed, and the daemon still serves: the same coordinator's correct ASSIGN is carried out.
        #expect(try sandra.request(.ping, [:], expect: .pong).command == "PONG")
        let status = try gp.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        #expect(status.body["handovers"]?.arrayValue?.map { $0["state"] } == ["offered"])
        let noted = try sandra.request(
            .assign, ["handover_id": offer, "contact": "contact:domstad-sandra"], expect: .noted)
        #expect(noted.command == "NOTED" && noted.body["event"] == "assigned", "\(noted.body)")
        #expect(try bram.next(.cancelled).body["reason"] == "reassigned")
        for peer in [gp, bram, sandra] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }
}
