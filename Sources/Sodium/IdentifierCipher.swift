import CSodium

/// A keyed permutation of 128-bit blocks: four Feistel rounds over two 64-bit halves, each round SipHash-2-4
/// (`crypto_shorthash`) of the other half under the key and the round's number.
///
/// For ids the broker makes from its own sequence numbers (issue 22): an id that is the encryption of a number
/// needs no index of its own, because reading it back gives the number, and the number is the row's key. Without
/// the key the ids are as unguessable as random ones and say nothing about order or volume; a block that does not
/// decrypt to the expected form was not made under this key. Four rounds of a pseudo-random function make a strong
/// pseudo-random permutation (Luby and Rackoff); SipHash is a PRF with 64-bit output, and costs tens of nanoseconds
/// where a BLAKE2b round costs hundreds.
///
/// The construction is fixed: ids already handed out must decrypt for as long as their rows live, so a test pins
/// its output for a known key (IdentifierCipherTests).
public struct IdentifierCipher: Sendable {
    /// The key's length in bytes (SipHash-2-4's).
    public static let keyByteCount = Int(crypto_shorthash_siphash24_KEYBYTES)

    private let key: [UInt8]

    /// Throws when `key` is not ``keyByteCount`` bytes.
    public init(key: [UInt8]) throws(SodiumError) {
        guard key.count == Self.keyByteCount else {
            throw SodiumError(.badKey, "an identifier key must be \(Self.keyByteCount) bytes, not \(key.count)")
        }
        try Sodium.ensureInitialised()
        self.key = key
    }

    /// The key written as ``hexKey`` (32 hex digits); throws when it is not that.
    public init(hexKey: String) throws(SodiumError) {
        try Sodium.ensureInitialised()
        var key = [UInt8](repeating: 0, count: Self.keyByteCount)
        var decoded = 0
        let hex = Array(hexKey.utf8CString)
        let status = sodium_hex2bin(&key, key.count, hex, hex.count - 1, nil, &decoded, nil)
        guard status == 0, decoded == Self.keyByteCount, hex.count - 1 == 2 * Self.keyByteCount else {
            throw SodiumError(.badKey, "an identifier key must be \(2 * Self.keyByteCount) hex digits")
        }
        try self.init(key: key)
    }

    /// The key as lower-case hex digits, the form a database setting keeps it in.
    public var hexKey: String {
        var hex = [CChar](repeating: 0, count: 2 * key.count + 1)
        _ = sodium_bin2hex(&hex, hex.count, key, key.count)
        return String(decoding: hex.prefix(2 * key.count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A fresh random key.
    public static func generate() throws(SodiumError) -> IdentifierCipher {
        try Sodium.ensureInitialised()
        var key = [UInt8](repeating: 0, count: keyByteCount)
        randombytes_buf(&key, key.count)
        return try IdentifierCipher(key: key)
    }

    /// The block that stands for (`high`, `low`).
    public func encrypt(_ high: UInt64, _ low: UInt64) -> (high: UInt64, low: UInt64) {
        var (left, right) = (high, low)
        for round in UInt8(0)..<4 {
            (left, right) = (right, left ^ function(round, right))
        }
        return (left, right)
    }

    /// What ``encrypt(_:_:)`` made `(high, low)` from.
    public func decrypt(_ high: UInt64, _ low: UInt64) -> (high: UInt64, low: UInt64) {
        var (left, right) = (high, low)
        for round in (UInt8(0)..<4).reversed() {
            (left, right) = (right ^ function(round, left), left)
        }
        return (left, right)
    }

    /// The 80-bit block, as two halves below 2^40, that stands for (`high`, `low`), also below 2^40: the citizen
    /// code's (`CitizenCode` in Broker). Eight rounds for the small halves; their numbers (from 0x80) keep these
    /// round functions apart from the 128-bit block's.
    public func encrypt80(_ high: UInt64, _ low: UInt64) -> (high: UInt64, low: UInt64) {
        var (left, right) = (high & Self.mask40, low & Self.mask40)
        for round in UInt8(0x80)..<0x88 {
            (left, right) = (right, left ^ (function(round, right) & Self.mask40))
        }
        return (left, right)
    }

    /// What ``encrypt80(_:_:)`` made `(high, low)` from.
    public func decrypt80(_ high: UInt64, _ low: UInt64) -> (high: UInt64, low: UInt64) {
        var (left, right) = (high & Self.mask40, low & Self.mask40)
        for round in (UInt8(0x80)..<0x88).reversed() {
            (left, right) = (right ^ (function(round, left) & Self.mask40), left)
        }
        return (left, right)
    }

    /// The 40 low bits.
    public static let mask40: UInt64 = (1 << 40) - 1

    /// The round function: SipHash-2-4 of the round's number and `half`, each as a little-endian word.
    private func function(_ round: UInt8, _ half: UInt64) -> UInt64 {
        // Two whole words, so that no padding byte is hashed: 16 bytes.
        var input: (UInt64, UInt64) = (UInt64(round).littleEndian, half.littleEndian)
        var output: UInt64 = 0
        withUnsafeBytes(of: &input) { raw in
            _ = withUnsafeMutableBytes(of: &output) { out in
                key.withUnsafeBufferPointer { key in
                    crypto_shorthash_siphash24(
                        out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        raw.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(raw.count), key.baseAddress!)
                }
            }
        }
        return UInt64(littleEndian: output)
    }
}
