import Foundation

/// The open sessions, by the random token in the `schakel_session` cookie. In memory only: a desk restart logs
/// everyone out, which costs a login and keeps no personal data on disk.
///
/// `@unchecked Sendable`: `sessions` only under `lock`.
final class DeskSessions: @unchecked Sendable {
    private let lock = NSLock()
    private var sessions: [String: DeskSession] = [:]
    let idleTimeout: Duration

    init(idleTimeout: Duration) {
        self.idleTimeout = idleTimeout
    }

    /// Opens a session and returns its token.
    func open(contactID: String, language: DeskLanguage, login: String? = nil) -> (token: String, session: DeskSession)
    {
        let session = DeskSession(
            contactID: contactID, csrfToken: DeskSession.token(), language: language, lastSeen: .now, login: login)
        let token = DeskSession.token()
        lock.withLock {
            sessions = sessions.filter { ContinuousClock.now - $0.value.lastSeen < idleTimeout }
            sessions[token] = session
        }
        return (token, session)
    }

    /// The live session of `token`, its idle clock restarted; nil for an unknown token or one idle too long
    /// (which is then gone).
    func touch(_ token: String?) -> DeskSession? {
        guard let token else { return nil }
        return lock.withLock {
            guard var session = sessions[token] else { return nil }
            guard ContinuousClock.now - session.lastSeen < idleTimeout else {
                sessions[token] = nil
                return nil
            }
            session.lastSeen = .now
            sessions[token] = session
            return session
        }
    }

    /// Switches a session's language (the switch on every page).
    func setLanguage(_ language: DeskLanguage, for token: String) {
        lock.withLock { sessions[token]?.language = language }
    }

    func close(_ token: String?) {
        guard let token else { return }
        lock.withLock { sessions[token] = nil }
    }
}
