import Foundation
import SchakelProtocol

/// The registry of organisations and contact persons, indexed for matching.
///
/// A value: the broker holds one and swaps it whole on reload, so a match never sees half a map.
public struct SocialMap: Sendable {
    public let document: SocialMapDocument
    public let domains: Set<String>
    public let organizations: [String: Organization]
    public let contacts: [String: ContactPerson]
    /// Contacts per domain, in stable id order: the candidate pools matching starts from.
    let contactsByDomain: [String: [ContactPerson]]

    /// Loads and checks a social map file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SocialMapError(path: url.path, message: "cannot read the social map: \(error.localizedDescription)")
        }
        try self.init(data: data)
    }

    /// Parses and checks a social map document.
    public init(data: Data) throws {
        let document: SocialMapDocument
        // The strict parser first: JSONDecoder alone would overflow the stack on a deeply
        // nested file and keep the last of two equal keys without a word.
        do {
            _ = try JSONValue.parse(data)
        } catch {
            throw SocialMapError(path: "", message: error.message)
        }
        do {
            document = try JSONDecoder().decode(SocialMapDocument.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw SocialMapError(path: Self.path(context.codingPath + [key]), message: "required field is missing")
        } catch let DecodingError.typeMismatch(_, context) {
            throw SocialMapError(
                path: Self.path(context.codingPath), message: "wrong type: \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw SocialMapError(path: Self.path(context.codingPath), message: "value is missing")
        } catch {
            throw SocialMapError(path: "", message: "the social map is not valid JSON: \(error)")
        }
        try self.init(document: document)
    }

    /// Checks the cross-references of a document and builds the indexes.
    public init(document: SocialMapDocument) throws {
        let domains = Set(document.domains.map(\.id))
        var organizations: [String: Organization] = [:]
        for (i, org) in document.organizations.enumerated() {
            let path = "organizations[\(i)]"
            guard org.id.hasPrefix("org:") else {
                throw SocialMapError(path: "\(path).id", message: "\"\(org.id)\" must start with org:")
            }
            guard organizations[org.id] == nil else {
                throw SocialMapError(path: "\(path).id", message: "\"\(org.id)\" appears twice")
            }
            for d in org.domains where !domains.contains(d) {
                throw SocialMapError(path: "\(path).domains", message: "\"\(d)\" is not in the domain vocabulary")
            }
            organizations[org.id] = org
        }
        var contacts: [String: ContactPerson] = [:]
        for (i, contact) in document.contacts.enumerated() {
            let path = "contacts[\(i)]"
            guard contact.id.hasPrefix("contact:") else {
                throw SocialMapError(path: "\(path).id", message: "\"\(contact.id)\" must start with contact:")
            }
            guard contacts[contact.id] == nil else {
                throw SocialMapError(path: "\(path).id", message: "\"\(contact.id)\" appears twice")
            }
            guard let org = organizations[contact.organization] else {
                throw SocialMapError(
                    path: "\(path).organization", message: "no organisation \"\(contact.organization)\" on the map")
            }
            for d in contact.domains where !org.domains.contains(d) {
                throw SocialMapError(
                    path: "\(path).domains", message: "\"\(d)\" is not among the domains of \(org.id)")
            }
            guard contact.capacity > 0 else {
                throw SocialMapError(path: "\(path).capacity", message: "must be at least 1")
            }
            contacts[contact.id] = contact
        }
        for (i, org) in document.organizations.enumerated() {
            if let coordinator = org.coordinator, contacts[coordinator]?.organization != org.id {
                throw SocialMapError(
                    path: "organizations[\(i)].coordinator", message: "\"\(coordinator)\" is not a contact of \(org.id)"
                )
            }
        }
        var byDomain: [String: [ContactPerson]] = [:]
        for contact in document.contacts.sorted(by: { $0.id < $1.id }) {
            for d in contact.domains { byDomain[d, default: []].append(contact) }
        }
        self.document = document
        self.domains = domains
        self.organizations = organizations
        self.contacts = contacts
        self.contactsByDomain = byDomain
    }

    /// Whether `principal` (`org:…` or `contact:…`) is on the map.
    public func knows(principal: String) -> Bool {
        organizations[principal] != nil || contacts[principal] != nil
    }

    /// Every contact who serves `domain` in `municipality`, in stable id order.
    public func contacts(serving domain: String, in municipality: String) -> [ContactPerson] {
        (contactsByDomain[domain] ?? []).filter {
            organizations[$0.organization]?.serves(municipality: municipality) == true
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
    }
}
