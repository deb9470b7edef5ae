/// Everything that can go wrong in the Sodium wrapper, as one error type: what was being attempted and why it
/// failed, in words an operator can act on. Never carries key material or plaintext.
public struct SodiumError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed, for scripts and tests.
    public enum Kind: Sendable, Equatable {
        /// `sodium_init` failed: the library cannot be used at all.
        case unavailable
        /// A key file is missing, unreadable, or not 32 bytes (raw) or 64 hex characters.
        case badKey
        /// A sealed value is not in the `sb1:` format, or names a key the ring does not hold.
        case malformed
        /// The ciphertext did not authenticate: wrong key, or the value was altered.
        case forged
        /// The operating system refused (writing a key file).
        case io
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
