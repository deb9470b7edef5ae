import CSodium

/// libsodium's one-time initialisation, done once per process before any other call.
enum Sodium {
    /// `sodium_init` returns 0 the first time, 1 when already done and -1 on failure. A `static let` runs it
    /// exactly once, thread-safely, on first use.
    private static let initialised: Bool = sodium_init() >= 0

    /// Throws when libsodium could not be initialised (no entropy source, say).
    static func ensureInitialised() throws(SodiumError) {
        guard initialised else { throw SodiumError(.unavailable, "libsodium could not be initialised (sodium_init)") }
    }

    /// The one place a libsodium return code becomes an error: 0 is success, anything else is `kind`, with
    /// what was being attempted.
    static func check(_ status: Int32, _ kind: SodiumError.Kind, _ message: @autoclosure () -> String)
        throws(SodiumError)
    {
        guard status == 0 else { throw SodiumError(kind, "\(message()) (libsodium returned \(status))") }
    }
}
