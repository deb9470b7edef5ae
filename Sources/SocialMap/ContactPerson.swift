/// A named professional a handover can go to: the "short line" (HSDS: `contact` with `phone` and `language`).
public struct ContactPerson: Sendable, Equatable, Codable {
    public var id: String
    public var organization: String
    public var name: String
    public var role: String?
    public var phone: String
    public var email: String
    public var domains: [String]
    public var languages: [String]
    /// The most handovers this person holds open at once.
    public var capacity: Int
    public var lastVerified: String?

    public init(
        id: String, organization: String, name: String, role: String? = nil, phone: String, email: String,
        domains: [String], languages: [String] = ["nl"], capacity: Int, lastVerified: String? = nil
    ) {
        self.id = id
        self.organization = organization
        self.name = name
        self.role = role
        self.phone = phone
        self.email = email
        self.domains = domains
        self.languages = languages
        self.capacity = capacity
        self.lastVerified = lastVerified
    }

    enum CodingKeys: String, CodingKey {
        case id, organization, name, role, phone, email, domains, languages, capacity
        case lastVerified = "last_verified"
    }
}
