import Sodium

/// The citizen's code (SRP1.md, The citizen's own view): 80 random bits written for people, 16 characters of an
/// alphabet without look-alikes in groups of four (`K7QM-2XHD-9RTB-4WPA`). The broker hands it out once and keeps
/// only its digest.
enum CitizenCode {
    /// 32 characters, 5 bits each: no 0, 1, I or O, which people mistake for one another.
    static let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    /// A fresh code from the system's cryptographic generator: 80 random bits, found by their digest alone (the
    /// codes handed out before issue 22 part four, and a referral whose key does not fit ``make(key:cipher:)``).
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return written(generator.next() & IdentifierCipher.mask40, generator.next() & IdentifierCipher.mask40)
    }

    /// The largest referral key a code can carry: 2^32 - 1, some four billion referrals.
    static let largestKey: Int64 = (1 << 32) - 1

    /// A fresh code for the referral with key `key`: the key's 32 bits and 48 random bits, encrypted as one 80-bit
    /// block (``IdentifierCipher/encrypt80(_:_:)``). The broker finds the referral by the key the code decrypts to
    /// (``stored(digest:key:)``), so the digests of new codes sort by key and a new referral's entry lands on the
    /// index's last page, not on a random page of an index of a million (issue 22). What a code is worth to a
    /// guesser does not change: a typed code opens a referral only when it is the very code handed out (its digest
    /// is compared), so guessing any of N referrals' codes still takes about 2^80 / N tries, and guessing one given
    /// referral's 2^80; even someone who could invert the cipher would still face its 48 random bits, tried only
    /// through an authorised portal under ``CitizenCodeLimiter``. Nil when `key` is out of range.
    static func make(key: Int64, cipher: IdentifierCipher) -> String? {
        guard (1...largestKey).contains(key) else { return nil }
        var generator = SystemRandomNumberGenerator()
        let random = generator.next() & ((1 << 48) - 1)
        // Plaintext: key (32 bits) then random (48 bits); the halves are its high and low 40 bits.
        let block = cipher.encrypt80(UInt64(key) << 8 | random >> 40, random & IdentifierCipher.mask40)
        return written(block.high, block.low)
    }

    /// The referral key a canonical code was made from, if it was made by ``make(key:cipher:)`` under `cipher`: a
    /// number for any 16 characters (a guess decrypts to some key too); only the digest says whether it is that
    /// referral's code.
    static func key(of canonical: String, cipher: IdentifierCipher) -> Int64? {
        guard let (high, low) = bits(of: canonical) else { return nil }
        let key = Int64(cipher.decrypt80(high, low).high >> 8)
        return key > 0 ? key : nil
    }

    /// What the referral's row keeps of a code made from its key: `k`, the key in ten digits, `:` and the digest.
    /// Unique as the digests are, and in the order of the keys, after every bare digest (hex digits sort before `k`).
    static func stored(digest: String, key: Int64) -> String {
        let digits = String(key)
        return "k" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits + ":" + digest
    }

    /// Two 40-bit halves as 16 characters in groups of four, the high half first. Written as bytes: every new
    /// referral gets a code, and building it from `Character`s and joined strings cost 24 k instructions (issue 22).
    private static func written(_ high: UInt64, _ low: UInt64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(19)
        for index in 0..<16 {
            if index > 0, index % 4 == 0 { out.append(UInt8(ascii: "-")) }
            let half = index < 8 ? high : low
            out.append(alphabetBytes[Int(half >> UInt64(35 - 5 * (index % 8)) & 31)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The alphabet as ASCII bytes.
    private static let alphabetBytes = alphabet.map { $0.asciiValue! }

    /// The two 40-bit halves of a canonical code (16 characters of the alphabet); nil for anything else.
    private static func bits(of canonical: String) -> (UInt64, UInt64)? {
        let characters = Array(canonical)
        guard characters.count == 16 else { return nil }
        var halves: (UInt64, UInt64) = (0, 0)
        for (index, character) in characters.enumerated() {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            if index < 8 {
                halves.0 = halves.0 << 5 | UInt64(value)
            } else {
                halves.1 = halves.1 << 5 | UInt64(value)
            }
        }
        return halves
    }

    /// The 16 characters of a code as typed (any case, with or without spaces and dashes); nil when it cannot be a
    /// code at all. Such a code is refused exactly like a wrong one.
    ///
    /// Text of ASCII alone, which is every code handed out and nearly every one typed, is read byte by byte: the
    /// broker reads its own new code back this way for every referral (issue 22). Anything else takes Unicode's
    /// upper-casing, under which some other letters become letters of the alphabet (`ß` becomes `SS`).
    static func canonical(_ typed: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for byte in typed.utf8 {
            guard byte < 0x80 else { return unicodeCanonical(typed) }
            if byte == UInt8(ascii: "-") || byte == UInt8(ascii: " ") { continue }
            let upper = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 0x20 : byte
            guard out.count < 16, alphabetBytes.contains(upper) else { return nil }
            out.append(upper)
        }
        return out.count == 16 ? String(decoding: out, as: UTF8.self) : nil
    }

    /// ``canonical(_:)`` for text that is not all ASCII.
    private static func unicodeCanonical(_ typed: String) -> String? {
        let characters = typed.uppercased().filter { $0 != "-" && $0 != " " }
        guard characters.count == 16, characters.allSatisfy(alphabet.contains) else { return nil }
        return String(characters)
    }

    /// What the database keeps of a code: the BLAKE2b digest of its 16 characters. A digest of 80 random bits
    /// cannot be turned back into the code.
    static func digest(_ canonical: String) throws -> String {
        try Digest.blake2bHex(Array(canonical.utf8))
    }

    /// The digest of a code as it was handed out.
    static func digestOf(_ code: String) throws -> String {
        try digest(canonical(code) ?? code)
    }
}
