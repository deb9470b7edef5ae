import DeskHTTP
import Foundation
import SchakelClient
import SchakelProtocol

/// *Uw aanvraag*: the citizen's own page, reached with the code from the referrer and nothing else (no account, no
/// session), on the desk's portal line (CITIZEN_STATUS, CITIZEN_WITHDRAW, CITIZEN_ANSWER; Protocols/SRP1.md).
///
/// The code is never in a URL: the code form POSTs it, and every later form carries it in a hidden field, so it
/// stays out of proxy logs, the browser's history and `Referer`. The forms' CSRF token is a double-submit cookie
/// (`schakel_inwoner`), as the development login's. Wrong codes are limited per source here and per portal at the
/// broker.
extension DeskApp {
    static let citizenCookie = "schakel_inwoner"
    /// What the code may consist of once spaces and dashes are gone (SRP1.md: no 0, 1, I, O).
    static let codeAlphabet = Set("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    func citizen(_ request: HTTPRequest) -> HTTPResponse {
        guard let line = portalLine else {
            let words = DeskLanguage(code: request.queryValue("taal")).words
            return bare(words, title: words.notFound, status: 404, words.citizenPageOff)
        }
        switch (request.method, request.path) {
        case ("GET", "/inwoner"), ("HEAD", "/inwoner"):
            let explicit = request.queryValue("taal").flatMap { citizenWords[$0] }
            return citizenForm(request, words: explicit ?? citizenDefaultWords, explicit: explicit != nil)
        case ("POST", "/inwoner"), ("POST", "/inwoner/intrekken"), ("POST", "/inwoner/antwoord"):
            return citizenPost(request, line: line)
        case (_, "/inwoner"), (_, "/inwoner/intrekken"), (_, "/inwoner/antwoord"):
            return .text("Use GET or POST.\n", status: 405)
        default:
            let page = citizenPage(citizenDefaultWords, csrf: DeskSession.token())
            let body = "<p><a href=\"/inwoner\">\(HTML.escape(citizenDefaultWords[.formTitle]))</a></p>"
            return .html(page.document(title: citizenDefaultWords[.notFound], switcher: "", body: body), status: 404)
        }
    }

    private var citizenDefaultWords: CitizenWords { citizenWords["nl"] ?? citizenWords.values.first! }

    private func citizenPage(_ words: CitizenWords, csrf: String) -> CitizenPage {
        CitizenPage(
            words: words, languages: citizenWords.values.sorted { $0.sortKey < $1.sortKey }, csrf: csrf,
            domainLabel: CitizenPage.domainLabels(map, words))
    }

    /// The code form, with the cookie its token is checked against.
    private func citizenForm(
        _ request: HTTPRequest, words: CitizenWords, explicit: Bool, problem: String? = nil, status: Int = 200,
        code: String = ""
    ) -> HTTPResponse {
        let token =
            request.cookie(Self.citizenCookie).flatMap { DeskSession.isToken($0) ? $0 : nil }
            ?? DeskSession.token()
        let html = citizenPage(words, csrf: token).form(problem: problem, code: code, explicitLanguage: explicit)
        var response = HTTPResponse.html(html, status: status)
        response.headers.append(("Set-Cookie", cookie(Self.citizenCookie, token)))
        return response
    }

    private func citizenPost(_ request: HTTPRequest, line: ContactLine) -> HTTPResponse {
        let explicit = request.formValue("taal").flatMap { citizenWords[$0] }
        let words = explicit ?? citizenDefaultWords
        guard let token = request.cookie(Self.citizenCookie), DeskSession.isToken(token),
            request.formValue("csrf") == token
        else {
            return citizenForm(
                request, words: words, explicit: explicit != nil, problem: words[.formExpired], status: 403)
        }
        let source = Self.source(of: request)
        if case .refused(let first) = codeLimiter.check(source) {
            if first {
                DeskLog.line(
                    "warning", "desk.citizen_code_limited",
                    [
                        "source": source, "failures": "\(codeLimiter.limit)",
                        "window_s": "\(codeLimiter.window.components.seconds)",
                    ])
            }
            return citizenForm(
                request, words: words, explicit: explicit != nil, problem: words[.rateLimited], status: 429)
        }
        let typed = request.formValue("code") ?? ""
        guard let code = Self.normalisedCode(typed) else {
            codeLimiter.failed(source)
            return citizenForm(
                request, words: words, explicit: explicit != nil, problem: words[.notFound], status: 404, code: typed)
        }
        let page = { (words: CitizenWords) in self.citizenPage(words, csrf: token) }
        switch request.path {
        case "/inwoner/intrekken" where request.formValue("bevestig") != "ja":
            return .html(page(words).confirmWithdrawal(code: code))
        case "/inwoner/intrekken":
            let answer = line.perform(timeout: Self.brokerTimeout) { client in
                try client.request(
                    WireMessage(.citizenWithdraw, ["citizen_code": .string(code)]), answers: [.noted])
            }
            return citizenAnswered(answer, request, source: source, explicit: explicit) { rejection in
                guard rejection == nil else {
                    return citizenStatus(code, request, source: source, explicit: explicit, problem: .brokerDown)
                }
                DeskLog.line("info", "desk.citizen_withdrew", [:])
                return .html(page(words).withdrawn())
            }
        case "/inwoner/antwoord":
            guard let need = request.formValue("need").flatMap({ Int($0) }),
                let result = request.formValue("result").flatMap(OutcomeResult.init(rawValue:)),
                [.resolved, .partlyResolved, .notResolved].contains(result)
            else {
                return citizenStatus(code, request, source: source, explicit: explicit, problem: .chooseAnswer)
            }
            let answer = line.perform(timeout: Self.brokerTimeout) { client in
                try client.request(
                    WireMessage(
                        .citizenAnswer,
                        [
                            "citizen_code": .string(code), "need": .number(Double(need)),
                            "result": .string(result.rawValue),
                        ]),
                    answers: [.noted])
            }
            return citizenAnswered(answer, request, source: source, explicit: explicit) { rejection in
                citizenStatus(
                    code, request, source: source, explicit: explicit,
                    notice: rejection == nil ? .answerSaved : nil, problem: rejection == nil ? nil : .answerClosed)
            }
        default:
            return citizenStatus(code, request, source: source, explicit: explicit)
        }
    }

    /// CITIZEN_STATUS and the broker's now, then the status page in the language the citizen chose, else theirs
    /// from the referral, else Dutch.
    private func citizenStatus(
        _ code: String, _ request: HTTPRequest, source: String, explicit: CitizenWords?,
        notice: CitizenWords.Key? = nil, problem: CitizenWords.Key? = nil
    ) -> HTTPResponse {
        guard let line = portalLine else { return .text("", status: 404) }
        let answer = line.perform(timeout: Self.brokerTimeout) { client in
            let status = try client.request(
                WireMessage(.citizenStatus, ["citizen_code": .string(code)]), answers: [.citizen])
            let pong = try? client.request(WireMessage(.ping), answers: [.pong])
            return (status, pong?.body["now"]?.stringValue.flatMap(RFC3339.parse))
        }
        let token = request.cookie(Self.citizenCookie) ?? ""
        return citizenAnswered(answer.map { $0.map(\.0) }, request, source: source, explicit: explicit) { _ in
            guard case .success(let (message, brokerNow))? = answer, let view = try? message.decode(CitizenView.self)
            else {
                let words = explicit ?? citizenDefaultWords
                return citizenForm(
                    request, words: words, explicit: explicit != nil, problem: words[.brokerDown], status: 503)
            }
            let words = explicit ?? view.language.flatMap { citizenWords[$0] } ?? citizenDefaultWords
            let html = citizenPage(words, csrf: token).status(
                view, code: code, now: brokerNow ?? Date(), notice: notice.map { words[$0] },
                problem: problem.map { words[$0] })
            return .html(html)
        }
    }

    /// The broker's answer to a citizen command: `not_found` counts against the source and says so, `rate_limited`
    /// says to wait, no answer says Schakel cannot be reached; anything else goes to `success` (a `conflict` with
    /// its rejection).
    private func citizenAnswered(
        _ answer: Result<WireMessage, any Error>?, _ request: HTTPRequest, source: String, explicit: CitizenWords?,
        success: (Rejection?) -> HTTPResponse
    ) -> HTTPResponse {
        let words = explicit ?? citizenDefaultWords
        guard case .success(let message)? = answer else {
            return citizenForm(
                request, words: words, explicit: explicit != nil, problem: words[.brokerDown], status: 503)
        }
        guard message.command == Command.rejected.rawValue else { return success(nil) }
        let rejection = try? JSONValueDecoder.decode(Rejection.self, from: message.body)
        switch rejection?.code {
        case .notFound? where rejection?.field != "need":
            codeLimiter.failed(source)
            return citizenForm(request, words: words, explicit: explicit != nil, problem: words[.notFound], status: 404)
        case .rateLimited?:
            DeskLog.line("warning", "desk.citizen_broker_limited", ["source": source])
            return citizenForm(
                request, words: words, explicit: explicit != nil, problem: words[.rateLimited], status: 429)
        case .conflict?:
            return success(rejection)
        default:
            DeskLog.line("warning", "desk.citizen_refused", ["code": rejection?.code.rawValue ?? message.command])
            return citizenForm(
                request, words: words, explicit: explicit != nil, problem: words[.brokerDown], status: 503)
        }
    }

    /// The client's address as the proxy passes it (`X-Real-IP`, else the last hop of `X-Forwarded-For`, the one
    /// the proxy itself added), else `direct`: the desk's HTTP server does not expose the peer, and without a
    /// proxy every client of a loopback-only desk is this machine anyway.
    static func source(of request: HTTPRequest) -> String {
        let candidates = [
            request.header("X-Real-IP"),
            request.header("X-Forwarded-For")?.split(separator: ",").last.map(String.init),
        ]
        for candidate in candidates {
            guard let text = candidate?.trimmingCharacters(in: .whitespaces), !text.isEmpty, text.utf8.count <= 64,
                text.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" })
            else { continue }
            return text.lowercased()
        }
        return "direct"
    }

    /// The code as the broker's groups of four (`K7QM-2XHD-9RTB-4WPA`), however it was typed; nil when it cannot be
    /// a code at all, which the broker would answer `not_found` anyway.
    static func normalisedCode(_ typed: String) -> String? {
        let plain = typed.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        guard plain.count == 16, plain.allSatisfy(codeAlphabet.contains) else { return nil }
        let chars = Array(plain)
        return stride(from: 0, to: 16, by: 4).map { String(chars[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// `GET /metrics` of the `metrics` listener: the citizen codes refused, for an alert on guessing.
    public func metricsResponse() -> HTTPResponse {
        let counts = codeLimiter.counts
        let text = """
            # HELP schakel_desk_citizen_code_failures_total Wrong citizen codes typed at the desk.
            # TYPE schakel_desk_citizen_code_failures_total counter
            schakel_desk_citizen_code_failures_total \(counts.failed)
            # HELP schakel_desk_citizen_code_limited_total Citizen code attempts refused because their source tried too many wrong ones.
            # TYPE schakel_desk_citizen_code_limited_total counter
            schakel_desk_citizen_code_limited_total \(counts.refused)

            """
        return HTTPResponse(
            status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
            body: Array(text.utf8))
    }
}
