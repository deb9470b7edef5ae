/// The stable error codes of SRP/1. Adapters branch on these; never rename one.
public enum RejectionCode: String, Sendable, Codable, CaseIterable {
    /// The frames, signature, JSON or UTF-8 are broken.
    case malformed
    /// The JSON is well formed but breaks the schema; `field` names the path.
    case invalid
    case unknownCommand = "unknown_command"
    case helloRequired = "hello_required"
    case unknownPrincipal = "unknown_principal"
    case forbidden
    case conflict
    case notFound = "not_found"
    case tooLarge = "too_large"
    /// Storage could not commit: nothing was acknowledged, the peer may retry.
    case unavailable
    /// Too many wrong citizen codes from this portal (or from all) in the last minute: every citizen command is
    /// refused until the minute has passed, the right code included.
    case rateLimited = "rate_limited"
}
