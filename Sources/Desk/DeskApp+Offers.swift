import DeskHTTP
import Foundation
import SchakelClient
import SchakelProtocol

/// *Aangeboden*: the offers waiting for this contact, without the citizen's identity, and taking or declining one.
extension DeskApp {
    func offers(_ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        let words = context.words
        let now = brokerNow(context)
        let text = DeadlineText(calendar: calendar, words: words)
        var body = flash(request, words) + shownMessages(context, now: now)
        let offers = inbox.offers(for: context.contact.id).sorted { a, b in
            let (ua, ub) = (
                Urgency.allCases.firstIndex(of: a.urgency) ?? 2, Urgency.allCases.firstIndex(of: b.urgency) ?? 2
            )
            return ua != ub ? ua < ub : (a.ackBy ?? "") < (b.ackBy ?? "")
        }
        if offers.isEmpty {
            body += "<p>\(HTML.escape(words.offersNone))</p>"
        } else {
            body += "<p>\(HTML.escape(words.offersIntro))</p>"
        }
        for offer in offers {
            body +=
                "<article class=\"card\(offer.urgency == .crisis ? " crisis" : "")\" aria-labelledby=\"o-\(HTML.escape(offer.handoverID))\">"
            body +=
                "<h2 id=\"o-\(HTML.escape(offer.handoverID))\">\(HTML.escape(domainLabel(offer.need.domain, words)))</h2>"
            body += offerDetails(offer, words: words, text: text, now: now)
            body +=
                "<div class=\"actions\"><form method=\"post\" action=\"/aanbod/\(HTML.escape(offer.handoverID))/aannemen\">"
            body += HTML.csrf(context.session.csrfToken)
            body += "<button type=\"submit\">\(HTML.escape(words.take))</button></form>"
            body += "<a class=\"button secondary\" href=\"/aanbod/\(HTML.escape(offer.handoverID))/afwijzen\">"
            body += "\(HTML.escape(words.decline))</a></div></article>"
        }
        return page(context, title: words.offersTitle, current: "/aanbod", body: body)
    }

    /// What an offer may show: the need, the urgency, where, which language, the life event, who refers (the
    /// organisation), and by when to answer. Never who the citizen is.
    func offerDetails(_ offer: HandoverOffer, words: Words, text: DeadlineText, now: Date) -> String {
        var rows = HTML.row(words.need, offer.need.summary)
        rows += HTML.row(words.urgencyLabel, words.urgencies[offer.urgency])
        rows += HTML.row(words.municipality, municipalityName(offer.citizen.municipality))
        rows += HTML.row(words.language, offer.citizen.language.map { words.languageNames[$0] ?? $0 })
        rows += HTML.row(words.lifeEvent, offer.lifeEvent)
        rows += HTML.row(words.referredBy, offer.referrer.organisationName)
        if let lead = offer.leadContact {
            rows += HTML.row(words.leadElsewhere, "\(lead.name) (\(lead.organisationName))")
        }
        if let ackBy = offer.ackBy, let due = RFC3339.parse(ackBy) {
            let late = due <= now ? " late" : ""
            rows +=
                "<dt>\(HTML.escape(words.answerBefore))</dt><dd class=\"due\(late)\">\(HTML.escape(text.due(due, now: now)))</dd>"
        }
        var out = "<dl>\(rows)</dl>"
        if offer.lead { out += "<p>\(HTML.escape(words.youLead))</p>" }
        return out
    }

    func take(_ handoverID: String, _ context: DeskContext) -> HTTPResponse {
        let answer = onLine(context) { client in try client.ack(handoverID: handoverID) }
        switch answer {
        case .success(let reply)?:
            inbox.removeOffer(handoverID, for: context.contact.id)
            if reply.rejection == nil { return .redirect(to: "/zaken/\(Self.pathSafe(handoverID))?melding=aangenomen") }
            return .redirect(to: "/aanbod?fout=weg")
        default:
            return .redirect(to: "/aanbod?fout=broker")
        }
    }

    func declineForm(_ handoverID: String, _ context: DeskContext, problem: String? = nil) -> HTTPResponse {
        let words = context.words
        guard let offer = inbox.offer(handoverID, for: context.contact.id) else {
            return .redirect(to: "/aanbod?fout=weg")
        }
        let now = brokerNow(context)
        var body = problem.map { "<p class=\"error\" role=\"alert\">\(HTML.escape($0))</p>" } ?? ""
        body += "<p>\(HTML.escape(words.declineIntro))</p>"
        body += "<div class=\"card\"><h2>\(HTML.escape(domainLabel(offer.need.domain, words)))</h2>"
        body +=
            offerDetails(offer, words: words, text: DeadlineText(calendar: calendar, words: words), now: now) + "</div>"
        body +=
            "<form method=\"post\" action=\"/aanbod/\(HTML.escape(handoverID))/afwijzen\">\(HTML.csrf(context.session.csrfToken))"
        body += "<fieldset><legend>\(HTML.escape(words.declineReasonLegend))</legend>"
        for reason in DeclineReason.allCases {
            body += "<label><input type=\"radio\" name=\"reden\" value=\"\(reason.rawValue)\" required> "
            body += "\(HTML.escape(words.declineReasons[reason] ?? reason.rawValue))</label>"
        }
        body += "</fieldset><div class=\"actions\"><button type=\"submit\">\(HTML.escape(words.declineSend))</button>"
        body += "<a class=\"button secondary\" href=\"/aanbod\">\(HTML.escape(words.cancel))</a></div></form>"
        return page(
            context, title: words.declineTitle, status: problem == nil ? 200 : 400, current: "/aanbod", body: body)
    }

    func decline(_ handoverID: String, _ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        guard let reason = request.formValue("reden").flatMap(DeclineReason.init(rawValue:)) else {
            return declineForm(handoverID, context, problem: context.words.chooseOne)
        }
        let answer = onLine(context) { client in try client.decline(handoverID: handoverID, reason: reason) }
        switch answer {
        case .success(let reply)?:
            inbox.removeOffer(handoverID, for: context.contact.id)
            return .redirect(to: reply.rejection == nil ? "/aanbod?melding=afgewezen" : "/aanbod?fout=weg")
        default:
            return .redirect(to: "/aanbod?fout=broker")
        }
    }

    /// An id as a path segment: the broker's ids are `ho-<uuid>`; anything else is dropped rather than echoed.
    static func pathSafe(_ id: String) -> String {
        String(id.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" }.map(Character.init))
    }
}
