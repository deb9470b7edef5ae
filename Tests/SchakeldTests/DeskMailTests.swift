import Desk
import Foundation
import SchakelProtocol
import Testing

/// The desk's e-mail notices end to end: real offers and reminders from the real daemon reach the real desk,
/// which mails them through a real sendmail (Debian's msmtp) to an SMTP server on loopback. What arrives names
/// the need's domain, the urgency, the deadline and the desk's link, and nothing of the citizen; a contact who
/// turned notices off on the map gets none.
@Suite struct DeskMailTests {
    @Test(
        .enabled(
            if: PythonAdapterTests.required != nil || PythonAdapterTests.python != nil,
            "no Python virtualenv: run make python-venv"))
    func offersAndRemindersAreMailedWithoutPersonalData() throws {
        let python = try #require(PythonAdapterTests.python, "no Python virtualenv: run make python-venv")
        guard FileManager.default.isExecutableFile(atPath: MailDeliveryTests.msmtp) else {
            throw TestError("\(MailDeliveryTests.msmtp) is missing: install Debian's msmtp (apt-get install msmtp)")
        }
        let sink = try SMTPSink(python: python)
        defer { sink.stop() }
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        let map = try daemon.useSocialMap(
            try SocialMaps.demo(changing: ["contact:wonen-bram": ["email_notices": false]]))
        try daemon.start()
        let desk = try DeskProcess(
            daemon: daemon,
            settings: [
                "social_map": .string(map.path), "base_url": "https://desk.lekstroom.example/",
                "mail": [
                    "from": "schakel@desk.lekstroom.example",
                    "sendmail": [
                        .string(MailDeliveryTests.msmtp), "--host=127.0.0.1", .string("--port=\(sink.port)"),
                        "--from=schakel@desk.lekstroom.example", "--auth=off", "--tls=off", "-t", "-i",
                    ],
                ],
            ])
        try desk.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt", "housing"]))
        let offer = try sink.waitForMessages(count: 1, timeout: 30)
        // Halfway to the deadline: a reminder to Anna, and none to Bram, who turned notices off.
        _ = try daemon.admin("clock.advance", ["duration": "PT4H"])
        let both = try sink.waitForMessages(count: 2, timeout: 30)
        #expect(offer.count == 1 && both.count == 2)
        usleep(1_000_000)
        #expect(sink.messages().count == 2, "a third notice arrived: \(sink.messages().last ?? "")")

        let personalData = try MailDeliveryTests.personalData()
        for (raw, subject) in zip(both, ["Nieuw aanbod in Schakel", "Herinnering"]) {
            let (headers, body) = try MailDeliveryTests.parse(raw)
            #expect(headers["To"] == "anna.visser@schuldhulp-utrecht.example")
            #expect(headers["Subject"]?.hasPrefix(subject) == true, "\(headers["Subject"] ?? "")")
            #expect(body.contains("schulden"))
            #expect(body.contains("https://desk.lekstroom.example/"))
            #expect(body.contains("vóór di 24 nov 10:00"), "\(body)")
            #expect(MailDeliveryTests.leaks(in: raw, personalData: personalData) == [])
        }
        #expect(sink.envelopes().allSatisfy { $0.to == ["anna.visser@schuldhulp-utrecht.example"] })
        #expect(!desk.log().contains(Referrals.citizenName))
    }
}
