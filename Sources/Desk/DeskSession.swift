import Foundation

/// A person logged in at the desk: who they are, the token every form must carry (CSRF), their language, and
/// when they last did something (the idle timeout).
struct DeskSession: Sendable {
    var contactID: String
    var csrfToken: String
    var language: DeskLanguage
    var lastSeen: ContinuousClock.Instant
    /// The proxy's login this session was made for (production): a request with another user gets a new session.
    var login: String?

    /// 256 random bits as hex, from the system's cryptographic generator (getrandom on Linux).
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }

    /// Whether `text` has the shape of ``token()``: 64 lowercase hex digits.
    static func isToken(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
