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

    /// Checks the cross-references of a document and builds the indexes; throws the first problem found
    /// (``problems(in:)`` lists them all).
    public init(document: SocialMapDocument) throws {
        let checked = Self.check(document)
        if let first = checked.problems.first { throw first }
        var byDomain: [String: [ContactPerson]] = [:]
        for contact in document.contacts.sorted(by: { $0.id < $1.id }) {
            for d in contact.domains { byDomain[d, default: []].append(contact) }
        }
        self.document = document
        self.domains = Set(document.domains.map(\.id))
        self.organizations = checked.organizations
        self.contacts = checked.contacts
        self.contactsByDomain = byDomain
    }

    /// Every problem in a social map file, each with its JSON path; empty when the file loads. A file that is not
    /// valid JSON, or not shaped like a social map, yields that one problem.
    public static func problems(contentsOf url: URL) -> [SocialMapError] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            return [
                SocialMapError(path: url.path, message: "cannot read the social map: \(error.localizedDescription)")
            ]
        }
        do {
            let document = try JSONDecoder().decode(SocialMapDocument.self, from: data)
            return problems(in: document)
        } catch {
            do {
                _ = try SocialMap(data: data)
            } catch let problem as SocialMapError {
                return [problem]
            } catch {
                return [SocialMapError(path: "", message: "\(error)")]
            }
            return []
        }
    }

    /// Every cross-reference problem in a document, in file order.
    public static func problems(in document: SocialMapDocument) -> [SocialMapError] {
        check(document).problems
    }

    private static func check(
        _ document: SocialMapDocument
    ) -> (problems: [SocialMapError], organizations: [String: Organization], contacts: [String: ContactPerson]) {
        var problems: [SocialMapError] = []
        let domains = Set(document.domains.map(\.id))
        var organizations: [String: Organization] = [:]
        for (i, org) in document.organizations.enumerated() {
            let path = "organizations[\(i)]"
            guard org.id.hasPrefix("org:") else {
                problems.append(SocialMapError(path: "\(path).id", message: "\"\(org.id)\" must start with org:"))
                continue
            }
            guard organizations[org.id] == nil else {
                problems.append(SocialMapError(path: "\(path).id", message: "\"\(org.id)\" appears twice"))
                continue
            }
            for d in org.domains where !domains.contains(d) {
                problems.append(
                    SocialMapError(path: "\(path).domains", message: "\"\(d)\" is not in the domain vocabulary"))
            }
            organizations[org.id] = org
        }
        var contacts: [String: ContactPerson] = [:]
        for (i, contact) in document.contacts.enumerated() {
            let path = "contacts[\(i)]"
            guard contact.id.hasPrefix("contact:") else {
                problems.append(
                    SocialMapError(path: "\(path).id", message: "\"\(contact.id)\" must start with contact:"))
                continue
            }
            guard contacts[contact.id] == nil else {
                problems.append(SocialMapError(path: "\(path).id", message: "\"\(contact.id)\" appears twice"))
                continue
            }
            if let org = organizations[contact.organization] {
                for d in contact.domains where !org.domains.contains(d) {
                    problems.append(
                        SocialMapError(
                            path: "\(path).domains", message: "\"\(d)\" is not among the domains of \(org.id)"))
                }
            } else {
                problems.append(
                    SocialMapError(
                        path: "\(path).organization", message: "no organisation \"\(contact.organization)\" on the map")
                )
            }
            if contact.capacity <= 0 {
                problems.append(SocialMapError(path: "\(path).capacity", message: "must be at least 1"))
            }
            contacts[contact.id] = contact
        }
        for (i, org) in document.organizations.enumerated() {
            if let coordinator = org.coordinator, contacts[coordinator]?.organization != org.id {
                problems.append(
                    SocialMapError(
                        path: "organizations[\(i)].coordinator",
                        message: "\"\(coordinator)\" is not a contact of \(org.id)"))
            }
        }
        return (problems, organizations, contacts)
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
