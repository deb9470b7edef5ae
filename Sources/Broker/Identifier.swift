import Foundation

/// Opaque, unguessable ids for the referrals and handovers the broker creates: `ref-…`, `ho-…`, laid out as a UUID
/// of version 7 (RFC 9562): the wall clock's milliseconds since 1970, then 74 random bits. (Outbox message ids,
/// `msg-…`, are made from the message's sequence number since migration 12: ``SequenceIdentifier``.)
///
/// Why the time first (issue 22): the ids are the keys of the primary-key indexes of `referrals` and `handovers`.
/// Wholly random ids put a new referral's three entries at three random places of those indexes, so once the
/// database held a million referrals each entry dirtied a page of its own, written twice (the log, then the
/// checkpoint's copy): some 24 KiB per referral. Ids that grow with time land on the last pages, which a batch's
/// referrals share. An id made after a wall clock stepped back only lands a little further to the left.
///
/// What the id still does not tell: anything of volume or of the order of other referrals (no counter), or a
/// way to walk the id space with STATUS (74 random bits per millisecond). What it does tell is when it was made,
/// which every party shown an id learns from the same message (the ACCEPTED, the offer, the event's `time`).
enum Identifier {
    static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, (Date().timeIntervalSince1970 * 1_000).rounded(.down)))
        return make(prefix, millisecondsSince1970: milliseconds, using: &generator)
    }

    /// The id made at `milliseconds` with random bits from `generator`: version 7, variant 10 (RFC 9562, 5.7).
    static func make(
        _ prefix: String, millisecondsSince1970 milliseconds: UInt64, using generator: inout some RandomNumberGenerator
    ) -> String {
        let randomA = generator.next() as UInt64
        let randomB = generator.next() as UInt64
        let high = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (randomA & 0x0FFF)
        let low = 0x8000_0000_0000_0000 | (randomB & 0x3FFF_FFFF_FFFF_FFFF)
        return UUIDText.make(prefix: prefix, high: high, low: low)
    }
}
