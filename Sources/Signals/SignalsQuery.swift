import Deadlines
import SchakelProtocol

/// What a signals report covers: a span of days in Europe/Amsterdam, cut into months or weeks, optionally narrowed
/// to some municipalities, domains, or the needs one organisation was involved in (a coordinator's own report).
///
/// Parsed from the admin request and the SRP/1 `SIGNALS` body alike, so both refuse the same mistakes with the same
/// words.
public struct SignalsQuery: Sendable, Equatable {
    /// How the report cuts time: calendar months, or ISO weeks (Monday to Sunday), both in Europe/Amsterdam.
    public enum Period: String, Sendable, CaseIterable {
        case month, week
    }

    /// The first and last day (inclusive) of the submissions counted.
    public var from: LocalDate
    public var to: LocalDate
    public var period: Period
    /// Empty: every municipality.
    public var municipalities: [String]
    /// Empty: every domain.
    public var domains: [String]
    /// When set, only the needs this organisation referred, was offered, held or declined.
    public var organisation: String?

    /// The longest span one report may cover: ten years of weeks is already more than a person can read.
    public static let maxDays = 3_700

    public init(
        from: LocalDate, to: LocalDate, period: Period = .month, municipalities: [String] = [], domains: [String] = [],
        organisation: String? = nil
    ) {
        self.from = from
        self.to = to
        self.period = period
        self.municipalities = municipalities
        self.domains = domains
        self.organisation = organisation
    }

    /// Reads `from`, `to`, `period`, `municipalities` and `domains` from a request object. The error is one
    /// sentence that says what to send instead.
    public init(json request: JSONValue) throws(SignalsQueryError) {
        guard let fromText = request["from"]?.stringValue, let from = LocalDate(iso: fromText) else {
            throw SignalsQueryError("signals needs \"from\": the first day as YYYY-MM-DD, such as 2026-01-01")
        }
        guard let toText = request["to"]?.stringValue, let to = LocalDate(iso: toText) else {
            throw SignalsQueryError("signals needs \"to\": the last day as YYYY-MM-DD, such as 2026-12-31")
        }
        guard from <= to else {
            throw SignalsQueryError("signals \"from\" must not be after \"to\": swap the two dates")
        }
        guard to.dayNumber - from.dayNumber < Self.maxDays else {
            throw SignalsQueryError("signals covers at most \(Self.maxDays) days: ask for a shorter span")
        }
        var period = Period.month
        if let value = request["period"] {
            guard let text = value.stringValue, let chosen = Period(rawValue: text) else {
                throw SignalsQueryError("signals \"period\" must be \"month\" or \"week\"")
            }
            period = chosen
        }
        func list(_ name: String, _ pattern: Regex<Substring>, _ example: String) throws(SignalsQueryError) -> [String]
        {
            guard let value = request[name] else { return [] }
            guard let items = value.arrayValue, items.count <= 100 else {
                throw SignalsQueryError("signals \"\(name)\" must be a list of at most 100 codes such as \(example)")
            }
            var codes: [String] = []
            for item in items {
                guard let code = item.stringValue, code.wholeMatch(of: pattern) != nil else {
                    throw SignalsQueryError("signals \"\(name)\" must be a list of codes such as \(example)")
                }
                codes.append(code)
            }
            return codes
        }
        self.init(
            from: from, to: to, period: period,
            municipalities: try list("municipalities", /GM[0-9]{4}/, "\"GM0344\""),
            domains: try list("domains", /[a-z][a-z_]{0,39}/, "\"debt\""))
    }

    /// The request's own fields as the reply repeats them.
    public var json: [String: JSONValue] {
        var fields: [String: JSONValue] = [
            "from": .string(from.description), "to": .string(to.description), "period": .string(period.rawValue),
        ]
        if !municipalities.isEmpty { fields["municipalities"] = .array(municipalities.map { .string($0) }) }
        if !domains.isEmpty { fields["domains"] = .array(domains.map { .string($0) }) }
        if let organisation { fields["organisation"] = .string(organisation) }
        return fields
    }

    /// Whether a need submitted on `day` in `municipality` and `domain` is counted.
    func includes(day: LocalDate, municipality: String, domain: String) -> Bool {
        from <= day && day <= to && (municipalities.isEmpty || municipalities.contains(municipality))
            && (domains.isEmpty || domains.contains(domain))
    }
}

/// A signals request that cannot be answered as it stands, in one sentence that says what to send.
public struct SignalsQueryError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
