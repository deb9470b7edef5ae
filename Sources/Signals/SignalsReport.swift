import SchakelProtocol

/// A signals report: where referrals stall, per period, domain and municipality, as tables whose small rows are
/// hidden (``Suppression``). What the admin command `signals` answers and what `schakelctl signals` renders as text,
/// CSV or HTML.
public struct SignalsReport: Sendable, Equatable {
    public var query: SignalsQuery
    /// Every period of the span, in order, empty ones included.
    public var periods: [String]
    /// When the daemon made it (RFC 3339, UTC).
    public var generatedAt: String
    public var tables: [SignalsTable]
    /// What the social map calls the codes in the tables, for people: `domains` (Dutch labels), `municipalities`
    /// and `organisations` (names). Public facts of the map, never about a citizen.
    public var labels: [String: [String: String]] = [:]

    public init(query: SignalsQuery, periods: [String], generatedAt: String, tables: [SignalsTable]) {
        self.query = query
        self.periods = periods
        self.generatedAt = generatedAt
        self.tables = tables
    }

    /// The label of `code` in `kind` (`domains`, `municipalities`, `organisations`), or the code itself.
    public func label(_ kind: String, _ code: String) -> String {
        labels[kind]?[code] ?? code
    }

    /// The table called `name`; an empty one when the report has none (an older daemon).
    public func table(_ name: String) -> SignalsTable {
        tables.first { $0.name == name } ?? SignalsTable(name: name, keys: [], figures: [])
    }

    /// The tables in the order a person reads them: the overview first, the full breakdown last.
    public static let order = [
        "needs_by_domain", "needs_by_period", "gaps", "declines", "declines_by_organisation", "acknowledgement",
        "nazorg_by_domain", "nazorg", "nazorg_citizen", "needs",
    ]

    /// The reply's fields (schemas/admin/signals.reply.schema.json).
    public var json: [String: JSONValue] {
        query.json.merging([
            "threshold": .number(Double(Suppression.threshold)), "generated_at": .string(generatedAt),
            "periods": .array(periods.map { .string($0) }),
            "tables": .object(Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0.json) })),
            "labels": .object(labels.mapValues { .object($0.mapValues { .string($0) }) }),
        ]) { $1 }
    }

    /// Reads a report from the reply; throws a sentence when the reply is not one.
    public init(json: JSONValue) throws(SignalsQueryError) {
        query = try SignalsQuery(json: json)
        query.organisation = json["organisation"]?.stringValue
        periods = json["periods"]?.arrayValue?.compactMap(\.stringValue) ?? []
        generatedAt = json["generated_at"]?.stringValue ?? ""
        let fields = json["tables"]?.objectValue ?? [:]
        tables = Self.order.compactMap { name in fields[name].flatMap { SignalsTable(name: name, json: $0) } }
        labels = (json["labels"]?.objectValue ?? [:]).mapValues {
            ($0.objectValue ?? [:]).compactMapValues(\.stringValue)
        }
    }
}
