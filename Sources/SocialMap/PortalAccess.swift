/// A portal on the map (`portal:<id>`): the desk's citizen page or a municipality's own portal (Mijn Gemeente),
/// which may ask, with a citizen's code, what happens with their referral, and withdraw the consent for them
/// (SRP1.md, The citizen's own view), and nothing else.
public struct PortalAccess: Sendable, Equatable, Codable {
    /// `portal:<name>`.
    public var id: String
    /// For people: who runs it.
    public var name: String
    /// The portal's CURVE public keys (Z85); nil in a map used only with `insecure_dev`.
    public var publicKeys: [String]?

    public init(id: String, name: String, publicKeys: [String]? = nil) {
        self.id = id
        self.name = name
        self.publicKeys = publicKeys
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case publicKeys = "public_keys"
    }
}
