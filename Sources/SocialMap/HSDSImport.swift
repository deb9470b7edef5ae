import Foundation

/// Turns an Open Referral HSDS 3.x publication into a social map, and says what it could not map.
///
/// The mapping (Protocols/HSDS-IMPORT.md):
/// - **Domains** of a service: the codes of its taxonomy terms (through `attribute`) that are in the vocabulary;
///   else keywords (Dutch and English) in those terms' names; else keywords in the service's name. A service with
///   no domain is reported and left out.
/// - **Municipalities**: a `service_area` (of the service, or of one of its `service_at_location`s) is the CBS code
///   (`GM` and four digits) in its `uri`, `extent` or `name`, or national (`*`) when it is named Nederland,
///   Netherlands or landelijk. Anything else is reported; a service left with no area is reported and left out.
/// - **Organisations** keep the services that map: their municipalities and domains are the union of those
///   services'; `phone` is the organisation's first phone, `last_verified` the latest `assured_date`. An
///   organisation with no service that maps is reported and left out.
/// - **Contact persons** are the HSDS contacts of a mapped service (directly or through `service_at_location`),
///   with the service's domains, and its municipalities (those of their `service_at_location` when it has areas of
///   its own) when narrower than the organisation's. The direct phone is the contact's own phone, else the
///   service's, else the organisation's (which `socialmap check` then warns about); languages are the codes of the contact's phones' languages, else the service's, else `nl`. HSDS has no
///   capacity: every contact gets ``defaultCapacity``. A contact without a service (no domain), name, phone or
///   e-mail is reported and left out.
/// - **Ids** are `org:` and `contact:` with a slug of the name (`-2`, `-3` when names repeat), assigned in HSDS id
///   order, so that both forms of a publication import to the same map.
public enum HSDSImport {
    /// Why a publication could not be read at all.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// One thing left out: the HSDS table and id it came from, and why.
    public struct Note: Sendable, Equatable, CustomStringConvertible {
        public var table: String
        public var id: String
        public var message: String
        public var description: String { "\(table) \(id): \(message)" }
    }

    /// The map, and everything that did not make it into the map.
    public struct Result: Sendable {
        public var document: SocialMapDocument
        public var notes: [Note]
    }

    /// HSDS says nothing about how many referrals a person can hold: a modest default, to adjust in the map.
    public static let defaultCapacity = 5

    /// The project's domain vocabulary, as in Config/social-map.demo.json.
    public static let vocabulary: [SocialMapDocument.Domain] = [
        .init(id: "debt", labelNL: "Schulden", labelEN: "Debt"),
        .init(id: "income", labelNL: "Inkomen", labelEN: "Income"),
        .init(id: "benefits", labelNL: "Uitkeringen en toeslagen", labelEN: "Benefits"),
        .init(id: "housing", labelNL: "Wonen", labelEN: "Housing"),
        .init(id: "care", labelNL: "Zorg en ondersteuning", labelEN: "Care"),
        .init(id: "youth", labelNL: "Jeugd en gezin", labelEN: "Youth and family"),
        .init(id: "legal", labelNL: "Juridisch", labelEN: "Legal"),
        .init(id: "work", labelNL: "Werk", labelEN: "Work"),
        .init(id: "health", labelNL: "Gezondheid", labelEN: "Health"),
        .init(id: "education", labelNL: "Onderwijs", labelEN: "Education"),
    ]

    /// Lower-case fragments of taxonomy term and service names, per domain.
    public static let keywords: [(domain: String, fragments: [String])] = [
        ("debt", ["schuld", "debt", "budgetbeheer", "geldzorgen"]),
        ("income", ["inkomen", "income", "financial"]),
        ("benefits", ["uitkering", "toeslag", "bijstand", "benefit"]),
        ("housing", ["wonen", "woning", "woon", "huisvesting", "huur", "dakloos", "housing", "homeless", "shelter"]),
        ("care", ["wmo", "mantelzorg", "thuiszorg", "dagbesteding", "ondersteuning", "home care", "social care"]),
        ("youth", ["jeugd", "gezin", "youth", "family", "children"]),
        ("legal", ["juridisch", "rechtshulp", "advocaat", "legal", "law "]),
        ("work", ["werk", "re-integratie", "employment", "job"]),
        ("health", ["gezondheid", "huisarts", "ggz", "health", "medical", "mental"]),
        ("education", ["onderwijs", "school", "education", "inburgering"]),
    ]

    static let nationalNames: Set<String> = ["nederland", "netherlands", "the netherlands", "landelijk", "national"]

    /// The social map for `tables`, named `name`.
    public static func map(_ tables: HSDSTables, name: String) -> Result {
        var notes: [Note] = []
        func note(_ table: String, _ record: [String: String], _ message: String) {
            let label = record["name"].map { " \"\($0)\"" } ?? ""
            notes.append(Note(table: table, id: "\(record["id"] ?? "?")\(label)", message: message))
        }
        func sorted(_ table: String) -> [[String: String]] {
            tables[table].sorted { ($0["id"] ?? "") < ($1["id"] ?? "") }
        }
        func grouped(_ table: String, by link: String) -> [String: [[String: String]]] {
            Dictionary(grouping: sorted(table).filter { $0[link] != nil }, by: { $0[link]! })
        }
        let terms = Dictionary(tables["taxonomy_term"].compactMap { t in t["id"].map { ($0, t) } }) { a, _ in a }
        let attributes = grouped("attribute", by: "link_id")
        let areasByService = grouped("service_area", by: "service_id")
        let areasByPlace = grouped("service_area", by: "service_at_location_id")
        let places = sorted("service_at_location")
        let serviceOfPlace = Dictionary(places.compactMap { p in p["id"].map { ($0, p["service_id"]) } }) { a, _ in a }
        let phonesByContact = grouped("phone", by: "contact_id")
        let phonesByService = grouped("phone", by: "service_id")
        let phonesByOrganization = grouped("phone", by: "organization_id")
        let languagesByPhone = grouped("language", by: "phone_id")
        let languagesByService = grouped("language", by: "service_id")
        var municipalityNames: [String: String] = [:]

        // Services: domains and areas.
        struct MappedService {
            var record: [String: String]
            var domains: [String]
            var municipalities: [String]
        }
        var services: [String: MappedService] = [:]
        var servicesByOrganization: [String: [MappedService]] = [:]
        for service in sorted("service") {
            guard let id = service["id"], let organization = service["organization_id"] else {
                note("service", service, "no id or organization_id")
                continue
            }
            if let status = service["status"]?.lowercased(), ["inactive", "defunct"].contains(status) {
                note("service", service, "status \(status)")
                continue
            }
            let domains = domains(
                of: service, terms: (attributes[id] ?? []).compactMap { $0["taxonomy_term_id"].flatMap { terms[$0] } })
            guard !domains.isEmpty else {
                note("service", service, "no domain: no taxonomy term or name that maps to the vocabulary")
                continue
            }
            var areas = areasByService[id] ?? []
            for place in places where place["service_id"] == id {
                areas += place["id"].flatMap { areasByPlace[$0] } ?? []
            }
            var codes: Set<String> = []
            for area in areas {
                guard let code = municipality(of: area) else {
                    note("service_area", area, "not a CBS municipality code (GM and four digits) nor national")
                    continue
                }
                codes.insert(code)
                if code != "*", municipalityNames[code] == nil {
                    municipalityNames[code] = municipalityName(area, code: code)
                }
            }
            guard !codes.isEmpty else {
                note("service", service, "no service area that maps to a municipality")
                continue
            }
            let mapped = MappedService(
                record: service, domains: domains, municipalities: codes.contains("*") ? ["*"] : codes.sorted())
            services[id] = mapped
            servicesByOrganization[organization, default: []].append(mapped)
        }

        // Organisations.
        var organizations: [Organization] = []
        var organizationIDs: [String: String] = [:]  // HSDS id → org:…
        var organizationRecords: [String: [String: String]] = [:]
        var taken: Set<String> = []
        for record in sorted("organization") {
            guard let hsdsID = record["id"], let name = record["name"] else {
                note("organization", record, "no id or name")
                continue
            }
            guard let offered = servicesByOrganization[hsdsID], !offered.isEmpty else {
                note("organization", record, "no service that maps (see the services above)")
                continue
            }
            let id = unique("org:", slug(name), &taken)
            organizationIDs[hsdsID] = id
            organizationRecords[hsdsID] = record
            var serviceIDs: Set<String> = []
            let all = Set(offered.flatMap(\.municipalities))
            let verified = offered.compactMap { $0.record["assured_date"].flatMap(date) }.max()
            organizations.append(
                Organization(
                    id: id, name: name, kind: "provider", municipalities: all.contains("*") ? ["*"] : all.sorted(),
                    domains: vocabulary.map(\.id).filter { d in offered.contains { $0.domains.contains(d) } },
                    phone: phonesByOrganization[hsdsID]?.first.flatMap(phoneNumber), email: record["email"],
                    services: offered.map { service in
                        Service(
                            id: unique("", slug(service.record["name"] ?? "service"), &serviceIDs),
                            name: service.record["name"] ?? "service", domains: service.domains,
                            description: service.record["description"])
                    },
                    lastVerified: verified))
        }

        // Contact persons.
        var contacts: [ContactPerson] = []
        for record in sorted("contact") {
            let serviceID =
                record["service_id"] ?? record["service_at_location_id"].flatMap { serviceOfPlace[$0] ?? nil }
            guard let serviceID else {
                note("contact", record, "no domain: linked to no service")
                continue
            }
            guard let service = services[serviceID],
                let organizationHSDS = service.record["organization_id"],
                let organizationID = organizationIDs[organizationHSDS],
                let organization = organizations.first(where: { $0.id == organizationID })
            else {
                note("contact", record, "its service \(serviceID) was left out")
                continue
            }
            guard let name = record["name"] else {
                note("contact", record, "no name: a contact person must be someone")
                continue
            }
            let ownPhones = record["id"].flatMap { phonesByContact[$0] } ?? []
            let phone =
                ownPhones.first.flatMap(phoneNumber) ?? phonesByService[serviceID]?.first.flatMap(phoneNumber)
                ?? organization.phone
            guard let phone else {
                note("contact", record, "no phone: not the contact's, the service's nor the organisation's")
                continue
            }
            guard
                let email = record["email"] ?? service.record["email"]
                    ?? organizationRecords[organizationHSDS]?["email"]
            else {
                note("contact", record, "no e-mail address: not the contact's, the service's nor the organisation's")
                continue
            }
            var languages: [String] = []
            let spoken =
                ownPhones.flatMap { $0["id"].flatMap { languagesByPhone[$0] } ?? [] }.nilIfEmpty
                ?? languagesByService[serviceID] ?? []
            for language in spoken {
                guard let code = language["code"]?.lowercased(), SocialMap.isLanguage(code) else { continue }
                if !languages.contains(code) { languages.append(code) }
            }
            // Someone at one location of the service serves that location's areas, when it has its own.
            var served = service.municipalities
            if let place = record["service_at_location_id"] {
                let own = (areasByPlace[place] ?? []).compactMap(municipality(of:))
                if !own.isEmpty { served = own.contains("*") ? ["*"] : Set(own).sorted() }
            }
            let narrower = served != organization.municipalities && !served.contains("*")
            contacts.append(
                ContactPerson(
                    id: unique("contact:", slug(name), &taken), organization: organizationID, name: name,
                    role: record["title"], phone: phone, email: email, domains: service.domains,
                    municipalities: narrower ? served : nil,
                    languages: languages.isEmpty ? ["nl"] : languages, capacity: defaultCapacity,
                    lastVerified: service.record["assured_date"].flatMap(date)))
        }

        let document = SocialMapDocument(
            version: 1, name: name,
            description: "Imported from an Open Referral HSDS 3.x publication by schakelctl socialmap import-hsds.",
            domains: vocabulary,
            municipalities: municipalityNames.keys.sorted().map {
                SocialMapDocument.Municipality(code: $0, name: municipalityNames[$0]!)
            },
            organizations: organizations.sorted { $0.id < $1.id }, contacts: contacts.sorted { $0.id < $1.id })
        return Result(document: document, notes: notes)
    }

    /// The domains of a service, in vocabulary order: its terms' codes, else keywords in its terms, else in its name.
    static func domains(of service: [String: String], terms: [[String: String]]) -> [String] {
        let ids = Set(vocabulary.map(\.id))
        let coded = Set(terms.compactMap { $0["code"]?.lowercased() }.filter(ids.contains))
        if !coded.isEmpty { return vocabulary.map(\.id).filter(coded.contains) }
        for texts in [terms.compactMap { $0["name"] }, [service["name"], service["alternate_name"]].compactMap { $0 }] {
            let text = " " + texts.joined(separator: " ").lowercased() + " "
            let found = keywords.filter { $0.fragments.contains { text.contains($0) } }.map(\.domain)
            if !found.isEmpty { return found }
        }
        return []
    }

    /// The CBS code or `*` a service area stands for, or nil.
    static func municipality(of area: [String: String]) -> String? {
        for field in ["uri", "extent", "name"] {
            if let text = area[field], let code = cbsCode(in: text) { return code }
        }
        for field in ["name", "extent"] {
            if let text = area[field]?.lowercased().trimmingCharacters(in: .whitespaces), nationalNames.contains(text) {
                return "*"
            }
        }
        return nil
    }

    /// The first `GM` followed by exactly four digits in `text`.
    static func cbsCode(in text: String) -> String? {
        let b = Array(text.utf8)
        guard b.count >= 6 else { return nil }
        for i in 0...(b.count - 6) where b[i] == UInt8(ascii: "G") && b[i + 1] == UInt8(ascii: "M") {
            let digits = b[(i + 2)..<(i + 6)]
            let after = i + 6 < b.count ? b[i + 6] : UInt8(ascii: " ")
            if digits.allSatisfy({ (0x30...0x39).contains($0) }) && !(0x30...0x39).contains(after) {
                return String(decoding: b[i..<(i + 6)], as: UTF8.self)
            }
        }
        return nil
    }

    /// The area's name without the code in it ("Utrecht (GM0344)" → "Utrecht"), or the code.
    static func municipalityName(_ area: [String: String], code: String) -> String {
        let name = (area["name"] ?? "").replacingOccurrences(of: code, with: "")
            .trimmingCharacters(in: CharacterSet(charactersIn: " ()-,:"))
        return name.isEmpty ? code : name
    }

    static func phoneNumber(_ phone: [String: String]) -> String? {
        guard let number = phone["number"]?.trimmingCharacters(in: .whitespaces), !number.isEmpty else { return nil }
        return phone["extension"].map { "\(number) ext. \($0)" } ?? number
    }

    /// `YYYY-MM-DD` from an HSDS date or date-time.
    static func date(_ text: String) -> String? {
        let day = String(text.prefix(10))
        return SocialMap.isDate(day) ? day : nil
    }

    /// Lower-case ASCII letters, digits and single hyphens: "Stichting Schuldhulp Lekstroom" → "stichting-…".
    static func slug(_ text: String) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        var out = ""
        for scalar in folded.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else if !out.isEmpty, !out.hasSuffix("-") {
                out.append("-")
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "x" : String(out.prefix(90))
    }

    /// `prefix + base`, or with `-2`, `-3`, … when that is taken.
    static func unique(_ prefix: String, _ base: String, _ taken: inout Set<String>) -> String {
        var candidate = prefix + base
        var n = 2
        while taken.contains(candidate) {
            candidate = "\(prefix)\(base)-\(n)"
            n += 1
        }
        taken.insert(candidate)
        return candidate
    }
}

extension Array {
    fileprivate var nilIfEmpty: Self? { isEmpty ? nil : self }
}
