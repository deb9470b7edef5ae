import DeskHTTP
import Foundation
import SchakelClient
import SchakelProtocol
import SocialMap

/// *Coördinatie*: the organisation's offered, open, overdue, waiting and unowned handovers (PENDING, without the
/// citizen's identity), each with a form to give it to a colleague (ASSIGN).
extension DeskApp {
    func coordination(_ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        let words = context.words
        guard isCoordinator(context.contact) else {
            return page(
                context, title: words.coordinationTitle, status: 403, current: "/coordinatie",
                body: "<p class=\"error\">\(HTML.escape(words.notCoordinator))</p>")
        }
        guard case .success(let reply)? = onLine(context, { client in try client.pending() }),
            let list = try? reply.get()
        else {
            return page(
                context, title: words.coordinationTitle, status: 503, current: "/coordinatie", body: brokerDown(words))
        }
        let now = brokerNow(context)
        let text = DeadlineText(calendar: calendar, words: words)
        var body = flash(request, words) + shownMessages(context, now: now)
        body += "<p>\(HTML.escape(words.coordinationIntro))</p>"
        if list.handovers.isEmpty { body += "<p>\(HTML.escape(words.coordinationNone))</p>" }
        for (i, entry) in list.handovers.enumerated() {
            let urgent = entry.kind == .unowned || entry.kind == .overdue
            let domain = domainLabel(entry.need.domain, words)
            body += "<article class=\"card\(urgent ? " overdue" : "")\"><h2>"
            body +=
                "\(HTML.escape(words.pendingKinds[entry.kind.rawValue] ?? entry.kind.rawValue)): \(HTML.escape(domain))</h2><dl>"
            body += HTML.row(words.urgencyLabel, words.urgencies[entry.urgency])
            body += HTML.row(words.municipality, municipalityName(entry.municipality))
            let holder = entry.kind == .unowned ? words.lastOfferedTo : words.heldBy
            body += HTML.row(holder, entry.contact.map { map.contacts[$0]?.name ?? $0 })
            if let due = entry.due.flatMap(RFC3339.parse) {
                body += HTML.row(
                    words.dueLabel, due <= now ? "\(words.overdue): \(text.moment(due))" : text.due(due, now: now))
            }
            body += HTML.row(words.since, RFC3339.parse(entry.since).map(text.moment))
            body += "</dl>"
            if entry.kind != .open, entry.kind != .overdue {
                body += "<form method=\"post\" action=\"/coordinatie/\(HTML.escape(entry.handoverID))/toewijzen\">"
                body += HTML.csrf(context.session.csrfToken)
                body +=
                    "<label for=\"collega-\(i)\">\(HTML.escape(words.assignTo))</label><select id=\"collega-\(i)\" name=\"collega\">"
                body += candidateOptions(for: entry, coordinator: context.contact)
                body += "</select> <button type=\"submit\">\(HTML.escape(words.assign))</button></form>"
            }
            body += "</article>"
        }
        return page(
            context, title: words.coordinationTitle, current: "/coordinatie", body: body, returnTo: "/coordinatie")
    }

    /// Whom a coordinator may name: their colleagues, and everyone on the map who serves the need's domain in the
    /// citizen's municipality (the referring organisation's coordinator may name anyone; the broker keeps every
    /// choice within the consent and refuses the rest). Grouped by organisation.
    func candidateOptions(for entry: PendingHandover, coordinator: ContactPerson) -> String {
        let serving = map.contacts(serving: entry.need.domain, in: entry.municipality)
        let colleagues = map.document.contacts.filter { $0.organization == coordinator.organization }
        var seen: Set<String> = []
        let people = (colleagues + serving).filter { seen.insert($0.id).inserted }
        var out = ""
        for org in map.document.organizations {
            let members = people.filter { $0.organization == org.id }
            guard !members.isEmpty else { continue }
            out += "<optgroup label=\"\(HTML.escape(org.name))\">"
            for person in members {
                out += "<option value=\"\(HTML.escape(person.id))\">\(HTML.escape(person.name))</option>"
            }
            out += "</optgroup>"
        }
        return out
    }

    func assign(_ handoverID: String, _ request: HTTPRequest, _ context: DeskContext) -> HTTPResponse {
        guard isCoordinator(context.contact) else { return .redirect(to: "/coordinatie") }
        guard let colleague = request.formValue("collega") else { return .redirect(to: "/coordinatie?fout=keuze") }
        let answer = onLine(context) { client in try client.assign(handoverID: handoverID, to: colleague) }
        switch answer {
        case .success(let reply)?:
            if reply.rejection == nil { return .redirect(to: "/coordinatie?melding=toegewezen") }
            return .redirect(
                to: reply.rejection?.code == .forbidden ? "/coordinatie?fout=mag-niet" : "/coordinatie?fout=weg")
        default:
            return .redirect(to: "/coordinatie?fout=broker")
        }
    }
}
