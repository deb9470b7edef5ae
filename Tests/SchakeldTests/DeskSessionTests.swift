import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

/// The desk's session rules and headers against the real desk and daemon, over plain HTTP: what a browser would
/// be refused or told to do, and what a proxy must provide.
@Suite struct DeskSessionTests {
    /// A desk in development mode logged in as `contact`; the session cookie and the form token.
    static func loggedIn(_ desk: DeskProcess, as contact: String) throws -> (cookie: String, csrf: String) {
        let page = try desk.get("/login")
        let loginCookie = try #require(page.cookie("schakel_login"))
        let token = String(loginCookie.dropFirst("schakel_login=".count))
        let answer = try desk.post(
            "/login", form: ["csrf": token, "contact": contact], headers: ["Cookie": loginCookie])
        #expect(answer.status == 303)
        let cookie = try #require(answer.cookie("schakel_session"))
        let offers = try desk.get("/aanbod", headers: ["Cookie": cookie])
        let csrf = try #require(Self.csrf(in: offers.body))
        return (cookie, csrf)
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aFormPostedWithoutItsTokenIsRefusedAndChangesNothing() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon)
        try desk.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let accepted = try gp.submit(try Referrals.make(needs: ["debt"]))
        let anna = try Self.loggedIn(desk, as: "contact:schuldhulp-anna")
        var offers = try desk.get("/aanbod", headers: ["Cookie": anna.cookie])
        for _ in 0..<100 where !offers.body.contains("/aannemen") {
            usleep(50_000)
            offers = try desk.get("/aanbod", headers: ["Cookie": anna.cookie])
        }
        let action = try #require(offers.body.range(of: "/aanbod/ho-").map { offers.body[$0.lowerBound...] })
        let path = String(action.prefix { $0 != "\"" })

        let forged = try desk.post(path, form: [:], headers: ["Cookie": anna.cookie])
        #expect(forged.status == 403)
        let wrong = try desk.post(path, form: ["csrf": "0000"], headers: ["Cookie": anna.cookie])
        #expect(wrong.status == 403)
        let status = try gp.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        #expect(status.body["handovers"]?[0]?["state"] == "offered", "a refused form took the offer")

        let taken = try desk.post(path, form: ["csrf": anna.csrf], headers: ["Cookie": anna.cookie])
        #expect(taken.status == 303)
        #expect(taken.header("Location")?.hasSuffix("?melding=aangenomen") == true)
        let after = try gp.request(.status, ["referral_id": accepted.body["referral_id"]!], expect: .referral)
        #expect(after.body["handovers"]?[0]?["state"] == "accepted")
    }

    /// schakelctl as Anna moves her session away from the desk, and the broker tells the desk nothing: the desk
    /// must notice by itself and take the session back, or Anna would miss every later offer at the desk.
    @Test func theDeskTakesTheSessionBackAfterAnotherClientOfTheContact() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon)
        try desk.start()
        let anna = try Self.loggedIn(desk, as: "contact:schuldhulp-anna")
        var other: Peer? = try daemon.connect(as: "contact:schuldhulp-anna")
        #expect(other != nil)
        other = nil  // gone, holding the session the desk had
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        var offers = try desk.get("/aanbod", headers: ["Cookie": anna.cookie])
        let deadline = Date().addingTimeInterval(30)
        while !offers.body.contains("Schulden"), Date() < deadline {
            usleep(200_000)
            offers = try desk.get("/aanbod", headers: ["Cookie": anna.cookie])
        }
        #expect(offers.body.contains("Schulden"), "the offer never reached the desk after another client's HELLO")
    }

    /// systemd waits for the desk on stop; with the daemon gone every line is reconnecting, and the desk must
    /// still stop at once and cleanly.
    @Test func theDeskStopsAtOnceWhenItsDaemonIsGone() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon)
        try desk.start()
        daemon.kill9()
        usleep(300_000)
        let started = Date()
        #expect(desk.stop() == 0, "\(desk.log())")
        #expect(Date().timeIntervalSince(started) < 6, "the desk took \(Date().timeIntervalSince(started)) s to stop")
        #expect(desk.log().contains("event=desk.stopped"))
    }

    @Test func pagesArePrivateAndTheCookieIsLockedDown() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon)
        try desk.start()
        let login = try desk.get("/login")
        let anna = try Self.loggedIn(desk, as: "contact:schuldhulp-anna")
        for path in ["/aanbod", "/zaken", "/coordinatie"] {
            let page = try desk.get(path, headers: ["Cookie": anna.cookie])
            #expect(page.status == 200, "\(path)")
            #expect(page.header("Cache-Control") == "no-store", "\(path)")
            let policy = try #require(page.header("Content-Security-Policy"))
            #expect(policy.contains("default-src 'none'") && !policy.contains("unsafe-inline"), "\(path)")
            #expect(page.header("X-Frame-Options") == "DENY")
            #expect(!page.body.contains("<script"), "\(path) carries a script")
        }
        let cookie = try #require(login.cookies.first { $0.hasPrefix("schakel_login=") })
        for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            #expect(cookie.contains(attribute), "\(cookie) lacks \(attribute)")
        }
        #expect(try desk.get("/aanbod").status == 303, "no session: to the login")
        #expect(
            try desk.get("/aanbod", headers: ["Cookie": "schakel_session=forged"]).header("Location")
                == "/login?verlopen=1")
        // Logging out ends the session at the desk, not only in the browser.
        _ = try desk.post("/uitloggen", form: ["csrf": anna.csrf], headers: ["Cookie": anna.cookie])
        #expect(try desk.get("/aanbod", headers: ["Cookie": anna.cookie]).status == 303)
    }

    /// The signals report for a coordinator, restricted to their organisation by the broker (SRP/1 SIGNALS), as
    /// the same standalone page `schakelctl signals --html` writes; nobody else gets it.
    @Test func aCoordinatorReadsTheirOrganisationsSignalsAtTheDesk() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon)
        try desk.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        let anna = try Self.loggedIn(desk, as: "contact:schuldhulp-anna")
        let report = try desk.get("/signalen", headers: ["Cookie": anna.cookie])
        #expect(report.status == 200, "\(report.body)")
        #expect(report.body.contains("<svg"), "the report's charts")
        #expect(!report.body.contains("<script"))
        let policy = try #require(report.header("Content-Security-Policy"))
        #expect(policy.hasPrefix("default-src 'none'") && !policy.contains("script"), "\(policy)")
        #expect(report.header("Cache-Control") == "no-store")
        #expect(!report.body.contains(Referrals.citizenName))
        let joost = try Self.loggedIn(desk, as: "contact:schuldhulp-joost")
        #expect(try desk.get("/signalen", headers: ["Cookie": joost.cookie]).status == 403)
    }

    @Test func anIdleSessionEnds() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon, settings: ["session_idle": "PT1S"])
        try desk.start()
        let anna = try Self.loggedIn(desk, as: "contact:schuldhulp-anna")
        let deadline = Date().addingTimeInterval(10)
        var answer = try desk.get("/zaken", headers: ["Cookie": anna.cookie])
        #expect(answer.status == 200)
        while answer.status == 200, Date() < deadline {
            usleep(300_000)
            answer = try desk.get("/zaken", headers: ["Cookie": anna.cookie])
            if answer.status == 200 { usleep(1_200_000) }  // touched again: wait out the idle time once
        }
        #expect(answer.status == 303)
        #expect(answer.header("Location") == "/login?verlopen=1")
    }

    @Test func behindAProxyTheLoginComesFromItsHeaderOnly() throws {
        let daemon = try Daemon()
        try daemon.start()
        let desk = try DeskProcess(daemon: daemon, settings: ["login": "proxy", "user_header": "X-Remote-User"])
        try desk.start()
        let none = try desk.get("/aanbod")
        #expect(none.status == 401)
        #expect(none.body.contains("niet ingelogd"))
        #expect(try desk.get("/login").status == 401, "no development login behind a proxy")
        #expect(try desk.get("/aanbod", headers: ["X-Remote-User": "someone.else"]).status == 403)

        let first = try desk.get("/aanbod", headers: ["X-Remote-User": "anna.visser"])
        #expect(first.status == 200)
        #expect(first.body.contains("Anna Visser"))
        let cookie = try #require(first.cookie("schakel_session"))
        // Another user behind the same browser gets a session of their own, never Anna's.
        let bram = try desk.get("/aanbod", headers: ["X-Remote-User": "bram.jansen", "Cookie": cookie])
        #expect(bram.body.contains("Bram Jansen") && !bram.body.contains("Anna Visser"))
        #expect(bram.cookie("schakel_session") != nil && bram.cookie("schakel_session") != cookie)
    }

    @Test func aDeskKeyActsForTheContactsOfItsOrganisationsOverCurve() throws {
        let daemon = try Daemon(curve: true)
        let deskKeys = try CurveKeyPair.generate()
        guard case .object(var map) = try SocialMaps.demo() else { throw TestError("demo map") }
        map["desks"] = [
            [
                "id": "desk:lekstroom", "organizations": ["org:schuldhulp-utrecht"],
                "public_keys": [.string(deskKeys.publicKey)], "portal": "portal:lekstroom",
            ]
        ]
        let mapFile = try daemon.useSocialMap(.object(map))
        try daemon.start()
        let keyFile = daemon.directory.appendingPathComponent("desk.key")
        try Data("\(deskKeys.secretKey)\n".utf8).write(to: keyFile)
        let desk = try DeskProcess(
            daemon: daemon,
            settings: [
                "insecure_dev": false, "login": "proxy", "desk": "desk:lekstroom", "social_map": .string(mapFile.path),
                "curve": [
                    "secret_key_file": .string(keyFile.path), "server_key": .string(daemon.serverKeys!.publicKey),
                ],
            ])
        try desk.start()
        // Only Anna's organisation is served: Bram is not a person of this desk, at the desk nor at the broker.
        #expect(try desk.get("/aanbod", headers: ["X-Remote-User": "bram.jansen"]).status == 403)
        let asDesk = try daemon.peer(keys: deskKeys)
        let bram = try asDesk.request(.hello, ["as": "contact:wonen-bram"], expect: .welcome)
        #expect(bram.command == "REJECTED" && bram.body["code"] == "forbidden" && bram.body["field"] == "as")
        let itself = try asDesk.request(.hello, ["as": "desk:lekstroom"], expect: .welcome)
        #expect(itself.command == "REJECTED", "a desk is not a principal: \(itself.body)")
        #expect(try asDesk.request(.hello, ["as": "contact:schuldhulp-joost"], expect: .welcome).command == "WELCOME")

        let gpKeys = try CurveKeyPair.generate()
        try daemon.useSocialMap(
            .object(
                map.merging(
                    ["organizations": try Self.withKey(map["organizations"], "org:huisarts-de-brug", gpKeys)],
                    uniquingKeysWith: { $1 })))
        _ = try daemon.admin("socialmap.reload")
        let gp = try daemon.connect(as: "org:huisarts-de-brug", keys: gpKeys)
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        var page = try desk.get("/aanbod", headers: ["X-Remote-User": "anna.visser"])
        let cookie = try #require(page.cookie("schakel_session"))
        for _ in 0..<100 where !page.body.contains("Schulden") {
            usleep(50_000)
            page = try desk.get("/aanbod", headers: ["X-Remote-User": "anna.visser", "Cookie": cookie])
        }
        #expect(
            page.body.contains("Schulden"), "the offer reached Anna through the desk's CURVE session\n\(desk.log())")
        #expect(!desk.log().contains("desk.session_refused"))

        // The same key holds the portal its desks entry names: the citizen's page asks the broker over CURVE.
        let form = try DeskCitizenTests.form(desk)
        let wrong = try DeskCitizenTests.ask(desk, "2222-3333-4444-5555", from: "203.0.113.7", form)
        #expect(wrong.status == 404 && wrong.body.contains("Deze code kennen we niet."), "\(wrong.body)\n\(desk.log())")
    }

    static func withKey(_ organisations: JSONValue?, _ id: String, _ keys: CurveKeyPair) throws -> JSONValue {
        .array(
            (organisations?.arrayValue ?? []).map { entry in
                guard case .object(var fields) = entry, fields["id"]?.stringValue == id else { return entry }
                fields["public_keys"] = [.string(keys.publicKey)]
                return .object(fields)
            })
    }
}
