import Deadlines
import DeskHTTP
import Foundation
import SchakelClient
import SchakelProtocol
import SocialMap

/// The desk: turns a browser's requests into SRP/1 requests on the contact's own line, and the answers into
/// pages. It holds no state of its own beyond sessions (memory) and the unseen part of the outbox (``DeskInbox``).
///
/// `handle(_:)` runs on the HTTP server's threads; everything it touches is `Sendable` and locked where mutable.
public final class DeskApp: Sendable {
    let config: DeskConfig
    let map: SocialMap
    let calendar: BusinessCalendar
    let sessions: DeskSessions
    let inbox = DeskInbox()
    let lines: [String: ContactLine]
    /// The map's logins (behind the proxy every request names its user).
    let logins: [String: ContactPerson]
    /// The desk's portal session for the citizen's page; nil when the config names no portal.
    let portalLine: ContactLine?
    /// The citizen page's words by language code (`nl` always among them when there is a portal).
    let citizenWords: [String: CitizenWords]
    let codeLimiter: CitizenCodeLimiter
    /// Called for every outbox message that is new to the desk (the e-mail notices).
    let onNewMessage: @Sendable (ContactPerson, Incoming) -> Void
    /// How long a page waits for the broker before it says Schakel cannot be reached.
    static let brokerTimeout: Duration = .seconds(8)

    /// Loads the map and the policy, and opens a line for every contact the desk serves.
    public init(
        config: DeskConfig, map: SocialMap,
        onNewMessage: @escaping @Sendable (ContactPerson, Incoming) -> Void = { _, _ in }
    ) throws(DeskConfigError) {
        self.config = config
        self.map = map
        if let path = config.policyPath {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DeskConfigError("policy: cannot read \(path)")
            }
            do {
                calendar = try Policy(data: data).calendar
            } catch {
                throw DeskConfigError("policy: \(error)")
            }
        } else {
            calendar = .standard
        }
        var served = map.document.contacts
        if let deskID = config.deskID {
            guard let desk = map.document.desks?.first(where: { $0.id == deskID }) else {
                throw DeskConfigError("desk: \(deskID) is not among the desks of the social map")
            }
            served = served.filter { desk.organizations.contains($0.organization) }
        }
        sessions = DeskSessions(idleTimeout: config.sessionIdle)
        logins = map.logins
        self.onNewMessage = onNewMessage
        var lines: [String: ContactLine] = [:]
        let inbox = self.inbox
        let contacts = map.contacts
        for contact in served {
            let configuration = SchakelClient.Configuration(
                endpoints: config.brokerEndpoints, principal: contact.id, clientName: "schakel-desk/0.1.0",
                curve: config.curve, requestTimeout: .seconds(3), maxAttempts: 2)
            lines[contact.id] = ContactLine(contactID: contact.id, configuration: configuration) { id, incoming in
                if inbox.receive(incoming, for: id), let person = contacts[id] { onNewMessage(person, incoming) }
            }
        }
        self.lines = lines
        codeLimiter = CitizenCodeLimiter(limit: config.citizenCodeLimit, window: config.citizenCodeWindow)
        if let portal = config.portal {
            // Said at start, not as a refused HELLO in the log while every citizen reads "not reachable".
            guard map.document.portals?.contains(where: { $0.id == portal }) == true else {
                throw DeskConfigError("portal: \(portal) is not among the portals of the social map")
            }
            if let deskID = config.deskID, config.curve != nil,
                map.document.desks?.first(where: { $0.id == deskID })?.portal != portal
            {
                throw DeskConfigError(
                    "portal: the map's desks entry \(deskID) must name \(portal) as its portal for the desk's key to hold it"
                )
            }
            citizenWords = try CitizenWords.load(directory: config.citizenWordsPath)
            let configuration = SchakelClient.Configuration(
                endpoints: config.brokerEndpoints, principal: portal, clientName: "schakel-desk/0.1.0",
                curve: config.curve, requestTimeout: .seconds(3), maxAttempts: 2)
            portalLine = ContactLine(
                contactID: portal, configuration: configuration, checksSession: false, onIncoming: { _, _ in })
        } else {
            citizenWords = [:]
            portalLine = nil
        }
    }

    /// The social map of the config, checked as the daemon checks it.
    public static func loadMap(_ config: DeskConfig) throws(DeskConfigError) -> SocialMap {
        do {
            return try SocialMap(contentsOf: URL(fileURLWithPath: config.socialMapPath))
        } catch {
            throw DeskConfigError("social_map: \(error)")
        }
    }

    /// Starts every line; offers start arriving at once.
    public func start() {
        for line in lines.values { line.start() }
        portalLine?.start()
    }

    /// Closes every line: all asked at once, then waited for together, at most `timeout`, so that a desk whose
    /// broker is gone (every line reconnecting) still stops at once on SIGTERM.
    public func stop(timeout: Duration = .seconds(3)) {
        let all = Array(lines.values) + (portalLine.map { [$0] } ?? [])
        for line in all { line.requestStop() }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, all.contains(where: { !$0.isFinished }) { usleep(10_000) }
    }

    /// How many contacts the desk serves.
    public var servedCount: Int { lines.count }

    // MARK: - Requests

    /// Answers one request; never throws, never blocks longer than ``brokerTimeout`` per broker request.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        var response = route(request)
        // A page that brings its own policy (the signals report) keeps it; every other gets the desk's.
        let own = response.header("Content-Security-Policy") != nil
        response.headers += Self.securityHeaders.filter { !own || $0.name != "Content-Security-Policy" }
        if response.header("Cache-Control") == nil { response.headers.append(("Cache-Control", "no-store")) }
        return response
    }

    /// On every answer: no script at all, no framing, no referrer leaking an id, no sniffing.
    static let securityHeaders: [(name: String, value: String)] = [
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        if path == "/style.css" { return DeskStyle.response }
        if path == "/healthz" { return .text("ok\n", status: 200) }
        // Browsers ask for it on their own; sent to the login it would start a second login form.
        if path == "/favicon.ico" { return .text("", status: 404) }
        if config.login == .dev, path == "/login" { return login(request) }
        // The citizen's page: no login, no session; the code is the only key (DeskApp+Citizen.swift).
        if path == "/inwoner" || path.hasPrefix("/inwoner/") { return citizen(request) }
        let context: DeskContext
        switch authenticate(request) {
        case .success(let found): context = found
        case .failure(let refusal): return refusal.response
        }
        if request.method == "POST" {
            guard let token = request.formValue("csrf"), token == context.session.csrfToken else {
                return page(
                    context, title: context.words.appName, status: 403,
                    body: "<p class=\"error\">\(HTML.escape(context.words.formExpired))</p>")
            }
        }
        var response = dispatch(request, context)
        response.headers += context.cookies.map { ("Set-Cookie", $0) }
        return response
    }

    private func dispatch(_ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        switch (request.method, parts.count, parts.first) {
        case ("GET", 0, _), ("HEAD", 0, _): return .redirect(to: "/aanbod")
        case ("GET", 1, "aanbod"), ("HEAD", 1, "aanbod"): return offers(request, context)
        case ("GET", 3, "aanbod") where parts[2] == "afwijzen": return declineForm(parts[1], context)
        case ("POST", 3, "aanbod") where parts[2] == "aannemen": return take(parts[1], context)
        case ("POST", 3, "aanbod") where parts[2] == "afwijzen": return decline(parts[1], request, context)
        case ("GET", 1, "zaken"), ("HEAD", 1, "zaken"): return cases(request, context)
        case ("GET", 2, "zaken"), ("HEAD", 2, "zaken"): return casePage(parts[1], request, context)
        case ("POST", 3, "zaken") where parts[2] == "contact": return contacted(parts[1], request, context)
        case ("POST", 3, "zaken") where parts[2] == "nazorg": return outcome(parts[1], request, context)
        case ("GET", 1, "coordinatie"), ("HEAD", 1, "coordinatie"): return coordination(request, context)
        case ("GET", 1, "signalen"), ("HEAD", 1, "signalen"): return signals(request, context)
        case ("POST", 3, "coordinatie") where parts[2] == "toewijzen": return assign(parts[1], request, context)
        case ("POST", 1, "taal"): return switchLanguage(request, context)
        case ("POST", 1, "uitloggen"):
            sessions.close(request.cookie(Self.sessionCookie))
            var response = HTTPResponse.redirect(to: config.login == .dev ? "/login" : "/aanbod")
            response.headers.append(("Set-Cookie", expiredCookie(Self.sessionCookie)))
            return response
        case (_, _, "aanbod"), (_, _, "zaken"), (_, _, "coordinatie"), (_, _, "taal"), (_, _, "uitloggen"):
            if ["GET", "HEAD", "POST"].contains(request.method), parts.count <= 3 {
                return page(context, title: context.words.notFound, status: 404, body: "")
            }
            return .text("Use GET or POST.\n", status: 405)
        default:
            return page(context, title: context.words.notFound, status: 404, body: "")
        }
    }

    private func switchLanguage(_ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        let language = DeskLanguage(code: request.formValue("lang"))
        if let token = request.cookie(Self.sessionCookie) { sessions.setLanguage(language, for: token) }
        var response = HTTPResponse.redirect(to: Self.localPath(request.formValue("terug")))
        response.headers.append(("Set-Cookie", cookie(Self.languageCookie, language.rawValue)))
        return response
    }

    /// `path` when it is a path of this desk, else the offers page: a form field must not redirect elsewhere.
    static func localPath(_ path: String?) -> String {
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"), !path.contains("\\"),
            path.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { return "/aanbod" }
        return path
    }

    // MARK: - The broker

    /// Runs a request on the contact's line; nil when the broker did not answer within ``brokerTimeout``.
    func onLine<T: Sendable>(
        _ context: DeskContext, _ work: @escaping @Sendable (SchakelClient) throws -> T
    ) -> Result<T, any Error>? {
        guard let line = lines[context.contact.id] else { return nil }
        return line.perform(timeout: Self.brokerTimeout, work)
    }

    /// The broker's now: its clock when it runs on the manual clock (PONG carries it), else this machine's.
    func brokerNow(_ context: DeskContext) -> Date {
        let pong = onLine(context) { client in
            try client.request(WireMessage(.ping), answers: [.pong])
        }
        if case .success(let message)? = pong, let text = message.body["now"]?.stringValue,
            let now = RFC3339.parse(text)
        {
            return now
        }
        return Date()
    }

    /// The outbox messages waiting to be shown, as words, and confirmed at the broker now that they are shown.
    func shownMessages(_ context: DeskContext, now: Date) -> String {
        let messages = inbox.takeMessages(for: context.contact.id)
        guard !messages.isEmpty else { return "" }
        let words = context.words
        let text = DeadlineText(calendar: calendar, words: words)
        var items: [String] = []
        for message in messages {
            switch message.kind {
            case .reminder(let reminder):
                let due = RFC3339.parse(reminder.due).map { text.due($0, now: now) } ?? reminder.due
                items.append(words.reminderText(reminder.about.rawValue, domainLabel(reminder.need.domain, words), due))
            case .cancelled(let cancelled):
                let domain = inbox.domain(of: cancelled.handoverID).map { domainLabel($0, words) } ?? "…"
                items.append(words.cancelledText(cancelled.reason.rawValue, domain))
            case .escalation(let escalation):
                items.append(
                    words.escalationText(escalation.reason.rawValue, domainLabel(escalation.need.domain, words)))
            case .nazorg(let nazorg):
                let due = RFC3339.parse(nazorg.answerBy).map { text.due($0, now: now) } ?? nazorg.answerBy
                items.append(words.nazorgText(domainLabel(nazorg.need.domain, words), due))
            default:
                continue
            }
        }
        lines[context.contact.id]?.confirm(messages.map(\.messageID))
        guard !items.isEmpty else { return "" }
        return "<section class=\"messages\" aria-labelledby=\"berichten\"><h2 id=\"berichten\">"
            + HTML.escape(words.messagesTitle) + "</h2><ul>"
            + items.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul></section>"
    }

    /// The domain in the page's language, from the map's vocabulary.
    func domainLabel(_ domain: String, _ words: Words) -> String {
        guard let entry = map.document.domains.first(where: { $0.id == domain }) else { return domain }
        return words.code == .nl ? entry.labelNL : entry.labelEN
    }

    /// A municipality's name from its CBS code.
    func municipalityName(_ code: String) -> String {
        map.document.municipalities.first { $0.code == code }?.name ?? code
    }

    /// Whether the contact coordinates their organisation (the coordination page is theirs).
    func isCoordinator(_ contact: ContactPerson) -> Bool {
        map.organizations[contact.organization]?.coordinator == contact.id
    }
}
