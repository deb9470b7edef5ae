extension SchakelClient {
    /// What happens to the connection, for ``Configuration/onEvent``: logs, metrics, and tests that need to know
    /// when the client noticed something.
    public enum Event: Sendable, Equatable {
        /// A new socket is connecting to `endpoint` and sends HELLO.
        case connecting(endpoint: String)
        /// WELCOME: the session is open; `pending` outbox messages follow.
        case connected(endpoint: String, pending: Int)
        /// The session is gone (`reason` says why); the client reconnects when next used.
        case disconnected(endpoint: String, reason: String)
        /// Pausing `delay` before the next attempt, after `failures` failures in a row.
        case backingOff(delay: Duration, failures: Int)
        /// A request is sent again (same body, so the same `external_id`) after `problem`.
        case retrying(command: String, attempt: Int, problem: String)
        /// A re-sent outbox message was dropped; `confirmedAgain` when RECEIVED was sent for it once more.
        case duplicateDropped(messageID: String, confirmedAgain: Bool)
    }
}
