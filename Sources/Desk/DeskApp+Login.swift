import DeskHTTP
import Foundation
import SocialMap

/// Who is asking: in development a page to pick a contact; in production the proxy's header, mapped to a contact
/// by their `login` on the map. Either way a session cookie, so that every form can carry a CSRF token.
extension DeskApp {
    static let sessionCookie = "schakel_session"
    static let languageCookie = "schakel_lang"
    static let loginCookie = "schakel_login"

    /// The session of the request, or the answer that sends the person to log in.
    func authenticate(_ request: HTTPRequest) -> Result<DeskContext, DeskRefusal> {
        let language = DeskLanguage(code: request.cookie(Self.languageCookie))
        let token = request.cookie(Self.sessionCookie)
        let session = sessions.touch(token)
        switch config.login {
        case .dev:
            guard let session, let contact = map.contacts[session.contactID] else {
                return .failure(DeskRefusal(response: .redirect(to: token == nil ? "/login" : "/login?verlopen=1")))
            }
            return .success(DeskContext(contact: contact, session: session, words: session.language.words))
        case .proxy:
            let words = (session?.language ?? language).words
            guard let user = request.header(config.userHeader)?.trimmingCharacters(in: .whitespaces), !user.isEmpty
            else {
                return .failure(
                    DeskRefusal(response: bare(words, title: words.loginTitle, status: 401, words.loginMissing)))
            }
            guard let contact = logins[user], lines[contact.id] != nil else {
                return .failure(
                    DeskRefusal(response: bare(words, title: words.loginTitle, status: 403, words.loginUnknown)))
            }
            if let session, session.login == user, session.contactID == contact.id {
                return .success(DeskContext(contact: contact, session: session, words: session.language.words))
            }
            // A first request, or another person behind the same browser: a fresh session, never the old one's.
            guard request.method != "POST" else {
                return .failure(
                    DeskRefusal(response: bare(words, title: words.loginTitle, status: 403, words.formExpired)))
            }
            sessions.close(token)
            let opened = sessions.open(contactID: contact.id, language: language, login: user)
            var context = DeskContext(contact: contact, session: opened.session, words: language.words)
            context.cookies.append(cookie(Self.sessionCookie, opened.token))
            return .success(context)
        }
    }

    /// The development login: every contact the desk serves, by organisation; a POST with the login form's token.
    func login(_ request: HTTPRequest) -> HTTPResponse {
        let language = DeskLanguage(code: request.queryValue("lang") ?? request.cookie(Self.languageCookie))
        let words = language.words
        if request.method == "POST" {
            guard let token = request.cookie(Self.loginCookie), token == request.formValue("csrf"),
                let id = request.formValue("contact"), let contact = map.contacts[id], lines[id] != nil
            else {
                return bare(words, title: words.loginTitle, status: 403, words.formExpired)
            }
            sessions.close(request.cookie(Self.sessionCookie))
            let opened = sessions.open(contactID: contact.id, language: language)
            var response = HTTPResponse.redirect(to: isCoordinator(contact) ? "/coordinatie" : "/aanbod")
            response.headers.append(("Set-Cookie", cookie(Self.sessionCookie, opened.token)))
            response.headers.append(("Set-Cookie", expiredCookie(Self.loginCookie)))
            return response
        }
        // One token per browser until it logs in: a second tab or a reload must not void the first form.
        let token =
            request.cookie(Self.loginCookie).flatMap { DeskSession.isToken($0) ? $0 : nil } ?? DeskSession.token()
        var body = ""
        if request.queryValue("verlopen") != nil {
            body += "<p class=\"notice\">\(HTML.escape(words.sessionEnded))</p>"
        }
        body += "<p>\(HTML.escape(words.loginIntro))</p><p class=\"hint\">\(HTML.escape(words.loginDevNote))</p>"
        for org in map.document.organizations {
            let people = map.document.contacts.filter { $0.organization == org.id && lines[$0.id] != nil }
            guard !people.isEmpty else { continue }
            body += "<section><h2>\(HTML.escape(org.name))</h2><ul class=\"people\">"
            for person in people {
                body += "<li><form method=\"post\" action=\"/login\">\(HTML.csrf(token))"
                body += "<input type=\"hidden\" name=\"contact\" value=\"\(HTML.escape(person.id))\">"
                body += "<button type=\"submit\">\(HTML.escape(person.name))</button>"
                body += " <span class=\"role\">\(HTML.escape(person.role ?? ""))</span></form></li>"
            }
            body += "</ul></section>"
        }
        let other: DeskLanguage = language == .nl ? .en : .nl
        body +=
            "<p><a href=\"/login?lang=\(other.rawValue)\" lang=\"\(other.rawValue)\">\(HTML.escape(words.otherLanguage))</a></p>"
        if portalLine != nil {
            // Dutch is the citizen page's default: only English is a choice worth carrying over, so that a citizen
            // who submitted in another language still gets theirs.
            let link = language == .en ? "/inwoner?taal=en" : "/inwoner"
            body += "<footer><p><a href=\"\(link)\">\(HTML.escape(words.citizenLink))</a></p></footer>"
        }
        var response = bare(words, title: words.loginTitle, status: 200, nil, body: body)
        response.headers.append(("Set-Cookie", cookie(Self.loginCookie, token)))
        return response
    }

    /// `name=value` with the session cookie's attributes: not for scripts, never cross-site, HTTPS only.
    func cookie(_ name: String, _ value: String) -> String {
        "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict" + (config.secureCookies ? "; Secure" : "")
    }

    func expiredCookie(_ name: String) -> String {
        cookie(name, "") + "; Max-Age=0"
    }
}
