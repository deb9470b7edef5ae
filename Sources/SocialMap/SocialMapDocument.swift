/// The social map file as it is written in `Config/` (see Protocols/schemas/social-map.schema.json).
public struct SocialMapDocument: Sendable, Equatable, Codable {
    /// One entry of the domain vocabulary.
    public struct Domain: Sendable, Equatable, Codable {
        public var id: String
        public var labelNL: String
        public var labelEN: String

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
    }

    public var version: Int
    public var name: String
    public var description: String?
    public var domains: [Domain]
    public var municipalities: [Municipality]
    public var organizations: [Organization]
    public var contacts: [ContactPerson]
}
