import Foundation
import SchakelProtocol
import Testing

/// Issue 23 against the real daemon on the demo map: a crisis at night goes to the service on call, a crisis does
/// not wait for room, and a first contact still missing after its grace reaches the contact's coordinator.
@Suite struct CrisisAndFirstContactTests {
    @Test func aCrisisAtNightGoesToTheContactOnCall() throws {
        // Friday 22:00: GGZ Lekstroom's Oguz is on call (weekends); Hanneke (Monday to Thursday nights, and first in
        // the usual ranking) and the GPs are not.
        let daemon = try DeadlineRestartTests.daemon(at: "2026-11-27T22:00:00+01:00")
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let oguz = try daemon.connect(as: "contact:ggz-oguz")
        var referral = try Referrals.make(needs: ["health"], shareWith: ["*"])
        referral = Referrals.setting("urgency", to: "crisis", in: referral)
        _ = try gp.submit(referral)
        let offer = try oguz.next(.handover)
        #expect(offer.body["urgency"] == "crisis")
        for peer in [gp, oguz] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func aCrisisGoesPastCapacityInsteadOfWaiting() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        _ = try daemon.useSocialMap(
            try SocialMaps.demo(changing: ["contact:schuldhulp-anna": ["capacity": .number(1)]]))
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        _ = try anna.next(.handover)
        // Anna is full: a normal need waits, a crisis is offered to her all the same.
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        var crisis = try Referrals.make(needs: ["debt"])
        crisis = Referrals.setting("urgency", to: "crisis", in: crisis)
        _ = try gp.submit(crisis)
        let offer = try anna.next(.handover)
        #expect(offer.body["urgency"] == "crisis")
        let events = try gp.drain(timeout: 0.5).filter { $0.command == "NOTICE" }.compactMap {
            $0.body["event"]?.stringValue
        }
        #expect(events == ["offered", "waiting", "offered"])
        for peer in [gp, anna] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }

    @Test func aMissedFirstContactReachesTheCoordinatorAfterItsGrace() throws {
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let sandra = try daemon.connect(as: "contact:domstad-sandra")  // Domstad Wonen's coordinator
        _ = try gp.submit(try Referrals.make(needs: ["housing"]))
        let offer = try bram.next(.handover)
        _ = try bram.request(.ack, ["handover_id": offer.body["handover_id"]!], expect: .acked)
        // contact_by is five working days later; the reminder comes, the coordinator not yet.
        _ = try daemon.admin("clock.advance", ["duration": "P7D"])
        _ = try bram.next(.reminder)
        #expect(try sandra.drain(timeout: 0.5).filter { $0.command == "ESCALATION" }.isEmpty)
        // A working day of grace later Sandra is alerted, and the GP hears who was.
        _ = try daemon.admin("clock.advance", ["duration": "P1D"])
        let escalation = try sandra.next(.escalation)
        #expect(escalation.body["reason"] == "no_first_contact")
        #expect(escalation.body["contact"] == "contact:wonen-bram")
        let notice = try #require(
            try gp.drain(timeout: 0.5).last { $0.command == "NOTICE" && $0.body["event"] == "escalated" })
        #expect(notice.body["escalation"] == "no_first_contact")
        #expect(notice.body["alerted"]?[0]?["id"] == "contact:domstad-sandra")
        #expect(try bram.drain(timeout: 0.5).filter { $0.command == "ESCALATION" }.isEmpty)
        for peer in [gp, bram, sandra] { #expect(peer.violations.isEmpty, "\(peer.violations)") }
    }
}
