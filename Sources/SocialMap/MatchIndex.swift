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
    /// Organisation ids, and each contact's organisation as an index into them (``Entry/organization``).
    let organizationIDs: [String]
    let organizationIndex: [String: Int32]
    /// What the filters and the ranking read about each contact, one value per place: a candidate costs one cache
    /// line, not one miss per array.
    let entries: [Entry]
    /// The domains of the map's vocabulary, each a bit (``Entry/domains``).
    let domainBits: [String: UInt64]
    /// The languages of the map, each a bit (``Entry/languages``); nil when the map has more than 64, and then
    /// `languageLists` decides.
    let languageBits: [String: UInt64]?
    /// Each contact's languages, lowercased.
    let languageLists: [[String]]
    let absences: [[AbsencePeriod]]
    /// The minutes of the week each contact with ``ContactPerson/onCall`` windows is on call, by
    /// ``Entry/onCallSlot``.
    let onCall: [[OnCallWindow.Span]]

    struct Entry {
        var organization: Int32
        var capacity: Int32
        /// Where the contact's absences are in `absences`, or -1 for someone never away.
        var absenceSlot: Int32
        /// Where the contact's on-call spans are in `onCall`, or -1 for someone never on call.
        var onCallSlot: Int32
        /// The place of the contact's deputy, or -1.
        var deputy: Int32
        var domains: UInt64
        var languages: UInt64
        /// Bit `1 << n` set when the contact accepts the n-th of `Urgency.allCases`.
        var urgencies: UInt8
    }

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
        let languageLists = sorted.map { $0.languages.map { $0.lowercased() } }
        let vocabulary = Set(languageLists.joined()).sorted()
        let languageBits: [String: UInt64]? =
            vocabulary.count <= 64
            ? Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, UInt64(1) << UInt64($0)) }) : nil
        var entries: [Entry] = []
        entries.reserveCapacity(sorted.count)
        var absences: [[AbsencePeriod]] = []
        var onCall: [[OnCallWindow.Span]] = []
        for (place, contact) in sorted.enumerated() {
            let org: Int32
            if let known = organizationIndex[contact.organization] {
                org = known
            } else {
                org = Int32(organizationIDs.count)
                organizationIDs.append(contact.organization)
                organizationIndex[contact.organization] = org
            }
            var accepted: UInt8 = 0
            for (n, urgency) in Urgency.allCases.enumerated() where contact.accepts(urgency: urgency.rawValue) {
                accepted |= 1 << UInt8(n)
            }
            var absenceSlot: Int32 = -1
            if let list = absencePeriods[contact.id] {
                absenceSlot = Int32(absences.count)
                absences.append(list)
            }
            var onCallSlot: Int32 = -1
            let spans = (contact.onCall ?? []).flatMap(\.spans)
            if !spans.isEmpty {
                onCallSlot = Int32(onCall.count)
                onCall.append(spans.sorted { $0.start < $1.start })
            }
            entries.append(
                Entry(
                    organization: org, capacity: Int32(clamping: contact.capacity), absenceSlot: absenceSlot,
                    onCallSlot: onCallSlot,
                    deputy: contact.deputy.flatMap { places[$0] } ?? -1,
                    domains: contact.domains.reduce(0) { $0 | (domainBits[$1] ?? 0) },
                    languages: languageLists[place].reduce(0) { $0 | (languageBits?[$1] ?? 0) },
                    urgencies: accepted))
        }
        self.places = places
        self.organizationIDs = organizationIDs
        self.organizationIndex = organizationIndex
        self.entries = entries
        self.domainBits = domainBits
        self.languageBits = languageBits
        self.languageLists = languageLists
        self.absences = absences
        self.onCall = onCall
    }

    /// Whether the contact at `place` speaks `language` (lowercased): a bit test, or the list on a map of more than
    /// 64 languages.
    func speaks(_ place: Int32, _ language: String, bit: UInt64?) -> Bool {
        if let bit { return entries[Int(place)].languages & bit != 0 }
        return languageLists[Int(place)].contains(language)
    }

    /// The bit of `urgency` in ``urgencies``.
    static func bit(_ urgency: Urgency) -> UInt8 {
        1 << UInt8(Urgency.allCases.firstIndex(of: urgency) ?? 0)
    }

    /// The absence of slot `slot` (``Entry/absenceSlot``) that covers `moment`, if any.
    func absence(slot: Int32, _ moment: Date) -> AbsencePeriod? {
        guard slot >= 0 else { return nil }
        return absences[Int(slot)].first { $0.start <= moment && moment < $0.end }
    }
}
