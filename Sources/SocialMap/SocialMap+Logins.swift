/// The desk's logins: the reverse proxy passes a user name, and the desk maps it to exactly one contact person.
extension SocialMap {
    /// The contact person who logs in at the desk as `login`, if any. A linear scan: the desk asks once per login,
    /// not per request.
    public func contact(login: String) -> ContactPerson? {
        document.contacts.first { $0.login == login }
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
