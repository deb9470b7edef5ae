import DeskHTTP
import SocialMap

/// Who is asking, for one request: the contact person, their session, the words of their language, and cookies
/// the answer must set.
struct DeskContext: Sendable {
    var contact: ContactPerson
    var session: DeskSession
    var words: Words
    var cookies: [String] = []
}

/// A request the desk will not serve, with the page that says why.
struct DeskRefusal: Error, Sendable {
    var response: HTTPResponse
}
