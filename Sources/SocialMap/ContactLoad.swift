import Foundation

/// The broker's memory of each contact's work: open handovers (against capacity) and the last offer (rotation),
/// laid out for one ``SocialMap``.
///
/// Matching reads these two numbers for every candidate in a pool, so they live in arrays indexed by the contact's
/// place on the map rather than in dictionaries keyed by id, and again in columns beside the map's pools
/// (``MatchPools``), one value per pool member, so that matching reads them in order while it walks a pool. A
/// contact is in a handful of pools; every change writes all of its copies, so the columns never disagree with the
/// slots. The price is that a load belongs to one map: after a reload, build a new one from the by-id values
/// (``init(map:open:lastOffered:)``). Contacts that are not on the map are ignored: nobody can be offered to them.
public struct ContactLoad: Sendable {
    let identity: MatchIndex.Identity
    let places: [String: Int32]
    /// Both numbers of a contact side by side, so that explaining a choice reads one place in memory.
    private(set) var slots: [Slot]
    /// The open count and the last offer again, by pool position (``MatchPools``).
    private(set) var poolOpen: [Int32]
    private(set) var poolLastOffered: [Double]
    /// Which pool positions hold each place's copies: ``MatchPools/memberStart`` and ``MatchPools/members``.
    private let memberStart: [Int32]
    private let members: [Int32]

    struct Slot {
        var open: Int32 = 0
        /// Seconds since the reference date; `-infinity` for never, which ranks as longest ago.
        var lastOffered: Double = -.infinity
    }

    /// No open handovers and no offers yet for anyone on `map`.
    public init(map: SocialMap) {
        identity = map.index.identity
        places = map.index.places
        slots = Array(repeating: Slot(), count: map.sortedContacts.count)
        poolOpen = Array(repeating: 0, count: map.matchPools.memberCount)
        poolLastOffered = Array(repeating: -.infinity, count: map.matchPools.memberCount)
        memberStart = map.matchPools.memberStart
        members = map.matchPools.members
    }

    /// The load of `map`'s contacts from values kept by id (ids not on the map are left out).
    public init(map: SocialMap, open: [String: Int], lastOffered: [String: Date] = [:]) {
        self.init(map: map)
        for (id, count) in open { setOpen(count, for: id) }
        for (id, at) in lastOffered { setLastOffered(at, for: id) }
    }

    /// Open handovers held by `contactID`.
    public func open(_ contactID: String) -> Int {
        places[contactID].map { Int(slots[Int($0)].open) } ?? 0
    }

    /// When `contactID` was last offered a handover; nil for never.
    public func lastOffered(_ contactID: String) -> Date? {
        places[contactID].flatMap { lastOffered(at: $0) }
    }

    public mutating func setOpen(_ count: Int, for contactID: String) {
        guard let place = places[contactID] else { return }
        let open = Int32(clamping: count)
        slots[Int(place)].open = open
        for n in Int(memberStart[Int(place)])..<Int(memberStart[Int(place) + 1]) { poolOpen[Int(members[n])] = open }
    }

    public mutating func setLastOffered(_ moment: Date?, for contactID: String) {
        guard let place = places[contactID] else { return }
        let seconds = moment?.timeIntervalSinceReferenceDate ?? -.infinity
        slots[Int(place)].lastOffered = seconds
        for n in Int(memberStart[Int(place)])..<Int(memberStart[Int(place) + 1]) {
            poolLastOffered[Int(members[n])] = seconds
        }
    }

    func open(at place: Int32) -> Int32 { slots[Int(place)].open }

    func slot(at place: Int32) -> Slot { slots[Int(place)] }

    func lastOffered(at place: Int32) -> Date? {
        let seconds = slots[Int(place)].lastOffered
        return seconds == -.infinity ? nil : Date(timeIntervalSinceReferenceDate: seconds)
    }
}
