import Foundation
import SchakelProtocol
import Testing

/// Protocols/INTEGRATORS.md: its messages follow the contract, and it tells what to do on every REJECTED code.
@Suite struct IntegratorGuideTests {
    static func guide() throws -> String {
        try String(contentsOf: ProtocolSpec.root.appendingPathComponent("INTEGRATORS.md"), encoding: .utf8)
    }

    @Test func everyMessageOfTheGuideFollowsTheContract() throws {
        let conversation = try ContractFiles.workedExample(in: "INTEGRATORS.md")
        // HELLO, WELCOME, SUBMIT, ACCEPTED, HANDOVER, ACK, ACKED, NOTICE, RECEIVED, REJECTED.
        #expect(
            conversation.map(\.message.command) == [
                "HELLO", "WELCOME", "SUBMIT", "ACCEPTED", "HANDOVER", "ACK", "ACKED", "NOTICE", "RECEIVED", "REJECTED",
            ])
        let validator = try ContractFiles.validator()
        for (sender, message) in conversation {
            let errors = ProtocolSpec.validate(message)
            #expect(errors.isEmpty, "\(sender) \(message.command): \(errors)")
            if sender == "schakeld" {
                let reencoded = try ContractFiles.roundTrip(message)
                #expect(
                    reencoded.body == message.body,
                    "\(message.command) in INTEGRATORS.md is not what the broker encodes")
            } else {
                #expect(throws: Never.self) { try PeerRequest.parse(message, referrals: validator) }
            }
        }
    }

    @Test func theGuideSaysWhatToDoOnEveryRejectedCode() throws {
        let guide = try Self.guide()
        for code in RejectionCode.allCases {
            #expect(guide.contains("| `\(code.rawValue)` |"), "INTEGRATORS.md has no row for \(code.rawValue)")
        }
    }

    @Test func theGuidesSubmitIsTheExampleReferral() throws {
        let submit = try #require(
            try ContractFiles.workedExample(in: "INTEGRATORS.md").first { $0.message.command == "SUBMIT" })
        #expect(submit.message.body["referral"] == (try Referrals.example()))
    }
}
