/// The social map file as it is written in `Config/` (see Protocols/schemas/social-map.schema.json).
public struct SocialMapDocument: Sendable, Equatable, Codable {
    /// One entry of the domain vocabulary.
    public struct Domain: Sendable, Equatable, Codable {
        public var id: String
        public var labelNL: String
        public var labelEN: String

        public init(id: String, labelNL: String, labelEN: String) {
            self.id = id
            self.labelNL = labelNL
            self.labelEN = labelEN
        }

        enum CodingKeys: String, CodingKey {
            case id
            case labelNL = "label_nl"
            case labelEN = "label_en"
        }
    }

    /// A municipality by its CBS code.
    public struct Municipality: Sendable, Equatable, Codable {
        public var code: String
        public var name: String

        public init(code: String, name: String) {
            self.code = code
            self.name = name
        }
    }

    public var version: Int
    public var name: String
    public var description: String?
    public var domains: [Domain]
    public var municipalities: [Municipality]
    public var organizations: [Organization]
    public var contacts: [ContactPerson]
    /// The desks (schakel-desk) that may act for the contact persons of the organisations they serve.
    public var desks: [DeskAccess]?
    /// The portals that may show citizens their own referral.
    public var portals: [PortalAccess]?

    public init(
        version: Int, name: String, description: String?, domains: [Domain], municipalities: [Municipality],
        organizations: [Organization], contacts: [ContactPerson], desks: [DeskAccess]? = nil,
        portals: [PortalAccess]? = nil
    ) {
        self.version = version
        self.name = name
        self.description = description
        self.domains = domains
        self.municipalities = municipalities
        self.organizations = organizations
        self.contacts = contacts
        self.desks = desks
        self.portals = portals
    }
}
