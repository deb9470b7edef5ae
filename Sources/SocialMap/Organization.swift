/// An organisation on the social map (HSDS: `organization` with its `service_area`).
public struct Organization: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var kind: String
    /// CBS municipality codes served, or `["*"]` for a national organisation (HSDS `service_area`).
    public var municipalities: [String]
    public var domains: [String]
    public var phone: String?
    public var email: String?
    public var coordinator: String?
    /// What the organisation offers, where it wants to describe it (HSDS `service`).
    public var services: [Service]?
    public var lastVerified: String?

    public init(
        id: String, name: String, kind: String, municipalities: [String], domains: [String], phone: String? = nil,
        email: String? = nil, coordinator: String? = nil, services: [Service]? = nil, lastVerified: String? = nil
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.municipalities = municipalities
        self.domains = domains
        self.phone = phone
        self.email = email
        self.coordinator = coordinator
        self.services = services
        self.lastVerified = lastVerified
    }

    /// True for a national organisation or one that lists the municipality.
    public func serves(municipality: String) -> Bool {
        municipalities.contains("*") || municipalities.contains(municipality)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, municipalities, domains, phone, email, coordinator, services
        case lastVerified = "last_verified"
    }
}

/// One service of an organisation (HSDS `service`): a description for people; matching goes by domain.
public struct Service: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var domains: [String]
    public var description: String?

    public init(id: String, name: String, domains: [String], description: String? = nil) {
        self.id = id
        self.name = name
        self.domains = domains
        self.description = description
    }
}
