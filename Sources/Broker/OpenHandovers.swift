/// Which open handovers (offered, accepted or contacted) each contact holds, by their referrals' keys: what CASES and
/// a coordinator's PENDING read a contact's rows by, and the load matching balances on (``count(of:)``).
///
/// Kept in memory because the database's index of a contact's handovers, `handovers_by_contact (contact, state)`,
/// put each commit's new entries on a page per contact and moved an entry on that page again at every ACK: the
/// largest index in a commit's pages once the waiting messages had left it (issue 22, part seventeen). Its readers
/// all wanted a contact's *open* handovers; migration 18 replaced it by `handovers_open`, keyed by the referral's key
/// first, so that the newest entries share the last page, and this finds a contact's among them. It is read through
/// that index at start (``ReferralStore/loadOpenHandovers()``), changed by the store where it writes a handover's
/// row, and every change is returned as a ``Change`` so that a rolled-back savepoint takes it back with its rows.
struct OpenHandovers {
    /// One open handover that a contact began or stopped holding: what ``undo(_:)`` takes back.
    enum Change: Equatable, Sendable {
        case added(contact: String, referralKey: Int64)
        case removed(contact: String, referralKey: Int64)
    }

    /// Per contact, the keys of the referrals in which they hold an open handover: a set, because a million open
    /// referrals cost a million entries, and a set's entry is half a dictionary's (the restart's memory per open
    /// referral, issue 22).
    private var byContact: [String: Set<Int64>] = [:]
    /// The rare key a contact holds more than once (two needs of one referral), with how many more times.
    private var again: [String: [Int64: Int]] = [:]
    /// Per contact, how many open handovers they hold in all.
    private(set) var counts: [String: Int] = [:]

    /// The keys of the referrals in which `contact` holds an open handover, ascending.
    func keys(of contact: String) -> [Int64] {
        byContact[contact]?.sorted() ?? []
    }

    /// How many open handovers `contact` holds.
    func count(of contact: String) -> Int {
        counts[contact] ?? 0
    }

    /// `contact` now holds one more open handover of the referral under `referralKey`.
    @discardableResult
    mutating func add(_ contact: String, referralKey: Int64) -> Change {
        if !byContact[contact, default: []].insert(referralKey).inserted {
            again[contact, default: [:]][referralKey, default: 0] += 1
        }
        counts[contact, default: 0] += 1
        return .added(contact: contact, referralKey: referralKey)
    }

    /// `contact` holds one open handover fewer of the referral under `referralKey`; nil when it held none.
    @discardableResult
    mutating func remove(_ contact: String, referralKey: Int64) -> Change? {
        if let more = again[contact]?[referralKey] {
            again[contact]?[referralKey] = more > 1 ? more - 1 : nil
            if again[contact]?.isEmpty == true { again[contact] = nil }
        } else {
            guard byContact[contact]?.remove(referralKey) != nil else { return nil }
            if byContact[contact]?.isEmpty == true { byContact[contact] = nil }
        }
        counts[contact] = counts[contact] == 1 ? nil : counts[contact].map { $0 - 1 }
        return .removed(contact: contact, referralKey: referralKey)
    }

    /// Takes back `change`, as a rollback takes back the row it was made with.
    mutating func undo(_ change: Change) {
        switch change {
        case .added(let contact, let key): remove(contact, referralKey: key)
        case .removed(let contact, let key): add(contact, referralKey: key)
        }
    }
}
