import Foundation
import SchakelProtocol
import SocialMap

/// The citizen's pages as HTML: pure functions of the broker's answer, the words and the broker's now, so that
/// what a citizen reads can be tested without a socket.
///
/// The page shows the process, never the person: it shows only fields of ``CitizenView`` (SchakelProtocol), none
/// of which names the citizen, and decoding it drops anything else a body might carry. The code the
/// citizen typed travels only in hidden fields of POST forms, never in a URL (where proxies, history and the
/// `Referer` would keep it).
struct CitizenPage {
    var words: CitizenWords
    /// Every language the desk has words for, for the switch.
    var languages: [CitizenWords]
    /// The double-submit token every form carries (the cookie holds the same).
    var csrf: String
    /// The map's label of a domain in this page's language.
    var domainLabel: @Sendable (String) -> String

    private var deadline: DeadlineText { DeadlineText(words: words.deadlineWords) }

    // MARK: - The pages

    /// `GET /inwoner`: the code, and nothing else.
    func form(problem: String? = nil, code: String = "", explicitLanguage: Bool = false) -> String {
        var body = problem.map { "<p class=\"error\" role=\"alert\">\(HTML.escape($0))</p>" } ?? ""
        body += "<p>\(HTML.escape(words[.formIntro]))</p>"
        body +=
            "<form class=\"card\" method=\"post\" action=\"/inwoner\">\(hidden(code: nil, explicit: explicitLanguage))"
        body += "<label for=\"code\">\(HTML.escape(words[.codeLabel]))</label>"
        body += "<p class=\"hint\" id=\"code-hint\">\(HTML.escape(words[.codeHint]))</p>"
        body +=
            "<input type=\"text\" id=\"code\" name=\"code\" value=\"\(HTML.escape(code))\" required minlength=\"16\" "
        body += "maxlength=\"40\" autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" "
        body += "inputmode=\"text\" aria-describedby=\"code-hint\"\(problem == nil ? "" : " aria-invalid=\"true\"")>"
        body += "<div class=\"actions\"><button type=\"submit\">\(HTML.escape(words[.show]))</button></div></form>"
        body += "<p class=\"hint\">\(HTML.escape(words[.privacyNote]))</p>"
        return document(title: words[.formTitle], switcher: linkSwitch(), body: body)
    }

    /// The status page: per need what was asked and who helps, what happens next, the consent with the withdraw
    /// button, who received the data, and the nazorg question while it is asked.
    func status(_ view: CitizenView, code: String, now: Date, notice: String? = nil, problem: String? = nil)
        -> String
    {
        var body = ""
        if let notice { body += "<p class=\"notice\" role=\"status\">\(HTML.escape(notice))</p>" }
        if let problem { body += "<p class=\"error\" role=\"alert\">\(HTML.escape(problem))</p>" }
        if let submitted = RFC3339.parse(view.submittedAt) {
            body += "<p>"
            body += HTML.escape(
                words.fill(
                    .referredBy, ["organisation": view.referrer.organisationName, "day": deadline.day(submitted)]))
            body += "</p>"
        }
        body += "<section aria-labelledby=\"hulp\"><h2 id=\"hulp\">\(HTML.escape(words[.needsTitle]))</h2>"
        for need in view.needs { body += card(need, code: code, now: now) }
        body += "</section>"
        body += "<section class=\"card\" aria-labelledby=\"nu\"><h2 id=\"nu\">\(HTML.escape(words[.nextTitle]))</h2>"
        body += "<ul>" + whatNext(view, now: now).map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul></section>"
        body += consent(view, code: code)
        body += disclosures(view)
        body += "<div class=\"actions\"><form method=\"post\" action=\"/inwoner\">\(hidden(code: code))"
        body += "<button type=\"submit\" class=\"secondary\">\(HTML.escape(words[.lookAgain]))</button></form>"
        body += "<a href=\"/inwoner?taal=\(words.code)\">\(HTML.escape(words[.otherCode]))</a></div>"
        return document(title: words[.statusTitle], switcher: formSwitch(code: code), body: body)
    }

    /// `POST /inwoner/intrekken` without `bevestig=ja`: what withdrawing means, in words, before it happens.
    func confirmWithdrawal(code: String) -> String {
        var body = "<p>\(HTML.escape(words[.withdrawIntro]))</p><ul>"
        for key: CitizenWords.Key in [.withdrawStops, .withdrawDeletes, .withdrawTells, .withdrawFinal] {
            body += "<li>\(HTML.escape(words[key]))</li>"
        }
        body += "</ul><div class=\"actions\">"
        body += "<form method=\"post\" action=\"/inwoner/intrekken\">\(hidden(code: code))"
        body += "<input type=\"hidden\" name=\"bevestig\" value=\"ja\">"
        body += "<button type=\"submit\" class=\"danger\">\(HTML.escape(words[.withdrawConfirm]))</button></form>"
        body += "<form method=\"post\" action=\"/inwoner\">\(hidden(code: code))"
        body += "<button type=\"submit\" class=\"secondary\">\(HTML.escape(words[.withdrawBack]))</button></form>"
        body += "</div>"
        return document(title: words[.withdrawTitle], switcher: "", body: body)
    }

    /// After CITIZEN_WITHDRAW: done, and what that means.
    func withdrawn() -> String {
        let body = "<p class=\"notice\" role=\"status\">\(HTML.escape(words[.withdrawnText]))</p>"
        return document(title: words[.withdrawnTitle], switcher: "", body: body)
    }

    // MARK: - Parts

    private func card(_ need: CitizenView.Need, code: String, now: Date) -> String {
        let domain = domainLabel(need.domain)
        var out = "<article class=\"card\" aria-labelledby=\"need-\(need.index)\">"
        out += "<h3 id=\"need-\(need.index)\">\(HTML.escape(domain))</h3>"
        out += "<dl>" + HTML.row(words[.asked], need.summary) + "</dl>"
        switch need.status {
        case .searching: out += paragraph(words[.searching], class: "due")
        case .taken: out += paragraph(words[.taken], class: "due")
        case .contacted:
            out += paragraph(
                Self.date(need.contactedAt).map { words.fill(.contacted, ["day": deadline.day($0)]) } ?? words[.taken],
                class: "due")
        case .completed: out += paragraph(words[.completed], class: "due")
        case .cancelled: out += paragraph(words[.cancelled], class: "due")
        }
        if let contact = need.contact, need.status != .cancelled {
            out += "<h4>\(HTML.escape(words[.whoHelps]))</h4><dl>"
            out += HTML.row(words[.name], [contact.name, contact.role].compactMap { $0 }.joined(separator: ", "))
            out += HTML.row(words[.organisation], contact.organisationName)
            out += "<dt>\(HTML.escape(words[.phone]))</dt><dd><a href=\"tel:\(Self.dialable(contact.phone))\" "
            out += "aria-label=\"\(HTML.escape(words.fill(.call, ["name": contact.name])))\">"
            out += "\(HTML.escape(contact.phone))</a></dd></dl>"
            // Late first contact is worth a call from the citizen, but not beside nazorg's question weeks later.
            if need.status == .taken, need.question == nil, let by = Self.date(need.contactBy) {
                let late = by <= now
                out += paragraph(
                    words.fill(late ? .contactLate : .contactBy, ["moment": deadline.moment(by)]),
                    class: late ? "due late" : "due")
            }
        }
        if let answer = need.citizenAnswer {
            out += paragraph(words.fill(.answerGiven, ["answer": answerLabel(answer)]), class: nil)
        } else if let answerBy = Self.date(need.question?.answerBy), answerBy > now {
            out += question(need, domain: domain, answerBy: answerBy, code: code)
        }
        return out + "</article>"
    }

    private func question(_ need: CitizenView.Need, domain: String, answerBy: Date, code: String) -> String {
        var out = "<form method=\"post\" action=\"/inwoner/antwoord\">\(hidden(code: code))"
        out += "<input type=\"hidden\" name=\"need\" value=\"\(need.index)\">"
        out += "<fieldset><legend>\(HTML.escape(words[.questionTitle]))"
        out += "<span class=\"hint\"> (\(HTML.escape(domain)))</span></legend>"
        out += "<p class=\"hint\">\(HTML.escape(words[.questionIntro]))</p>"
        for result in [OutcomeResult.resolved, .partlyResolved, .notResolved] {
            out += "<label><input type=\"radio\" name=\"result\" value=\"\(result.rawValue)\" required> "
            out += "\(HTML.escape(answerLabel(result)))</label>"
        }
        out += "</fieldset><div class=\"actions\"><button type=\"submit\">\(HTML.escape(words[.answerSend]))</button>"
        out += "</div></form>"
        return out
    }

    /// One line per need that still has a next step, from its deadlines, in the wall clock of Amsterdam.
    func whatNext(_ view: CitizenView, now: Date) -> [String] {
        var lines: [String] = []
        for need in view.needs {
            let domain = domainLabel(need.domain)
            if let answerBy = Self.date(need.question?.answerBy), answerBy > now, need.citizenAnswer == nil {
                lines.append(words.fill(.nextQuestion, ["domain": domain, "moment": deadline.moment(answerBy)]))
                continue
            }
            switch need.status {
            case .searching:
                lines.append(words.fill(.nextSearching, ["domain": domain]))
            case .taken:
                if let contact = need.contact, let by = Self.date(need.contactBy), by > now {
                    lines.append(
                        words.fill(
                            .nextContact,
                            [
                                "name": contact.name, "organisation": contact.organisationName,
                                "moment": deadline.moment(by),
                            ]))
                } else if let nazorg = Self.date(need.nazorgAt) {
                    lines.append(words.fill(.nextNazorg, ["domain": domain, "day": deadline.day(nazorg)]))
                }
            case .contacted:
                if let nazorg = Self.date(need.nazorgAt) {
                    lines.append(words.fill(.nextNazorg, ["domain": domain, "day": deadline.day(nazorg)]))
                }
            default:
                break
            }
        }
        return lines.isEmpty ? [words[.nextNothing]] : lines
    }

    private func consent(_ view: CitizenView, code: String) -> String {
        let who =
            view.consent.all
            ? words[.consentAll] : view.consent.shareWith.map(\.organisationName).joined(separator: ", ")
        var out = "<section class=\"card\" aria-labelledby=\"toestemming\">"
        out += "<h2 id=\"toestemming\">\(HTML.escape(words[.consentTitle]))</h2>"
        out += paragraph(words.fill(.consentWho, ["who": who]), class: nil)
        if let until = Self.date(view.consent.expiresAt) {
            out += paragraph(words.fill(.consentUntil, ["day": deadline.day(until)]), class: nil)
        }
        out += "<form method=\"post\" action=\"/inwoner/intrekken\">\(hidden(code: code))"
        out += "<button type=\"submit\" class=\"secondary\">\(HTML.escape(words[.withdrawButton]))</button></form>"
        return out + "</section>"
    }

    private func disclosures(_ view: CitizenView) -> String {
        var out = "<section aria-labelledby=\"gegevens\">"
        out += "<h2 id=\"gegevens\">\(HTML.escape(words[.disclosuresTitle]))</h2>"
        guard !view.disclosures.isEmpty else {
            return out + paragraph(words[.disclosuresNone], class: nil) + "</section>"
        }
        let headings: [CitizenWords.Key] = [.when, .organisation, .role, .what]
        out += "<table class=\"disclosures\"><caption>\(HTML.escape(words[.disclosuresCaption]))</caption><thead><tr>"
        out += headings.map { "<th scope=\"col\">\(HTML.escape(words[$0]))</th>" }.joined() + "</tr></thead><tbody>"
        for item in view.disclosures {
            let what = item.what == .details ? words[.whatDetails] : words[.whatOffer]
            let at = Self.date(item.at).map(deadline.moment) ?? item.at
            let cells = [at, item.organisationName, item.role ?? "", what]
            out += "<tr>"
            for (heading, cell) in zip(headings, cells) {
                out += "<td data-label=\"\(HTML.escape(words[heading]))\">\(HTML.escape(cell))</td>"
            }
            out += "</tr>"
        }
        return out + "</tbody></table></section>"
    }

    func answerLabel(_ result: OutcomeResult) -> String {
        switch result {
        case .resolved: words[.resolved]
        case .partlyResolved: words[.partlyResolved]
        default: words[.notResolved]
        }
    }

    private func paragraph(_ text: String, class name: String?) -> String {
        "<p\(name.map { " class=\"\($0)\"" } ?? "")>\(HTML.escape(text))</p>"
    }

    /// The fields every form after the code form carries: the token, the code as typed, the page's language.
    private func hidden(code: String?, explicit: Bool = true) -> String {
        var out = HTML.csrf(csrf)
        if let code { out += "<input type=\"hidden\" name=\"code\" value=\"\(HTML.escape(code))\">" }
        if explicit { out += "<input type=\"hidden\" name=\"taal\" value=\"\(words.code)\">" }
        return out
    }

    /// The switch on the code form: plain links, as there is no code yet to keep out of the URL.
    private func linkSwitch() -> String {
        let links = languages.filter { $0.code != words.code }.map { other in
            "<li><a href=\"/inwoner?taal=\(other.code)\" lang=\"\(other.code)\" dir=\"\(other.direction)\">"
                + "\(HTML.escape(other[.languageName]))</a></li>"
        }
        return "<nav aria-label=\"\(HTML.escape(words[.languageSwitch]))\"><ul>\(links.joined())</ul></nav>"
    }

    /// The switch on the status page: a POST per language, so the code stays in the body.
    private func formSwitch(code: String) -> String {
        let forms = languages.filter { $0.code != words.code }.map { other in
            "<li><form method=\"post\" action=\"/inwoner\">\(HTML.csrf(csrf))"
                + "<input type=\"hidden\" name=\"code\" value=\"\(HTML.escape(code))\">"
                + "<input type=\"hidden\" name=\"taal\" value=\"\(other.code)\">"
                + "<button type=\"submit\" class=\"secondary\" lang=\"\(other.code)\" dir=\"\(other.direction)\">"
                + "\(HTML.escape(other[.languageName]))</button></form></li>"
        }
        return "<nav aria-label=\"\(HTML.escape(words[.languageSwitch]))\"><ul>\(forms.joined())</ul></nav>"
    }

    /// A page without a session: the brand, the language switch, one `<main>` with one `<h1>`.
    func document(title: String, switcher: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="\(words.code)" dir="\(words.direction)">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) – \(HTML.escape(words[.appName]))</title>
        <link rel="stylesheet" href="/style.css"></head>
        <body><a class="skip" href="#inhoud">\(HTML.escape(words[.skipToContent]))</a>
        <header><p class="brand">\(HTML.escape(words[.appName]))</p>\(switcher)</header>
        <main id="inhoud" tabindex="-1"><h1>\(HTML.escape(title))</h1>
        \(body)
        </main></body></html>
        """
    }

    /// A domain's label: the words file's own, else the map's Dutch label for Dutch and its English one otherwise.
    static func domainLabels(_ map: SocialMap, _ words: CitizenWords) -> @Sendable (String) -> String {
        let labels = Dictionary(
            map.document.domains.map { ($0.id, words.code == "nl" ? $0.labelNL : $0.labelEN) },
            uniquingKeysWith: { a, _ in a })
        let own = words.domains
        return { id in own[id] ?? labels[id] ?? id }
    }

    /// An RFC 3339 time of the answer; nil when absent (or, from a broker with a bug, unreadable).
    static func date(_ text: String?) -> Date? {
        text.flatMap(RFC3339.parse)
    }

    /// `+31 30 000 1001` as `+31300001001` for a `tel:` link: digits and a leading plus only.
    static func dialable(_ phone: String) -> String {
        var out = ""
        for c in phone where c.isASCII && (c.isNumber || (c == "+" && out.isEmpty)) { out.append(c) }
        return out
    }
}
