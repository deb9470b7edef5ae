import Foundation

/// The keys a daemon holds: the current one, which seals every new value, and older ones, which only open.
///
/// A sealed value is text, so it fits the TEXT columns it replaces:
///
///     sb1:<key id>:<base64 of nonce (24 bytes) ‖ ciphertext ‖ MAC (16 bytes)>
///
/// `sb1` is the format version. The key id in the clear is what lets `rotate-key` find every value that is not
/// yet under the current key (`LIKE 'sb1:k1:%'`) and re-seal it while the daemon serves.
public struct KeyRing: Sendable {
    /// The key new values are sealed under.
    public private(set) var current: SealingKey
    private var keys: [String: SealingKey]

    /// The format's prefix.
    public static let prefix = "sb1:"

    public init(current: SealingKey, others: [SealingKey] = []) {
        self.current = current
        keys = [current.id: current]
        for key in others where keys[key.id] == nil { keys[key.id] = key }
    }

    /// Every key id held, sorted.
    public var keyIDs: [String] { keys.keys.sorted() }

    /// Whether a key with this id is held.
    public func holds(_ id: String) -> Bool { keys[id] != nil }

    /// Makes `id` (already held) the key new values are sealed under.
    public mutating func makeCurrent(_ id: String) throws(SodiumError) {
        guard let key = keys[id] else { throw SodiumError(.badKey, "no key \(id) is loaded") }
        current = key
    }

    /// Adds a key (replacing one with the same id).
    public mutating func add(_ key: SealingKey) {
        keys[key.id] = key
        if current.id == key.id { current = key }
    }

    /// Seals `text` under the current key.
    public func seal(_ text: String) throws(SodiumError) -> String {
        let box = try SecretBox.seal(Data(text.utf8), with: current)
        return "\(Self.prefix)\(current.id):\(box.base64EncodedString())"
    }

    /// Opens a value sealed under any key held.
    public func open(_ sealed: String) throws(SodiumError) -> String {
        guard let id = Self.keyID(of: sealed) else {
            throw SodiumError(.malformed, "not a sealed value (expected \(Self.prefix)<key id>:<base64>)")
        }
        guard let key = keys[id] else {
            throw SodiumError(.malformed, "a value is sealed under key \(id), which is not loaded")
        }
        let encoded = sealed.dropFirst(Self.prefix.count + id.count + 1)
        guard let box = Data(base64Encoded: String(encoded)) else {
            throw SodiumError(.malformed, "a value sealed under key \(id) is not valid base64")
        }
        let plaintext = try SecretBox.open(box, with: key)
        guard let text = String(data: plaintext, encoding: .utf8) else {
            throw SodiumError(.malformed, "a value sealed under key \(id) is not UTF-8 text")
        }
        return text
    }

    /// The key id a sealed value names, or nil when `text` is not a sealed value (plain text from before
    /// encryption at rest).
    public static func keyID(of text: String) -> String? {
        guard text.hasPrefix(prefix) else { return nil }
        let rest = text.dropFirst(prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let id = String(rest[..<colon])
        return SealingKey.isValidID(id) ? id : nil
    }
}
