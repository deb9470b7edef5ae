import Foundation
import SchakelProtocol

/// An Open Referral HSDS 3.x publication as flat tables, whichever form it came in: each record is its scalar
/// fields as text (`id`, `name`, `service_id`, …), with the links between records as the `…_id` fields of the
/// tabular form. Both forms are read into this, so that one mapping serves both and they import the same.
public struct HSDSTables: Sendable, Equatable {
    /// The tables the importer reads, by their HSDS names; any other table of the publication is ignored.
    public static let names = [
        "organization", "service", "service_area", "service_at_location", "contact", "phone", "language",
        "attribute", "taxonomy_term",
    ]

    /// Records per table, in the order first seen; one record per id (the first wins).
    public private(set) var tables: [String: [[String: String]]] = [:]
    private var seen: Set<String> = []

    public init() {}

    public subscript(table: String) -> [[String: String]] { tables[table] ?? [] }

    /// Adds a record, unless the table already has one with its id.
    public mutating func add(_ table: String, _ record: [String: String]) {
        if let id = record["id"], !seen.insert("\(table) \(id)").inserted { return }
        tables[table, default: []].append(record)
    }

    public static func == (a: HSDSTables, b: HSDSTables) -> Bool { a.tables == b.tables }

    // MARK: The tabular form

    /// The tables of a tabular data package: `datapackage.json` names each resource and its path; `read` gives the
    /// bytes of a path relative to the package (nil when the file is missing). A resource the package does not list
    /// is looked for as `NAME.csv`.
    public static func tabular(datapackage: Data, read: (String) -> Data?) throws(HSDSImport.Failure) -> HSDSTables {
        let package: JSONValue
        do {
            package = try JSONValue.parse(datapackage)
        } catch {
            throw HSDSImport.Failure("datapackage.json is not valid JSON: \(error.message)")
        }
        var paths: [String: String] = [:]
        for resource in package["resources"]?.arrayValue ?? [] {
            guard let name = resource["name"]?.stringValue, let path = resource["path"]?.stringValue else { continue }
            paths[name] = path
        }
        var result = HSDSTables()
        var missing: [String] = []
        for name in names {
            let path = paths[name] ?? paths["\(name)s"] ?? "\(name).csv"
            guard let data = read(path) else {
                if required.contains(name) { missing.append("\(name) (\(path))") }
                continue
            }
            do {
                for record in try CSV.records(data) { result.add(name, record) }
            } catch {
                throw HSDSImport.Failure("\(path): \(error)")
            }
        }
        guard missing.isEmpty else {
            throw HSDSImport.Failure(
                "the data package has no table " + missing.joined(separator: ", ")
                    + ": list it as a resource of that name in datapackage.json or put NAME.csv beside it; "
                    + "without it no organisation can be mapped")
        }
        return result
    }

    /// The tables without which no organisation or contact can be mapped: a package missing one would import
    /// nothing, so it is refused with the table's name instead.
    public static let required: Set<String> = ["organization", "service", "service_area", "contact"]

    // MARK: The JSON form

    /// Where the JSON form nests one table in another: the array field, the child table, and the child's field that
    /// names the parent.
    static let nesting: [String: [(field: String, table: String, link: String)]] = [
        "organization": [
            ("services", "service", "organization_id"), ("contacts", "contact", "organization_id"),
            ("phones", "phone", "organization_id"), ("attributes", "attribute", "link_id"),
        ],
        "service": [
            ("contacts", "contact", "service_id"), ("phones", "phone", "service_id"),
            ("languages", "language", "service_id"), ("service_areas", "service_area", "service_id"),
            ("service_at_locations", "service_at_location", "service_id"), ("attributes", "attribute", "link_id"),
        ],
        "service_at_location": [
            ("service_areas", "service_area", "service_at_location_id"),
            ("contacts", "contact", "service_at_location_id"), ("phones", "phone", "service_at_location_id"),
        ],
        "contact": [("phones", "phone", "contact_id")],
        "phone": [("languages", "language", "phone_id")],
    ]

    /// The tables of the JSON form, as the HSDS 3.0 API serves it: organizations with their services nested
    /// (`/organizations?full_service=true`: an array, `{"organizations": [...]}` or a page `{"contents": [...]}`),
    /// or services with their organization nested (`/services`: a page `{"contents": [...]}`, an array or
    /// `{"services": [...]}`). Each record is read as what it is, so both endpoints import the same.
    public static func json(_ data: Data) throws(HSDSImport.Failure) -> HSDSTables {
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw HSDSImport.Failure("the HSDS JSON is not valid JSON: \(error.message)")
        }
        guard
            let records = json.arrayValue ?? json["contents"]?.arrayValue ?? json["organizations"]?.arrayValue
                ?? json["services"]?.arrayValue
        else {
            throw HSDSImport.Failure(
                "expected the HSDS API's organizations or services: an array, a page {\"contents\": [...]}, "
                    + "{\"organizations\": [...]} or {\"services\": [...]}")
        }
        var result = HSDSTables()
        for record in records {
            if isService(record) {
                result.flattenService(record)
            } else {
                result.flatten("organization", record, parent: nil)
            }
        }
        return result
    }

    /// A service of `/services` rather than an organization: it nests its `organization`, or names one by
    /// `organization_id` (an organization has no `organization_id` and nests `services` instead).
    static func isService(_ record: JSONValue) -> Bool {
        if record["organization"]?.objectValue != nil { return true }
        return record["organization_id"]?.stringValue != nil && record["services"] == nil
    }

    /// A `/services` record: its nested organization (once per id, however many services share it), then the
    /// service itself linked to it.
    private mutating func flattenService(_ service: JSONValue) {
        var organizationID = service["organization_id"]?.stringValue
        if let organization = service["organization"], organization.objectValue != nil {
            flatten("organization", organization, parent: nil)
            organizationID = organizationID ?? organization["id"]?.stringValue
        }
        flatten("service", service, parent: organizationID.map { ("organization_id", $0) })
    }

    private mutating func flatten(_ table: String, _ value: JSONValue, parent: (link: String, id: String)?) {
        guard let fields = value.objectValue else { return }
        var record: [String: String] = [:]
        for (key, field) in fields {
            switch field {
            case .string(let s) where !s.isEmpty: record[key] = s
            case .number(let n): record[key] = n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
            case .bool(let b): record[key] = b ? "true" : "false"
            default: break
            }
        }
        if let parent, record[parent.link] == nil { record[parent.link] = parent.id }
        if table == "attribute", let term = fields["taxonomy_term"], term.objectValue != nil {
            if record["taxonomy_term_id"] == nil, let id = term["id"]?.stringValue { record["taxonomy_term_id"] = id }
            flatten("taxonomy_term", term, parent: nil)
        }
        add(table, record)
        guard let id = record["id"] else { return }
        for (field, child, link) in Self.nesting[table] ?? [] {
            for item in fields[field]?.arrayValue ?? [] { flatten(child, item, parent: (link, id)) }
        }
    }
}
