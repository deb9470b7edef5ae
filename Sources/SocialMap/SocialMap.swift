import Foundation
import SchakelProtocol

/// One absence of a contact as an interval: away from `start` (inclusive) until `end` (exclusive).
public struct AbsencePeriod: Sendable, Equatable {
    public var start: Date
    public var end: Date
}

/// The registry of organisations and contact persons, indexed for matching.
///
/// A value: the broker holds one and swaps it whole on reload, so a match never sees half a map.
public struct SocialMap: Sendable {
    public let document: SocialMapDocument
    public let domains: Set<String>
    public let organizations: [String: Organization]
    public let contacts: [String: ContactPerson]
    /// Every contact in id order; the pools hold places in this array.
    let sortedContacts: [ContactPerson]
    /// The candidate pools matching starts from: places in `sortedContacts`, ascending, per domain and municipality
    /// (`"domain GM0344"`), with national contacts under `"domain *"`.
    let pools: [String: [Int32]]
    /// How many contacts work in each domain.
    let domainCounts: [String: Int]
    /// Each contact's absences as intervals, earliest first; contacts never away are missing.
    let absencePeriods: [String: [AbsencePeriod]]
    /// The principal each listed CURVE public key (Z85) belongs to.
    let keyOwners: [String: String]
    /// What matching reads per candidate, by place.
    let index: MatchIndex
    /// The pools again, laid out for matching's walk.
    let matchPools: MatchPools

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

    /// Parses and checks a social map document: its shape against social-map.schema.json, then its
    /// cross-references; throws the first problem (``problems(contentsOf:)`` lists them all).
    public init(data: Data) throws {
        let document = try Self.decode(data).get()
        try self.init(document: document)
    }

    /// The document in `data`, or the first problem of syntax or shape with its path.
    static func decode(_ data: Data) -> Result<SocialMapDocument, SocialMapError> {
        // A file that loads takes the shortcut (SocialMapReader.swift); any other takes the strict path below.
        if let document = SocialMapReader.read(data) { return .success(document) }
        return decodeStrictly(data)
    }

    /// ``decode(_:)`` without the shortcut: what finds and reports every problem of syntax or shape.
    static func decodeStrictly(_ data: Data) -> Result<SocialMapDocument, SocialMapError> {
        // The strict parser first: JSONDecoder alone would overflow the stack on a deeply
        // nested file and keep the last of two equal keys without a word. The parsed tree is then
        // decoded as it is, not parsed a second time.
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            return .failure(SocialMapError(path: "", message: error.message))
        }
        if let first = structuralProblems(json).first { return .failure(first) }
        do {
            return .success(try JSONValueDecoder.decode(SocialMapDocument.self, from: json))
        } catch let DecodingError.keyNotFound(key, context) {
            return .failure(
                SocialMapError(path: Self.path(context.codingPath + [key]), message: "required field is missing"))
        } catch let DecodingError.typeMismatch(_, context) {
            return .failure(
                SocialMapError(path: Self.path(context.codingPath), message: "wrong type: \(context.debugDescription)"))
        } catch let DecodingError.valueNotFound(_, context) {
            return .failure(SocialMapError(path: Self.path(context.codingPath), message: "value is missing"))
        } catch {
            return .failure(SocialMapError(path: "", message: "the social map is not valid JSON: \(error)"))
        }
    }

    /// Checks the cross-references of a document and builds the indexes; throws the first problem found
    /// (``problems(in:)`` lists them all).
    public init(document: SocialMapDocument) throws {
        let checked = Self.check(document)
        if let first = checked.problems.first { throw first }
        let sorted = document.contacts.sorted(by: { $0.id < $1.id })
        var pools: [String: [Int32]] = [:]
        var domainCounts: [String: Int] = [:]
        for (place, contact) in sorted.enumerated() {
            let served =
                contact.municipalities ?? checked.organizations[contact.organization]?.municipalities ?? []
            // A contact who serves everywhere is in the national pool only, so the pools of one domain never
            // overlap and matching can walk the local and the national one without merging them.
            let pooled = served.contains("*") ? ["*"] : served
            for d in contact.domains {
                domainCounts[d, default: 0] += 1
                for m in pooled { pools["\(d) \(m)", default: []].append(Int32(place)) }
            }
        }
        self.document = document
        self.domains = Set(document.domains.map(\.id))
        self.organizations = checked.organizations
        self.contacts = checked.contacts
        self.sortedContacts = sorted
        self.pools = pools
        self.domainCounts = domainCounts
        self.keyOwners = checked.keyOwners
        var periods: [String: [AbsencePeriod]] = [:]
        for contact in document.contacts {
            let list = (contact.absences ?? []).compactMap(\.interval).map {
                AbsencePeriod(start: $0.start, end: $0.end)
            }
            if !list.isEmpty { periods[contact.id] = list.sorted { $0.start < $1.start } }
        }
        self.absencePeriods = periods
        let index = MatchIndex(
            sorted: sorted, domainVocabulary: document.domains.map(\.id), absencePeriods: periods)
        self.index = index
        self.matchPools = MatchPools(pools: pools, index: index)
    }

    /// Every problem in a social map file, each with its JSON path and each once; empty when the file loads. A file
    /// that is not valid JSON yields that one problem; otherwise problems of shape, missing fields, wrong types and
    /// cross-references all come in one run (``allProblems(_:)``).
    public static func problems(contentsOf url: URL) -> [SocialMapError] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            return [
                SocialMapError(path: url.path, message: "cannot read the social map: \(error.localizedDescription)")
            ]
        }
        return problems(data: data)
    }

    /// Every problem in the bytes of a social map file (see ``problems(contentsOf:)``).
    public static func problems(data: Data) -> [SocialMapError] {
        if let document = SocialMapReader.read(data) { return problems(in: document) }
        return problemsStrictly(data: data)
    }

    /// ``problems(data:)`` without the shortcut.
    static func problemsStrictly(data: Data) -> [SocialMapError] {
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            return [SocialMapError(path: "", message: error.message)]
        }
        return allProblems(json)
    }

    /// Every cross-reference problem in a document, in file order.
    public static func problems(in document: SocialMapDocument) -> [SocialMapError] {
        check(document).problems
    }

    static func check(
        _ document: SocialMapDocument
    ) -> (
        problems: [SocialMapError], organizations: [String: Organization], contacts: [String: ContactPerson],
        keyOwners: [String: String]
    ) {
        var problems: [SocialMapError] = []
        var keyOwners: [String: String] = [:]
        var keyPaths: [String: String] = [:]
        /// A key identifies one principal: the same key for two of them would let one speak for the other.
        func register(_ keys: [String]?, of principal: String, at path: String) {
            for (j, key) in (keys ?? []).enumerated() {
                let keyPath = "\(path).public_keys[\(j)]"
                if let owner = keyOwners[key] {
                    if owner != principal {
                        problems.append(
                            SocialMapError(
                                path: keyPath,
                                message: "this key is already listed for \(owner) at \(keyPaths[key] ?? "?"); "
                                    + "a key identifies exactly one principal"))
                    }
                    continue
                }
                keyOwners[key] = principal
                keyPaths[key] = keyPath
            }
        }
        let domains = Set(document.domains.map(\.id))
        // Reserved up front: growing them one by one moved every contact several times.
        var organizations: [String: Organization] = [:]
        organizations.reserveCapacity(document.organizations.count)
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
            var serviceIDs: Set<String> = []
            for (j, service) in (org.services ?? []).enumerated() {
                if !serviceIDs.insert(service.id).inserted {
                    problems.append(
                        SocialMapError(
                            path: "\(path).services[\(j)].id", message: "\"\(service.id)\" appears twice"))
                }
                for d in service.domains where !org.domains.contains(d) {
                    problems.append(
                        SocialMapError(
                            path: "\(path).services[\(j)].domains",
                            message: "\"\(d)\" is not among the domains of \(org.id)"))
                }
            }
            organizations[org.id] = org
            register(org.publicKeys, of: org.id, at: path)
        }
        var contacts: [String: ContactPerson] = [:]
        contacts.reserveCapacity(document.contacts.count)
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
                        path: "\(path).organization", message: "no organization \"\(contact.organization)\" on the map")
                )
            }
            if contact.capacity <= 0 {
                problems.append(SocialMapError(path: "\(path).capacity", message: "must be at least 1"))
            }
            if let org = organizations[contact.organization], !org.municipalities.contains("*") {
                for (j, m) in (contact.municipalities ?? []).enumerated() where !org.municipalities.contains(m) {
                    problems.append(
                        SocialMapError(
                            path: "\(path).municipalities[\(j)]", message: "\(org.id) does not serve \(m)"))
                }
            }
            for (j, absence) in (contact.absences ?? []).enumerated() {
                if let interval = absence.interval, interval.end <= interval.start {
                    problems.append(
                        SocialMapError(path: "\(path).absences[\(j)]", message: "ends before it starts"))
                }
            }
            contacts[contact.id] = contact
            register(contact.publicKeys, of: contact.id, at: path)
        }
        for (i, contact) in document.contacts.enumerated() {
            guard let deputyID = contact.deputy else { continue }
            let path = "contacts[\(i)].deputy"
            guard let deputy = contacts[deputyID] else {
                problems.append(SocialMapError(path: path, message: "no contact \"\(deputyID)\" on the map"))
                continue
            }
            if deputyID == contact.id {
                problems.append(SocialMapError(path: path, message: "a contact cannot be their own deputy"))
                continue
            }
            let mine = (contact.absences ?? []).compactMap(\.interval)
            let theirs = (deputy.absences ?? []).compactMap(\.interval)
            if let clash = mine.first(where: { a in theirs.contains { b in a.start < b.end && b.start < a.end } }) {
                problems.append(
                    SocialMapError(
                        path: path,
                        message: "\(deputyID) is away too during the absence from \(RFC3339.format(clash.start))"))
            }
        }
        for (i, org) in document.organizations.enumerated() {
            if let coordinator = org.coordinator, contacts[coordinator]?.organization != org.id {
                problems.append(
                    SocialMapError(
                        path: "organizations[\(i)].coordinator",
                        message: "\"\(coordinator)\" is not a contact of \(org.id)"))
            }
        }
        problems += loginProblems(document.contacts)
        var deskIDs: Set<String> = []
        for (i, desk) in (document.desks ?? []).enumerated() {
            let path = "desks[\(i)]"
            if !deskIDs.insert(desk.id).inserted {
                problems.append(SocialMapError(path: "\(path).id", message: "\"\(desk.id)\" appears twice"))
            }
            for (j, org) in desk.organizations.enumerated() where organizations[org] == nil {
                problems.append(
                    SocialMapError(
                        path: "\(path).organizations[\(j)]", message: "no organization \"\(org)\" on the map"))
            }
            register(desk.publicKeys, of: desk.id, at: path)
            if let portal = desk.portal, document.portals?.contains(where: { $0.id == portal }) != true {
                problems.append(SocialMapError(path: "\(path).portal", message: "no portal \"\(portal)\" on the map"))
            }
        }
        var portalIDs: Set<String> = []
        for (i, portal) in (document.portals ?? []).enumerated() {
            if !portalIDs.insert(portal.id).inserted {
                problems.append(SocialMapError(path: "portals[\(i)].id", message: "\"\(portal.id)\" appears twice"))
            }
            register(portal.publicKeys, of: portal.id, at: "portals[\(i)]")
        }
        return (problems, organizations, contacts, keyOwners)
    }

    /// Whether `principal` (`org:…` or `contact:…`) is on the map.
    public func knows(principal: String) -> Bool {
        organizations[principal] != nil || contacts[principal] != nil
            || (principal.hasPrefix("portal:") && document.portals?.contains { $0.id == principal } == true)
    }

    /// The principal whose `public_keys` list the CURVE public key `key` (Z85), if any: who a peer proving that key
    /// is. The broker's ZAP handler asks this for every connection, so a key removed from the map stops working.
    public func principal(forKey key: String) -> String? {
        keyOwners[key]
    }

    /// Whether a peer authenticated as `authenticated` (by its key) may open a session as `principal`: as itself,
    /// or as a contact person of its own organisation when that organisation sets `adapter_acts_for_contacts`; a
    /// desk (``DeskAccess``) as a contact person of the organisations it serves.
    public func allowsSession(authenticated: String, as principal: String) -> Bool {
        if authenticated == principal { return knows(principal: principal) }
        if authenticated.hasPrefix("desk:") {
            guard let desk = document.desks?.first(where: { $0.id == authenticated }) else { return false }
            if principal.hasPrefix("portal:") { return desk.portal == principal && knows(principal: principal) }
            guard let contact = contacts[principal] else { return false }
            return desk.organizations.contains(contact.organization)
        }
        guard let organization = organizations[authenticated], organization.adapterActsForContacts == true,
            let contact = contacts[principal]
        else { return false }
        return contact.organization == authenticated
    }

    /// Every contact who serves `domain` in `municipality`, in stable id order.
    public func contacts(serving domain: String, in municipality: String) -> [ContactPerson] {
        places(serving: domain, in: municipality).map { sortedContacts[Int($0)] }
    }

    /// How many contacts work in `domain`, wherever.
    public func contactCount(in domain: String) -> Int {
        domainCounts[domain] ?? 0
    }

    /// The places in `sortedContacts` of the contacts serving `domain` in `municipality`: the local pool and the
    /// national one, which never share a contact. Each is ascending; together they are not.
    func pools(serving domain: String, in municipality: String) -> (local: [Int32], national: [Int32]) {
        (pools["\(domain) \(municipality)"] ?? [], pools["\(domain) *"] ?? [])
    }

    /// The places of ``pools(serving:in:)`` as one ascending list.
    func places(serving domain: String, in municipality: String) -> [Int32] {
        let (local, national) = pools(serving: domain, in: municipality)
        if national.isEmpty { return local }
        if local.isEmpty { return national }
        return (local + national).sorted()
    }

    /// Whether `contact` serves `municipality`: their own list when they have one, else their organisation's.
    public func serves(_ contact: ContactPerson, municipality: String) -> Bool {
        guard organizations[contact.organization]?.serves(municipality: municipality) == true else { return false }
        return contact.municipalities.map { $0.contains(municipality) } ?? true
    }

    /// The absence `contactID` is in at `moment`, if any.
    public func absence(of contactID: String, at moment: Date) -> AbsencePeriod? {
        absencePeriods[contactID]?.first { $0.start <= moment && moment < $0.end }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: ["."])
    }
}
