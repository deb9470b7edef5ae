import Foundation
import SchakelProtocol

/// The deadline policy from `Config/policy.json`: a business calendar, a policy per urgency,
/// and per-organisation overrides of any of its fields.
public struct Policy: Sendable {
    public var calendar: BusinessCalendar
    public var perUrgency: [Urgency: UrgencyPolicy]
    /// Keyed by organisation id (`org:…`): the receiving organisation's own promises.
    public var overrides: [String: [Urgency: UrgencyPolicy]]

    public static let standard = Policy(
        calendar: .standard,
        perUrgency: Dictionary(uniqueKeysWithValues: Urgency.allCases.map { ($0, UrgencyPolicy.standard($0)) }),
        overrides: [:])

    public init(
        calendar: BusinessCalendar, perUrgency: [Urgency: UrgencyPolicy], overrides: [String: [Urgency: UrgencyPolicy]]
    ) {
        self.calendar = calendar
        self.perUrgency = perUrgency
        self.overrides = overrides
    }

    /// The policy that applies to a handover of `urgency` offered to `organisation`.
    public func policy(for urgency: Urgency, organisation: String) -> UrgencyPolicy {
        overrides[organisation]?[urgency] ?? perUrgency[urgency] ?? UrgencyPolicy.standard(urgency)
    }

    /// Reads a policy document; every error names its JSON path.
    public init(data: Data) throws(PolicyError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(data)
        } catch {
            throw PolicyError(path: "", message: "not valid JSON")
        }
        guard case .object(let root) = json else { throw PolicyError(path: "", message: "must be a JSON object") }
        try Self.only(root, ["calendar", "urgency", "organisations", "comment"], at: "")
        let calendar = try Self.calendar(root["calendar"])
        var perUrgency: [Urgency: UrgencyPolicy] = [:]
        for urgency in Urgency.allCases {
            perUrgency[urgency] = try Self.urgencyPolicy(
                root["urgency"]?[urgency.rawValue], base: .standard(urgency), at: "urgency.\(urgency.rawValue)")
        }
        if let extra = root["urgency"]?.objectValue?.keys.sorted().first(where: { Urgency(rawValue: $0) == nil }) {
            throw PolicyError(path: "urgency.\(extra)", message: "unknown urgency; use crisis, urgent or normal")
        }
        var overrides: [String: [Urgency: UrgencyPolicy]] = [:]
        for (org, value) in (root["organisations"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard org.hasPrefix("org:") else {
                throw PolicyError(path: "organisations.\(org)", message: "must be an organisation id such as org:x")
            }
            guard case .object(let perOrg) = value else {
                throw PolicyError(path: "organisations.\(org)", message: "must be an object per urgency")
            }
            for key in perOrg.keys.sorted() {
                guard let urgency = Urgency(rawValue: key) else {
                    throw PolicyError(path: "organisations.\(org).\(key)", message: "unknown urgency")
                }
                overrides[org, default: [:]][urgency] = try Self.urgencyPolicy(
                    perOrg[key], base: perUrgency[urgency] ?? .standard(urgency), at: "organisations.\(org).\(key)")
            }
        }
        self.init(calendar: calendar, perUrgency: perUrgency, overrides: overrides)
    }

    private static func only(_ object: [String: JSONValue], _ allowed: Set<String>, at path: String) throws(PolicyError)
    {
        if let extra = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PolicyError(path: path.isEmpty ? extra : "\(path).\(extra)", message: "unknown setting")
        }
    }

    /// A duration setting; `zeroAllowed` for the one that may say "at once" (`PT0S`).
    private static func duration(
        _ value: JSONValue?, _ fallback: ISODuration, at path: String, zeroAllowed: Bool = false
    ) throws(PolicyError) -> ISODuration {
        guard let value else { return fallback }
        guard let text = value.stringValue, let d = ISODuration(text), d.seconds > 0 || (zeroAllowed && d.seconds == 0)
        else {
            throw PolicyError(
                path: path,
                message: zeroAllowed
                    ? "must be an ISO 8601 duration such as PT4H or P2D, or PT0S for at once"
                    : "must be a positive ISO 8601 duration such as PT8H or P3D")
        }
        return d
    }

    private static func urgencyPolicy(_ value: JSONValue?, base: UrgencyPolicy, at path: String) throws(PolicyError)
        -> UrgencyPolicy
    {
        guard let value else { return base }
        guard case .object(let o) = value else { throw PolicyError(path: path, message: "must be an object") }
        try only(
            o,
            [
                "acknowledge_within", "acknowledge_clock", "reminder_at", "max_reroutes", "first_contact_within",
                "nazorg_after", "nazorg_answer_within", "escalate_waiting_after", "escalate_every",
                "first_contact_grace",
            ], at: path)
        var p = base
        p.acknowledgeWithin = try duration(
            o["acknowledge_within"], base.acknowledgeWithin, at: "\(path).acknowledge_within")
        if let clock = o["acknowledge_clock"] {
            guard let text = clock.stringValue, let parsed = BusinessCalendar.Clock(rawValue: text) else {
                throw PolicyError(path: "\(path).acknowledge_clock", message: "must be \"business\" or \"wall\"")
            }
            p.acknowledgeClock = parsed
        }
        if let fraction = o["reminder_at"] {
            guard let f = fraction.numberValue, f > 0, f < 1 else {
                throw PolicyError(path: "\(path).reminder_at", message: "must be a fraction between 0 and 1")
            }
            p.reminderAt = f
        }
        if let reroutes = o["max_reroutes"] {
            guard let n = reroutes.numberValue, n >= 0, n.rounded() == n, n <= 20 else {
                throw PolicyError(path: "\(path).max_reroutes", message: "must be a whole number from 0 to 20")
            }
            p.maxReroutes = Int(n)
        }
        p.firstContactWithin = try duration(
            o["first_contact_within"], base.firstContactWithin, at: "\(path).first_contact_within")
        p.nazorgAfter = try duration(o["nazorg_after"], base.nazorgAfter, at: "\(path).nazorg_after")
        p.nazorgAnswerWithin = try duration(
            o["nazorg_answer_within"], base.nazorgAnswerWithin, at: "\(path).nazorg_answer_within")
        p.escalateWaitingAfter = try duration(
            o["escalate_waiting_after"], base.escalateWaitingAfter, at: "\(path).escalate_waiting_after",
            zeroAllowed: true)
        p.escalateEvery = try duration(o["escalate_every"], base.escalateEvery, at: "\(path).escalate_every")
        p.firstContactGrace = try duration(
            o["first_contact_grace"], base.firstContactGrace, at: "\(path).first_contact_grace")
        return p
    }

    private static func clockTime(_ value: JSONValue?, _ fallback: Int, at path: String) throws(PolicyError) -> Int {
        guard let value else { return fallback }
        let parts = value.stringValue?.split(separator: ":").compactMap { Int($0) } ?? []
        guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else {
            throw PolicyError(path: path, message: "must be a time of day such as 09:00")
        }
        return parts[0] * 60 + parts[1]
    }

    private static func calendar(_ value: JSONValue?) throws(PolicyError) -> BusinessCalendar {
        var calendar = BusinessCalendar.standard
        guard let value else { return calendar }
        guard case .object(let o) = value else { throw PolicyError(path: "calendar", message: "must be an object") }
        try only(o, ["time_zone", "working_days", "opens", "closes", "liberation_day", "closing_days"], at: "calendar")
        if let zone = o["time_zone"] {
            guard let id = zone.stringValue, let tz = TimeZone(identifier: id) else {
                throw PolicyError(
                    path: "calendar.time_zone", message: "must be an IANA time zone such as Europe/Amsterdam")
            }
            calendar.timeZone = tz
        }
        if let days = o["working_days"] {
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            var set: Set<Int> = []
            for (i, day) in (days.arrayValue ?? []).enumerated() {
                guard let name = day.stringValue, let index = names.firstIndex(of: name) else {
                    throw PolicyError(
                        path: "calendar.working_days[\(i)]", message: "must be one of \(names.joined(separator: ", "))")
                }
                set.insert(index + 1)
            }
            guard !set.isEmpty else {
                throw PolicyError(path: "calendar.working_days", message: "must name at least one day")
            }
            calendar.workingDays = set
        }
        calendar.opens = try clockTime(o["opens"], calendar.opens, at: "calendar.opens")
        calendar.closes = try clockTime(o["closes"], calendar.closes, at: "calendar.closes")
        guard calendar.opens < calendar.closes else {
            throw PolicyError(path: "calendar.closes", message: "must be after calendar.opens")
        }
        if let rule = o["liberation_day"] {
            guard let text = rule.stringValue, let parsed = DutchHolidays.LiberationDay(rawValue: text) else {
                throw PolicyError(path: "calendar.liberation_day", message: "must be always, lustrum or never")
            }
            calendar.liberationDay = parsed
        }
        for (i, day) in (o["closing_days"]?.arrayValue ?? []).enumerated() {
            guard let text = day.stringValue, let date = LocalDate(iso: text) else {
                throw PolicyError(path: "calendar.closing_days[\(i)]", message: "must be a date such as 2026-12-24")
            }
            calendar.extraClosingDays.insert(date)
        }
        return calendar
    }
}

/// Why a policy file was refused, and where.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}
