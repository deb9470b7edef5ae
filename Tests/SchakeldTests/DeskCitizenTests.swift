import Foundation
import SchakelProtocol
import Testing

/// The citizen's page over plain HTTP against the real desk and daemon: the code form and its token, the page the
/// code opens, and the limit on wrong codes per source, which must hold even for the right code and must not
/// touch anyone else.
@Suite struct DeskCitizenTests {
    /// The code form's cookie and token, as a browser would get them.
    static func form(_ desk: DeskProcess) throws -> (cookie: String, csrf: String) {
        let page = try desk.get("/inwoner")
        #expect(page.status == 200)
        let cookie = try #require(page.cookie("schakel_inwoner"))
        return (cookie, String(cookie.dropFirst("schakel_inwoner=".count)))
    }

    static func ask(
        _ desk: DeskProcess, _ code: String, from source: String, _ form: (cookie: String, csrf: String)
    ) throws -> DeskProcess.Answer {
        try desk.post(
            "/inwoner", form: ["csrf": form.csrf, "code": code],
            headers: ["Cookie": form.cookie, "X-Forwarded-For": "10.9.9.9, \(source)"])
    }

    @Test func fiveWrongCodesFromOneSourceMakeItWaitTheRightCodeIncludedAndNobodyElse() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon, settings: ["metrics": "127.0.0.1:0"])
        try desk.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["debt"]))
        let code = try #require(accepted.body["citizen_code"]?.stringValue)
        let form = try Self.form(desk)

        // Wrong codes in the code's own alphabet, so the broker is asked and says not_found each time.
        let wrong = [
            "2222-3333-4444-5555", "6666-7777-8888-9999", "AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH",
            "JJJJ-KKKK-LLLL-MMMM",
        ]
        for guess in wrong {
            let answer = try Self.ask(desk, guess, from: "203.0.113.7", form)
            #expect(answer.status == 404, "\(answer.body)")
            #expect(answer.body.contains("Deze code kennen we niet. Kijk of u hem goed hebt overgenomen."))
        }
        let limited = try Self.ask(desk, code, from: "203.0.113.7", form)
        #expect(limited.status == 429)
        #expect(limited.body.contains("Te veel pogingen. Probeer het over een paar minuten opnieuw."))
        #expect(!limited.body.contains("Uw aanvraag</h1>"), "the right code opened the page while limited")
        #expect(limited.header("Cache-Control") == "no-store")

        // Another source, the same code: the page, typed the way a person might.
        let other = try Self.ask(
            desk, code.lowercased().replacingOccurrences(of: "-", with: " "), from: "198.51.100.9", form)
        #expect(other.status == 200, "\(other.body)")
        #expect(other.body.contains("<h1>Uw aanvraag</h1>") && other.body.contains("We zoeken iemand voor u."))
        #expect(other.header("Cache-Control") == "no-store")
        #expect(!other.body.contains(Referrals.citizenName) && !other.body.contains(Referrals.citizenPhone))

        let log = desk.log()
        let lines = log.components(separatedBy: "\n").filter { $0.contains("event=desk.citizen_code_limited") }
        #expect(lines.count == 1, "\(log)")
        #expect(lines.first?.contains("source=203.0.113.7") == true, "\(lines)")
        for typed in [code] + wrong {
            #expect(
                !log.contains(typed) && !log.contains(typed.replacingOccurrences(of: "-", with: "")),
                "the log holds a code")
        }
        let port = try #require(desk.metricsPort, "no metrics listener in \(log)")
        let metrics = try DeskProcess.exchange(
            port: port, Array("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
        #expect(metrics.body.contains("schakel_desk_citizen_code_failures_total 5"), "\(metrics.body)")
        #expect(metrics.body.contains("schakel_desk_citizen_code_limited_total 1"), "\(metrics.body)")
        #expect(desk.stop() == 0, "\(desk.log())")
    }

    @Test func aFormWithoutItsTokenIsRefusedAndADeskWithoutAPortalHasNoCitizenPage() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon)
        try desk.start()
        let forged = try desk.post(
            "/inwoner", form: ["csrf": String(repeating: "0", count: 64), "code": "2222-3333-4444-5555"])
        #expect(forged.status == 403)
        #expect(forged.body.contains("Het formulier is verlopen. Vul uw code opnieuw in."))
        #expect(forged.cookie("schakel_inwoner") != nil, "a fresh token with the form again")
        desk.stop()

        let without = try DeskProcess(daemon: daemon, settings: ["portal": .null])
        try without.start()
        let page = try without.get("/inwoner")
        #expect(page.status == 404)
        #expect(page.body.contains("Op deze balie kunt u uw aanvraag niet bekijken."))
        #expect(without.stop() == 0)
    }
}
