import Sodium

/// Ids made from a row's sequence number, `msg-` and a lower-case UUID-shaped encryption of it (migration 12): the
/// outbox's message ids.
///
/// A random message id needed a unique index of its own, and each new entry landed on a page of its own: four
/// pages of log per referral for its four messages, on a database of a million referrals. An id that is the
/// ``IdentifierCipher`` encryption of the outbox's `seq` needs no index: RECEIVED decrypts it and finds the row by
/// its key. To the world nothing changed: the id is as unguessable as before, tells nothing of order or volume
/// (the key is in the database's settings, shared by both PostgreSQL nodes), and keeps the form the spec gives. An
/// id that does not decrypt to this prefix's tag was not made here, or was made before version 12 with a random
/// UUID: the store looks those up by text.
struct SequenceIdentifier: Sendable {
    /// `msg`, followed by `-` in the id.
    let prefix: String
    /// The high half of every plaintext block: what tells one of our ids from any other UUID.
    let tag: UInt64
    let cipher: IdentifierCipher

    /// Outbox message ids under `cipher`.
    static func messages(_ cipher: IdentifierCipher) -> SequenceIdentifier {
        SequenceIdentifier(prefix: "msg", tag: 0x5343_484B_4D53_4731, cipher: cipher)  // "SCHKMSG1"
    }

    /// The id of sequence number `sequence`.
    func id(_ sequence: Int64) -> String {
        let block = cipher.encrypt(tag, UInt64(bitPattern: sequence))
        return UUIDText.make(prefix: prefix, high: block.high, low: block.low)
    }

    /// The sequence number `id` stands for, or nil when it is not an id this made (a pre-12 random id, another
    /// prefix, a typo, a guess).
    func sequence(of id: String) -> Int64? {
        let utf8 = Array(id.utf8)
        let start = prefix.utf8.count + 1
        guard utf8.count == start + 36, utf8.starts(with: prefix.utf8), utf8[start - 1] == UInt8(ascii: "-") else {
            return nil
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        for (position, byte) in utf8[start...].enumerated() {
            switch position {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            default: break
            }
            guard let nibble = Self.nibble(byte) else { return nil }
            if digits < 16 { high = high << 4 | nibble } else { low = low << 4 | nibble }
            digits += 1
        }
        let block = cipher.decrypt(high, low)
        guard block.high == tag, let sequence = Int64(exactly: block.low), sequence > 0 else { return nil }
        return sequence
    }

    /// A lower-case hex digit's value; upper case is not a form this makes.
    private static func nibble(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        default: nil
        }
    }
}
