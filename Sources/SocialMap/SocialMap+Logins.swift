/// The desk's logins: the reverse proxy passes a user name, and the desk maps it to exactly one contact person.
extension SocialMap {
    /// The contact person who logs in at the desk as `login`, if any. A linear scan: the desk keeps its own index
    /// (``logins``) for its requests.
    public func contact(login: String) -> ContactPerson? {
        document.contacts.first { $0.login == login }
    }

    /// Every contact with a login, by login: what the desk looks each request's user up in.
    public var logins: [String: ContactPerson] {
        Dictionary(document.contacts.compactMap { c in c.login.map { ($0, c) } }) { first, _ in first }
    }

    /// A login used twice would let one person into the other's cases.
    static func loginProblems(_ contacts: [ContactPerson]) -> [SocialMapError] {
        var seen: [String: String] = [:]
        var problems: [SocialMapError] = []
        for (i, contact) in contacts.enumerated() {
            guard let login = contact.login else { continue }
            if let other = seen[login] {
                problems.append(
                    SocialMapError(
                        path: "contacts[\(i)].login",
                        message: "\"\(login)\" is already the login of \(other); a login names exactly one person"))
            } else {
                seen[login] = contact.id
            }
        }
        return problems
    }
}
