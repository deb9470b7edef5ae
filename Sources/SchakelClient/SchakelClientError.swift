import SchakelProtocol

/// What a ``SchakelClient`` could not do: no answer at all, as opposed to an answer that says no (a
/// ``Reply`` with a ``Rejection``).
public enum SchakelClientError: Error, Sendable, CustomStringConvertible {
    /// The broker refused the HELLO (`unknown_principal`, say). Trying again will not help: fix the configuration.
    case helloRefused(Rejection)
    /// Every attempt failed: no endpoint answered in time, or the broker stayed `unavailable`. For a SUBMIT it is
    /// safe to try again later with the same referral.
    case gaveUp(command: String, attempts: Int, lastProblem: String)
    /// The broker answered with a body this client cannot read; a bug on one of the two sides.
    case unexpectedAnswer(WireMessage, String)
    /// The configuration cannot work, e.g. no endpoints.
    case invalidConfiguration(String)
    /// The broker refused the connection's handshake (CURVE expected, a key not on the map, another server key):
    /// `reason` says which is likely, from what the client saw. Trying again will not help.
    case handshakeRefused(endpoint: String, reason: String)

    public var description: String {
        switch self {
        case .helloRefused(let rejection): "HELLO refused: \(rejection.message)"
        case .gaveUp(let command, let attempts, let problem):
            "\(command) failed after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(problem); is schakeld running?"
        case .unexpectedAnswer(let message, let problem):
            "unexpected \(message.command) from the broker: \(problem)"
        case .invalidConfiguration(let problem): "invalid client configuration: \(problem)"
        case .handshakeRefused(_, let reason): reason
        }
    }
}
