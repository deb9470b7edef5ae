import Foundation
import SchakelProtocol

/// A named professional a handover can go to: the "short line" (HSDS: `contact` with `phone` and `language`).
public struct ContactPerson: Sendable, Equatable, Codable {
    public var id: String
    public var organization: String
    public var name: String
    public var role: String?
    public var phone: String
    public var email: String
    public var domains: [String]
    /// CBS codes when this person serves fewer municipalities than their organisation; nil = all of the organisation's.
    public var municipalities: [String]?
    public var languages: [String]
    /// The urgencies this person takes (`crisis`, `urgent`, `normal`); nil = every urgency.
    public var urgencies: [String]?
    /// The most handovers this person holds open at once.
    public var capacity: Int
    /// Periods this person is away: no offer goes to them from `from` until `to`.
    public var absences: [Absence]?
    /// The contact who takes over while this person is away (preferred over others when they qualify).
    public var deputy: String?
    /// The weekly windows in which this person is on call out of office hours (a crisis team's nights and weekends);
    /// nil for someone who never is. Only matching for a crisis out of hours asks (``MatchRequest/onCallOnly``).
    public var onCall: [OnCallWindow]?
    public var lastVerified: String?
    /// The CURVE public keys (Z85) of this person's client; more than one to rotate a key with overlap.
    public var publicKeys: [String]?
    /// The name this person logs in with at the desk (schakel-desk), as the reverse proxy passes it on: a user name
    /// of the organisation's single sign-on or of a password file. Unique on the map; nil = this person does not
    /// use the desk in production (the development login lists everyone).
    public var login: String?
    /// Whether the desk e-mails this person when an offer, a reminder or an escalation waits (default on: a
    /// contact must never miss a handover because they did not look).
    public var emailNotices: Bool?

    public init(
        id: String, organization: String, name: String, role: String? = nil, phone: String, email: String,
        domains: [String], municipalities: [String]? = nil, languages: [String] = ["nl"], urgencies: [String]? = nil,
        capacity: Int, absences: [Absence]? = nil, deputy: String? = nil, onCall: [OnCallWindow]? = nil,
        lastVerified: String? = nil, publicKeys: [String]? = nil, login: String? = nil, emailNotices: Bool? = nil
    ) {
        self.id = id
        self.organization = organization
        self.name = name
        self.role = role
        self.phone = phone
        self.email = email
        self.domains = domains
        self.municipalities = municipalities
        self.languages = languages
        self.urgencies = urgencies
        self.capacity = capacity
        self.absences = absences
        self.deputy = deputy
        self.onCall = onCall
        self.lastVerified = lastVerified
        self.publicKeys = publicKeys
        self.login = login
        self.emailNotices = emailNotices
    }

    /// Whether this person takes referrals of `urgency` (an unrestricted contact takes every one).
    public func accepts(urgency: String) -> Bool {
        urgencies.map { $0.contains(urgency) } ?? true
    }

    /// Whether one of this person's ``onCall`` windows covers `moment` by the wall clock in Amsterdam; false for
    /// someone without windows. One time-zone lookup and a few comparisons per window: cheap enough to ask for every
    /// candidate, though matching asks it once per request and compares minutes per candidate instead.
    public func isOnCall(at moment: Date) -> Bool {
        guard let onCall, !onCall.isEmpty else { return false }
        let weekMinute = OnCallWindow.wallClock(moment).weekMinute
        return onCall.contains { $0.covers(weekMinute: weekMinute) }
    }

    enum CodingKeys: String, CodingKey {
        case id, organization, name, role, phone, email, domains, municipalities, languages, urgencies, capacity
        case absences, deputy
        case onCall = "on_call"
        case lastVerified = "last_verified"
        case publicKeys = "public_keys"
        case login
        case emailNotices = "email_notices"
    }
}

/// A period a contact person is away. `from` and `to` are RFC 3339 moments or dates; a date `from` starts at
/// midnight in Amsterdam and a date `to` includes that whole day.
public struct Absence: Sendable, Equatable, Codable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    /// The half-open interval [start, end) the absence covers, or nil when either end does not parse.
    public var interval: (start: Date, end: Date)? {
        guard let start = Self.moment(from, endOfDay: false), let end = Self.moment(to, endOfDay: true) else {
            return nil
        }
        return (start, end)
    }

    /// An RFC 3339 moment, or a `YYYY-MM-DD` date at the start (or, for `endOfDay`, the end) of that day in
    /// Amsterdam.
    static func moment(_ text: String, endOfDay: Bool) -> Date? {
        if text.count > 10 { return RFC3339.parse(text) }
        // By hand rather than with a Calendar, which cost a hundred thousand instructions per date and made
        // absences a good part of loading a national map.
        guard text.utf8.count == 10, let utcMidnight = RFC3339.parse(text + "T00:00:00Z") else { return nil }
        let day = endOfDay ? utcMidnight.addingTimeInterval(86_400) : utcMidnight
        // Local midnight is one or two hours before UTC midnight, and no clock change falls in that hour (the
        // Netherlands change at 01:00 UTC): the offset an hour before UTC midnight is the one at local midnight.
        return day.addingTimeInterval(-Double(amsterdam.secondsFromGMT(for: day.addingTimeInterval(-3_600))))
    }

    static let amsterdam = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3_600)!
}
