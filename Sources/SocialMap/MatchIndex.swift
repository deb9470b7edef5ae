import Foundation
import SchakelProtocol

/// What matching reads about each contact, as flat arrays indexed by the contact's place in id order.
///
/// Matching looks at every contact in a (domain, municipality) pool, which on a national map is a thousand or more
/// people. Reading a `ContactPerson` for each (a struct of a dozen strings and arrays) or hashing its id into a
/// dictionary costs far more than the comparison itself; these arrays turn the hot loop into a few loads per
/// candidate. Built once per map, at load.
struct MatchIndex: Sendable {
    /// Identifies the map these places belong to, so a ``ContactLoad`` built for another map is caught.
    final class Identity: Sendable {}

    let identity = Identity()
    /// Each contact's place, by id.
    let places: [String: Int32]
    /// Organisation ids, and each contact's organisation as an index into them.
    let organizationIDs: [String]
    let organizationIndex: [String: Int32]
    let organizationOf: [Int32]
    let capacity: [Int32]
    /// Bit `1 << n` set when the contact accepts the n-th of `Urgency.allCases`.
    let urgencies: [UInt8]
    /// The domains of the map's vocabulary, each a bit; per contact, the bits of the domains it works in.
    let domainBits: [String: UInt64]
    let domains: [UInt64]
    /// Each contact's languages, lowercased.
    let languages: [[String]]
    /// Where a contact's absences are in `absences`, or -1 for someone never away.
    let absenceSlot: [Int32]
    let absences: [[AbsencePeriod]]
    /// The place of each contact's deputy, or -1.
    let deputy: [Int32]

    init(sorted: [ContactPerson], domainVocabulary: [String], absencePeriods: [String: [AbsencePeriod]]) {
        var places: [String: Int32] = [:]
        places.reserveCapacity(sorted.count)
        for (place, contact) in sorted.enumerated() { places[contact.id] = Int32(place) }
        var organizationIDs: [String] = []
        var organizationIndex: [String: Int32] = [:]
        var domainBits: [String: UInt64] = [:]
        // A vocabulary of more than 64 domains shares bits: the count of other needs covered is then an upper bound,
        // a rank key only, never a filter. Real vocabularies have a dozen.
        for (n, domain) in domainVocabulary.enumerated() { domainBits[domain] = 1 << UInt64(n % 64) }
        var organizationOf: [Int32] = []
        var capacity: [Int32] = []
        var urgencies: [UInt8] = []
        var domains: [UInt64] = []
        var languages: [[String]] = []
        var absenceSlot: [Int32] = []
        var absences: [[AbsencePeriod]] = []
        var deputy: [Int32] = []
        for contact in sorted {
            let org: Int32
            if let known = organizationIndex[contact.organization] {
                org = known
            } else {
                org = Int32(organizationIDs.count)
                organizationIDs.append(contact.organization)
                organizationIndex[contact.organization] = org
            }
            organizationOf.append(org)
            capacity.append(Int32(clamping: contact.capacity))
            var accepted: UInt8 = 0
            for (n, urgency) in Urgency.allCases.enumerated() where contact.accepts(urgency: urgency.rawValue) {
                accepted |= 1 << UInt8(n)
            }
            urgencies.append(accepted)
            domains.append(contact.domains.reduce(0) { $0 | (domainBits[$1] ?? 0) })
            languages.append(contact.languages.map { $0.lowercased() })
            if let list = absencePeriods[contact.id] {
                absenceSlot.append(Int32(absences.count))
                absences.append(list)
            } else {
                absenceSlot.append(-1)
            }
            deputy.append(contact.deputy.flatMap { places[$0] } ?? -1)
        }
        self.places = places
        self.organizationIDs = organizationIDs
        self.organizationIndex = organizationIndex
        self.organizationOf = organizationOf
        self.capacity = capacity
        self.urgencies = urgencies
        self.domainBits = domainBits
        self.domains = domains
        self.languages = languages
        self.absenceSlot = absenceSlot
        self.absences = absences
        self.deputy = deputy
    }

    /// The bit of `urgency` in ``urgencies``.
    static func bit(_ urgency: Urgency) -> UInt8 {
        1 << UInt8(Urgency.allCases.firstIndex(of: urgency) ?? 0)
    }

    /// The absence the contact at `place` is in at `moment`, if any.
    func absence(at place: Int32, _ moment: Date) -> AbsencePeriod? {
        let slot = absenceSlot[Int(place)]
        guard slot >= 0 else { return nil }
        return absences[Int(slot)].first { $0.start <= moment && moment < $0.end }
    }
}
