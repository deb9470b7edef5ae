import Foundation

/// One thing `schakelctl socialmap check` reports about a social map file: where it is (a JSON path) and why it
/// matters.
public struct MapFinding: Sendable, Equatable {
    public enum Severity: String, Sendable, Comparable {
        /// The daemon refuses the file (at start or reload).
        case error
        /// The file loads, but an operator should look: stale entries, switchboard numbers, gaps, declines.
        case warning

        public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
    }

    public var severity: Severity
    public var path: String
    public var message: String

    public init(_ severity: Severity, path: String, message: String) {
        self.severity = severity
        self.path = path
        self.message = message
    }
}

/// The checks of `schakelctl socialmap check`: every problem the loader refuses (``SocialMap/problems(data:)``) as
/// errors, and what a loadable map can still get wrong as warnings. Pure: today's date comes in as an argument.
public enum MapCheck {
    /// Decline reasons that say the map sent the need to the wrong place, rather than that the contact was busy.
    public static let mapDeclineReasons = ["not_our_service", "wrong_contact", "outside_service_area"]

    /// Every finding in the bytes of a social map file, errors first, then warnings, each in file order.
    /// `today` is `YYYY-MM-DD`: an entry verified more than twelve months before it is stale.
    public static func findings(data: Data, today: String) -> [MapFinding] {
        let errors = SocialMap.problems(data: data).map { MapFinding(.error, path: $0.path, message: $0.message) }
        if !errors.isEmpty { return errors }
        guard case .success(let document) = SocialMap.decode(data) else { return errors }
        return warnings(in: document, today: today)
    }

    /// The warnings for a document that loads: entries not verified for more than twelve months, contacts whose
    /// phone is their organisation's general number (no direct line), an adapter allowed to act for contacts
    /// without a key to do it with, and gaps (a municipality of the map's region
    /// where nobody serves a domain of the vocabulary).
    public static func warnings(in document: SocialMapDocument, today: String) -> [MapFinding] {
        var findings: [MapFinding] = []
        let cutoff = monthsBefore(today, 12)
        func stale(_ verified: String?, _ path: String) {
            guard let verified, let cutoff, verified < cutoff else { return }
            findings.append(
                MapFinding(
                    .warning, path: "\(path).last_verified",
                    message: "last verified \(verified), more than 12 months before \(today)"))
        }
        var organizations: [String: Organization] = [:]
        for (i, org) in document.organizations.enumerated() {
            organizations[org.id] = org
            stale(org.lastVerified, "organizations[\(i)]")
            if org.adapterActsForContacts == true, (org.publicKeys ?? []).isEmpty {
                findings.append(
                    MapFinding(
                        .warning, path: "organizations[\(i)].adapter_acts_for_contacts",
                        message: "\(org.id) lets its adapter act for its contacts but lists no public_keys, "
                            + "so no adapter can"))
            }
        }
        for (i, contact) in document.contacts.enumerated() {
            stale(contact.lastVerified, "contacts[\(i)]")
            if let general = organizations[contact.organization]?.phone, digits(general) == digits(contact.phone) {
                findings.append(
                    MapFinding(
                        .warning, path: "contacts[\(i)].phone",
                        message: "\(contact.phone) is the general number of \(contact.organization), not a direct line"
                    ))
            }
        }
        findings += gaps(in: document, organizations: organizations)
        findings += escalations(in: document)
        return findings
    }

    /// Where an escalation goes when it cannot go to the organisation's own coordinator: an organisation whose
    /// contacts take needs but that has no coordinator, or whose coordinator takes needs too (an offer they let
    /// lapse is escalated past them). Either way the referring organisation's coordinator is alerted, else only the
    /// operator's log.
    static func escalations(in document: SocialMapDocument) -> [MapFinding] {
        var findings: [MapFinding] = []
        let takers = Set(document.contacts.filter { !$0.domains.isEmpty }.map(\.id))
        for (i, org) in document.organizations.enumerated() {
            let staff = document.contacts.filter { $0.organization == org.id && takers.contains($0.id) }
            guard !staff.isEmpty else { continue }
            if let coordinator = org.coordinator {
                guard takers.contains(coordinator) else { continue }
                findings.append(
                    MapFinding(
                        .warning, path: "organizations[\(i)].coordinator",
                        message: "escalation: \(coordinator) coordinates \(org.id) and takes needs too; when they let "
                            + "an offer lapse, the alert goes to the referring organisation's coordinator instead "
                            + "(or, without one, to the operator's log)"))
            } else {
                findings.append(
                    MapFinding(
                        .warning, path: "organizations[\(i)]",
                        message: "escalation: \(org.id) has no coordinator; when its contacts let an offer lapse, the "
                            + "alert goes to the referring organisation's coordinator (or, without one, to the "
                            + "operator's log)"))
            }
        }
        return findings
    }

    /// One warning per municipality of the region where some domain of the vocabulary has nobody.
    static func gaps(in document: SocialMapDocument, organizations: [String: Organization]) -> [MapFinding] {
        var national: Set<String> = []
        var covered: Set<String> = []  // "domain GM0344"
        for contact in document.contacts {
            let served = contact.municipalities ?? organizations[contact.organization]?.municipalities ?? []
            for domain in contact.domains {
                if served.contains("*") { national.insert(domain) }
                for m in served { covered.insert("\(domain) \(m)") }
            }
        }
        var findings: [MapFinding] = []
        for (i, municipality) in document.municipalities.enumerated() {
            let missing = document.domains.map(\.id).filter {
                !national.contains($0) && !covered.contains("\($0) \(municipality.code)")
            }
            guard !missing.isEmpty else { continue }
            findings.append(
                MapFinding(
                    .warning, path: "municipalities[\(i)]",
                    message:
                        "gap: nobody serves \(missing.joined(separator: ", ")) in \(municipality.name) (\(municipality.code))"
                ))
        }
        return findings
    }

    /// Entries to re-verify because their contacts declined needs as not theirs: `declines` counts, per contact id,
    /// the declines per reason (only ``mapDeclineReasons`` count). Contacts no longer on the map are left out.
    public static func reverify(declines: [String: [String: Int]], in document: SocialMapDocument) -> [MapFinding] {
        var findings: [MapFinding] = []
        for (i, contact) in document.contacts.enumerated() {
            guard let reasons = declines[contact.id] else { continue }
            let counted = mapDeclineReasons.compactMap { reason in
                reasons[reason].flatMap { $0 > 0 ? "\(reason) \($0)" : nil }
            }
            guard !counted.isEmpty else { continue }
            let total = mapDeclineReasons.reduce(0) { $0 + (reasons[$1] ?? 0) }
            findings.append(
                MapFinding(
                    .warning, path: "contacts[\(i)]",
                    message:
                        "re-verify \(contact.id): declined \(total) need(s) as not theirs (\(counted.joined(separator: ", ")))"
                ))
        }
        return findings
    }

    /// The exit code of `socialmap check`: 0 clean, 1 warnings only, 2 errors.
    public static func exitCode(_ findings: [MapFinding]) -> Int32 {
        if findings.contains(where: { $0.severity == .error }) { return 2 }
        return findings.isEmpty ? 0 : 1
    }

    /// `YYYY-MM-DD` `months` before `date` (the last day of the month when that day does not exist), or nil when
    /// `date` is not a date.
    public static func monthsBefore(_ date: String, _ months: Int) -> String? {
        guard SocialMap.isDate(date) else { return nil }
        let parts = date.split(separator: "-").compactMap { Int($0) }
        let total = parts[0] * 12 + (parts[1] - 1) - months
        let (year, month) = (total / 12, total % 12 + 1)
        let lengths = [
            31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30,
            31, 30, 31,
        ]
        let day = min(parts[2], lengths[month - 1])
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    private static func digits(_ phone: String) -> String {
        String(phone.unicodeScalars.filter { ("0"..."9").contains($0) || $0 == "+" })
    }
}
