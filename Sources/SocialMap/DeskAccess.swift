/// A desk (`schakel-desk`) on the map: the web desk that contact persons without a client of their own work in.
/// Its CURVE key may open sessions as any contact person of the organisations listed, and as nobody else; it is
/// not a principal of its own (it submits nothing and holds no outbox).
public struct DeskAccess: Sendable, Equatable, Codable {
    /// `desk:<name>`: what the broker's log calls the peer.
    public var id: String
    /// The organisations whose contact persons work at this desk.
    public var organizations: [String]
    /// The desk's CURVE public keys (Z85); nil in a map used only with `insecure_dev`.
    public var publicKeys: [String]?
    /// The portal (`portals[].id`) whose session the desk's key may hold, for the citizen's page.
    public var portal: String?

    public init(id: String, organizations: [String], publicKeys: [String]? = nil, portal: String? = nil) {
        self.id = id
        self.organizations = organizations
        self.publicKeys = publicKeys
        self.portal = portal
    }

    enum CodingKeys: String, CodingKey {
        case id, organizations, portal
        case publicKeys = "public_keys"
    }
}
