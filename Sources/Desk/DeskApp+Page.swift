import DeskHTTP

/// The frame of every page: a skip link, the header with the navigation and the language switch, one `<main>`
/// with one `<h1>`. Headings, labels and landmarks are what a screen reader and a keyboard user move by
/// (WCAG 2.1 AA).
extension DeskApp {
    /// A page for a logged-in person.
    func page(
        _ context: DeskContext, title: String, status: Int = 200, current: String? = nil, body: String,
        returnTo: String = "/aanbod"
    ) -> HTTPResponse {
        let words = context.words
        var nav: [(String, String)] = [("/aanbod", words.navOffers), ("/zaken", words.navCases)]
        if isCoordinator(context.contact) {
            nav.append(("/coordinatie", words.navCoordination))
            nav.append(("/signalen", words.navSignals))
        }
        let links = nav.map { href, label in
            let here = href == current ? " aria-current=\"page\"" : ""
            return "<li><a href=\"\(href)\"\(here)>\(HTML.escape(label))</a></li>"
        }.joined()
        let other: DeskLanguage = words.code == .nl ? .en : .nl
        let token = context.session.csrfToken
        let header = """
            <header><p class="brand">\(HTML.escape(words.appName))</p>\
            <nav aria-label="\(HTML.escape(words.appName))"><ul>\(links)</ul></nav>\
            <div class="who"><p>\(HTML.escape(words.loggedInAs)) <strong>\(HTML.escape(context.contact.name))</strong> \
            (\(HTML.escape(map.organizations[context.contact.organization]?.name ?? "")))</p>\
            <form method="post" action="/taal">\(HTML.csrf(token))<input type="hidden" name="lang" value="\(other.rawValue)">\
            <input type="hidden" name="terug" value="\(HTML.escape(returnTo))">\
            <button type="submit" lang="\(other.rawValue)">\(HTML.escape(words.otherLanguage))</button></form>\
            <form method="post" action="/uitloggen">\(HTML.csrf(token))<button type="submit">\(HTML.escape(words.logOut))</button></form>\
            </div></header>
            """
        return .html(Self.document(words, title: title, header: header, body: body), status: status)
    }

    /// A page without a session: the login, a refusal.
    func bare(_ words: Words, title: String, status: Int, _ message: String?, body: String = "") -> HTTPResponse {
        let header = "<header><p class=\"brand\">\(HTML.escape(words.appName))</p></header>"
        let text = message.map { "<p class=\"error\">\(HTML.escape($0))</p>" } ?? ""
        return .html(Self.document(words, title: title, header: header, body: text + body), status: status)
    }

    static func document(_ words: Words, title: String, header: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="\(words.code.rawValue)">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title)) – \(HTML.escape(words.appName))</title>
        <link rel="stylesheet" href="/style.css"></head>
        <body><a class="skip" href="#inhoud">\(HTML.escape(words.skipToContent))</a>
        \(header)
        <main id="inhoud" tabindex="-1"><h1>\(HTML.escape(title))</h1>
        \(body)
        </main></body></html>
        """
    }

    /// The line under the heading after a form was sent (`?melding=`), or the refusal (`?fout=`).
    func flash(_ request: HTTPRequest, _ words: Words) -> String {
        let done: [String: String] = [
            "aangenomen": words.taken, "afgewezen": words.declined, "contact": words.contactedSaved,
            "nazorg": words.outcomeSaved, "toegewezen": words.assigned,
        ]
        if let key = request.queryValue("melding"), let text = done[key] {
            return "<p class=\"notice\" role=\"status\">\(HTML.escape(text))</p>"
        }
        if let key = request.queryValue("fout") {
            let known = [
                "weg": words.offerGone, "broker": words.brokerUnreachable, "zaak": words.caseGone,
                "mag-niet": words.assignRefused, "keuze": words.chooseOne,
            ]
            let text = known[key] ?? words.refused(words.chooseOne)
            return "<p class=\"error\" role=\"alert\">\(HTML.escape(text))</p>"
        }
        return ""
    }
}
