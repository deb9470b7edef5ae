import DeskHTTP
import Foundation
import SchakelClient
import SchakelProtocol

/// *Mijn zaken*: what the contact holds, with the next deadline of each and overdue first; the case page with the
/// citizen's details (each view a disclosure the broker records), first contact and the nazorg answer.
extension DeskApp {
    func cases(_ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        let words = context.words
        guard case .success(let reply)? = onLine(context, { client in try client.cases() }),
            let list = try? reply.get()
        else {
            return page(context, title: words.casesTitle, status: 503, current: "/zaken", body: brokerDown(words))
        }
        let now = brokerNow(context)
        let text = DeadlineText(calendar: calendar, words: words)
        var body = flash(request, words) + shownMessages(context, now: now)
        let held = list.cases.sorted { a, b in
            let (la, lb) = (a.next?.overdue == true, b.next?.overdue == true)
            return la != lb ? la : (a.next?.at ?? "~") < (b.next?.at ?? "~")
        }
        if held.isEmpty { body += "<p>\(HTML.escape(words.casesNone))</p>" }
        for held in held {
            let late = held.next?.overdue == true
            let domain = domainLabel(held.need.domain, words)
            body += "<article class=\"card\(late ? " overdue" : "")\"><h2>\(HTML.escape(domain))</h2><dl>"
            body += HTML.row(words.urgencyLabel, words.urgencies[held.urgency])
            body += HTML.row(words.leadContact, held.lead ? words.youLead : nil)
            if let next = held.next, let at = RFC3339.parse(next.at) {
                let step = nextStepLabel(next.deadline, words)
                let due = late ? "\(words.overdue): \(text.moment(at))" : text.due(at, now: now)
                body += "<dt>\(HTML.escape(words.nextStep))</dt><dd class=\"due\(late ? " late" : "")\">"
                body += "\(HTML.escape(step)) \(HTML.escape(due))</dd>"
            }
            // A nazorg question waits even while first contact is overdue (which CASELIST names first).
            if let answerBy = held.answerBy.flatMap(RFC3339.parse), held.next?.deadline != "answer_by" {
                body += "<dt>\(HTML.escape(words.outcomeLegend))</dt><dd class=\"due\">"
                body += "\(HTML.escape(words.nazorgAsked)) \(HTML.escape(text.due(answerBy, now: now)))</dd>"
            }
            body += "</dl><p><a href=\"/zaken/\(HTML.escape(held.handoverID))\">"
            body +=
                "\(HTML.escape(words.openCase))<span class=\"hint\">: \(HTML.escape(domain))</span></a></p></article>"
        }
        return page(context, title: words.casesTitle, current: "/zaken", body: body, returnTo: "/zaken")
    }

    func nextStepLabel(_ deadline: String, _ words: Words) -> String {
        switch deadline {
        case "contact_by": words.firstContactBefore
        case "answer_by": words.nazorgAsked
        default: words.nazorgBefore
        }
    }

    func casePage(_ handoverID: String, _ request: HTTPRequest, _ context: DeskContext, problem: String? = nil)
        -> HTTPResponse
    {
        let words = context.words
        // ACK of a handover the contact holds answers ACKED again with the details; the broker records the view.
        let answer = onLine(context) { client in (try client.ack(handoverID: handoverID), try client.cases()) }
        guard case .success(let (ackReply, casesReply))? = answer else {
            return page(context, title: words.caseTitle, status: 503, current: "/zaken", body: brokerDown(words))
        }
        guard let acked = try? ackReply.get() else { return .redirect(to: "/zaken?fout=zaak") }
        let held = (try? casesReply.get())?.cases.first { $0.handoverID == handoverID }
        let now = brokerNow(context)
        let text = DeadlineText(calendar: calendar, words: words)
        var body = flash(request, words) + shownMessages(context, now: now)
        if let problem { body += "<p class=\"error\" role=\"alert\">\(HTML.escape(problem))</p>" }

        body += "<section class=\"card\"><h2>\(HTML.escape(words.whatNext))</h2>"
        body += whatNext(held, words: words, text: text, now: now) + "</section>"

        let citizen = acked.citizen
        body += "<section class=\"card\"><h2>\(HTML.escape(words.citizen))</h2><dl>"
        body += HTML.row(words.name, citizen.displayName) + HTML.row(words.phone, citizen.phone)
        body += HTML.row(words.email, citizen.email) + HTML.row(words.postcode, citizen.postcode)
        body += HTML.row(words.municipality, municipalityName(citizen.municipality))
        body += HTML.row(words.language, citizen.language.map { words.languageNames[$0] ?? $0 })
        body += HTML.row(words.preferredChannel, citizen.preferredChannel.flatMap { words.channels[$0] })
        body += "</dl></section>"

        body += "<section class=\"card\"><h2>\(HTML.escape(words.askedFor))</h2><dl>"
        body += HTML.row(
            words.need, domainLabel(acked.need.domain, words) + (acked.need.summary.map { ": \($0)" } ?? ""))
        body += HTML.row(words.urgencyLabel, words.urgencies[acked.urgency])
        body += HTML.row(words.lifeEvent, acked.lifeEvent) + HTML.row(words.note, acked.note)
        body += "</dl></section>"

        let referrer = acked.referrer
        body += "<section class=\"card\"><h2>\(HTML.escape(words.referrer))</h2><dl>"
        body += HTML.row(words.name, [referrer.name, referrer.role].compactMap { $0 }.joined(separator: ", "))
        body += HTML.row(words.referredBy, referrer.organisationName)
        body += HTML.row(words.phone, referrer.phone) + HTML.row(words.email, referrer.email)
        body += "</dl></section>"

        if let lead = acked.leadContact {
            body += "<section class=\"card\"><h2>\(HTML.escape(words.leadContact))</h2><dl>"
            body += HTML.row(words.name, "\(lead.name) (\(lead.organisationName))")
            body += HTML.row(words.phone, lead.phone) + HTML.row(words.email, lead.email) + "</dl></section>"
        } else if acked.lead {
            body += "<p>\(HTML.escape(words.youLead))</p>"
        }

        let token = HTML.csrf(context.session.csrfToken)
        let path = "/zaken/\(HTML.escape(handoverID))"
        if held?.state == .accepted {
            let today = Self.isoDay(now)
            body += "<form class=\"card\" method=\"post\" action=\"\(path)/contact\">\(token)"
            body += "<h2>\(HTML.escape(words.contactedTitle))</h2>"
            body += "<label for=\"datum\">\(HTML.escape(words.contactedDate))</label>"
            body += "<input type=\"date\" id=\"datum\" name=\"datum\" value=\"\(today)\" max=\"\(today)\" required>"
            body +=
                "<label for=\"kanaal\">\(HTML.escape(words.contactedChannel))</label><select id=\"kanaal\" name=\"kanaal\">"
            for channel in Channel.allCases {
                let chosen = channel == (citizen.preferredChannel ?? .phone) ? " selected" : ""
                body +=
                    "<option value=\"\(channel.rawValue)\"\(chosen)>\(HTML.escape(words.channels[channel] ?? ""))</option>"
            }
            body +=
                "</select><div class=\"actions\"><button type=\"submit\">\(HTML.escape(words.contactedSend))</button></div></form>"
        }
        if held?.answerBy != nil {
            body += "<form class=\"card\" method=\"post\" action=\"\(path)/nazorg\">\(token)"
            body +=
                "<h2>\(HTML.escape(words.outcomeTitle))</h2><fieldset><legend>\(HTML.escape(words.outcomeLegend))</legend>"
            for result in OutcomeResult.allCases where result != .noAnswer {
                body += "<label><input type=\"radio\" name=\"uitkomst\" value=\"\(result.rawValue)\" required> "
                body += "\(HTML.escape(words.outcomes[result] ?? ""))</label>"
            }
            body += "</fieldset><label for=\"toelichting\">\(HTML.escape(words.outcomeNote))</label>"
            body += "<textarea id=\"toelichting\" name=\"toelichting\" maxlength=\"2000\"></textarea>"
            body +=
                "<div class=\"actions\"><button type=\"submit\">\(HTML.escape(words.outcomeSend))</button></div></form>"
        }
        body += "<p class=\"hint\">\(HTML.escape(words.disclosureNote))</p>"
        let title = "\(words.caseTitle): \(domainLabel(acked.need.domain, words))"
        return page(
            context, title: title, status: problem == nil ? 200 : 400, current: "/zaken", body: body, returnTo: path)
    }

    private func whatNext(_ held: HeldCase?, words: Words, text: DeadlineText, now: Date) -> String {
        guard let held else { return "" }
        var out = ""
        if held.state == .contacted { out += "<p>\(HTML.escape(words.firstContactDone))</p>" }
        if let next = held.next, let at = RFC3339.parse(next.at) {
            let due = next.overdue ? "\(words.overdue): \(text.moment(at))" : text.due(at, now: now)
            out += "<p class=\"due\(next.overdue ? " late" : "")\">\(HTML.escape(nextStepLabel(next.deadline, words))) "
            out += "\(HTML.escape(due))</p>"
        }
        return out
    }

    func contacted(_ handoverID: String, _ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        let now = brokerNow(context)
        guard let day = request.formValue("datum"), let date = Self.noonInAmsterdam(day) else {
            return casePage(handoverID, request, context, problem: context.words.chooseOne)
        }
        // Today is "now"; an earlier day is noon of that day: the broker keeps a moment, a person remembers a day.
        let today = Self.isoDay(now)
        guard day <= today else { return casePage(handoverID, request, context, problem: context.words.dateInFuture) }
        let at = day == today ? nil : RFC3339.format(date)
        let channel = request.formValue("kanaal").flatMap(Channel.init(rawValue:))
        let answer = onLine(context) { client in try client.contacted(handoverID: handoverID, at: at, channel: channel)
        }
        return afterNoted(answer, success: "/zaken/\(Self.pathSafe(handoverID))?melding=contact")
    }

    func outcome(_ handoverID: String, _ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        guard let result = request.formValue("uitkomst").flatMap(OutcomeResult.init(rawValue:)), result != .noAnswer
        else {
            return casePage(handoverID, request, context, problem: context.words.chooseOne)
        }
        let note = request.formValue("toelichting")?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (note ?? "").count <= 2_000 else {
            return casePage(handoverID, request, context, problem: context.words.noteTooLong)
        }
        let answer = onLine(context) { client in
            try client.outcome(handoverID: handoverID, result: result, note: note?.isEmpty == false ? note : nil)
        }
        return afterNoted(answer, success: "/zaken?melding=nazorg")
    }

    func afterNoted(_ answer: Result<Reply<Noted>, any Error>?, success: String) -> HTTPResponse {
        switch answer {
        case .success(let reply)?: .redirect(to: reply.rejection == nil ? success : "/zaken?fout=zaak")
        default: .redirect(to: "/zaken?fout=broker")
        }
    }

    func brokerDown(_ words: Words) -> String {
        "<p class=\"error\" role=\"alert\">\(HTML.escape(words.brokerUnreachable))</p>"
    }

    /// `2026-12-07` for a moment, by Amsterdam's calendar.
    static func isoDay(_ moment: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = DeadlineText.zone
        let c = calendar.dateComponents([.year, .month, .day], from: moment)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// Noon in Amsterdam of a `YYYY-MM-DD` day; nil for anything else.
    static func noonInAmsterdam(_ day: String) -> Date? {
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard day.count == 10, parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = DeadlineText.zone
        let components = DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 12)
        guard let date = calendar.date(from: components), isoDay(date) == day else { return nil }
        return date
    }
}
