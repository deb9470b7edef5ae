import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The Mailer's log lines, in the daemon's shape: `<4>level=warning event=mail.failed contact=c-17 kind=offer
/// attempt=2 exit=75 retry_in=120s`.
///
/// The `<N>` prefix lets journald file the line under its priority; the rest is logfmt. A line names the contact
/// by its id on the map and the kind of notice, never the recipient's address or anything of the case.
public enum MailerLog {
    /// Severities with their syslog priority, as the daemon's `LogLevel`.
    public enum Level: Int, Sendable {
        case error = 3
        case warning = 4
        case info = 6

        var name: String {
            switch self {
            case .error: "error"
            case .warning: "warning"
            case .info: "info"
            }
        }
    }

    /// The default sink: the line to stderr in one `write`, so lines from several threads do not interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// One line, newline included.
    static func line(_ level: Level, _ event: String, _ fields: [(String, String)]) -> String {
        var line = "<\(level.rawValue)>level=\(level.name) event=\(event)"
        for (name, value) in fields { line += " \(name)=\(quote(value))" }
        return line + "\n"
    }

    /// The fields every line about one notice starts with.
    static func notice(kind: MailNotice.Kind, contactID: String?) -> [(String, String)] {
        (contactID.map { [("contact", $0)] } ?? []) + [("kind", kind.rawValue)]
    }

    /// logfmt quoting, as the daemon's `Logger`.
    static func quote(_ value: String) -> String {
        if !value.isEmpty, !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return value
        }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r")
        return "\"\(escaped)\""
    }

    /// `30s`, `250ms`: a retry delay as a log line gives it.
    static func text(_ duration: Duration) -> String {
        let ms = milliseconds(duration)
        return ms % 1_000 == 0 ? "\(ms / 1_000)s" : "\(ms)ms"
    }

    /// Whole milliseconds, rounded up, so a wait never ends before its instant.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let ms = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        return Int(attoseconds % 1_000_000_000_000_000 > 0 ? ms + 1 : ms)
    }
}
