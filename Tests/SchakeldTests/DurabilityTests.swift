import Foundation
import SchakelProtocol
import Testing

/// ACCEPTED is a promise: a SIGKILL right after it loses nothing.
@Suite struct DurabilityTests {
    @Test func killNineRightAfterAcceptedLosesNothing() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let referral = try Referrals.make(needs: ["debt"])
        let accepted = try gp.submit(referral)
        #expect(accepted.command == "ACCEPTED")
        daemon.kill9()

        try daemon.start()
        // The contact was never connected: the offer waited in the outbox across the crash.
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        let offer = try anna.next(.handover)
        #expect(offer.body["referral_id"] == accepted.body["referral_id"])

        // The adapter, unsure whether its submit arrived, sends it again: recognised, not doubled.
        let gpAgain = try daemon.connect(as: "org:huisarts-de-brug")
        let duplicate = try gpAgain.submit(referral)
        #expect(duplicate.command == "ACCEPTED")
        #expect(duplicate.body["duplicate"] == true)
        #expect(duplicate.body["referral_id"] == accepted.body["referral_id"])
        #expect(try anna.drain(timeout: 0.3).filter { $0.command == "HANDOVER" }.isEmpty)
    }

    @Test func resubmissionWithNullFieldsIsTheSameReferral() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let referral = Referrals.setting("note", to: nil, in: try Referrals.make(needs: ["debt"]))
        let first = try gp.submit(referral)
        let again = try gp.submit(Referrals.setting("note", to: .null, in: referral))
        #expect(again.command == "ACCEPTED")
        #expect(again.body["duplicate"] == true)
        #expect(again.body["referral_id"] == first.body["referral_id"])
    }

    @Test func manySubmitsInFlightAllSurviveAKill() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:gemeente-utrecht")
        let count = 50
        for i in 0..<count {
            try gp.send(.submit, ["referral": try Referrals.make(externalID: "BATCH-\(i)", needs: ["income"])])
        }
        var acceptedIDs: [String: String] = [:]
        for _ in 0..<count {
            let answer = try gp.next(.accepted)
            acceptedIDs[answer.body["external_id"]?.stringValue ?? ""] = answer.body["referral_id"]?.stringValue
        }
        #expect(acceptedIDs.count == count)
        daemon.kill9()
        try daemon.start()
        let again = try daemon.connect(as: "org:gemeente-utrecht")
        for (externalID, referralID) in acceptedIDs {
            let status = try again.request(.status, ["external_id": .string(externalID)], expect: .referral)
            #expect(status.body["referral_id"]?.stringValue == referralID)
        }
    }

    @Test func sigtermStopsCleanlyAndStateSurvives() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["debt"]))
        #expect(daemon.stop() == 0)
        #expect(daemon.log().contains("event=daemon.stopped"))
        try daemon.start()
        let again = try daemon.connect(as: "org:huisarts-de-brug")
        let status = try again.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        #expect(status.body["state"] == "open")
    }
}
