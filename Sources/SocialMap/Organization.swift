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
    /// The CURVE public keys (Z85) of the organisation's adapter: a peer proving one of them is this organisation.
    /// More than one so a key can be rotated with overlap; a key removed on reload is refused from then on.
    public var publicKeys: [String]?
    /// Whether the adapter (a peer holding one of ``publicKeys``) may also open sessions for this organisation's
    /// contact persons, for organisations whose contacts work in the organisation's own system.
    public var adapterActsForContacts: Bool?

    public init(
        id: String, name: String, kind: String, municipalities: [String], domains: [String], phone: String? = nil,
        email: String? = nil, coordinator: String? = nil, services: [Service]? = nil, lastVerified: String? = nil,
        publicKeys: [String]? = nil, adapterActsForContacts: Bool? = nil
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
        self.publicKeys = publicKeys
        self.adapterActsForContacts = adapterActsForContacts
    }

    /// True for a national organisation or one that lists the municipality.
    public func serves(municipality: String) -> Bool {
        municipalities.contains("*") || municipalities.contains(municipality)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, municipalities, domains, phone, email, coordinator, services
        case lastVerified = "last_verified"
        case publicKeys = "public_keys"
        case adapterActsForContacts = "adapter_acts_for_contacts"
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
