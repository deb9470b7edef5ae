import Foundation

/// One line per event on stderr: `<6>level=info event=referral.accepted referral=ref-…`.
///
/// The `<N>` prefix lets journald file the line under the right priority; the rest is logfmt
/// so operators can grep and parse it. Callers pass ids and states only, never personal data.
public struct Logger: Sendable {
    public var level: LogLevel

    public init(level: LogLevel) {
        self.level = level
    }

    public func log(_ severity: LogLevel, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard severity <= level else { return }
        var line = "<\(severity.rawValue)>level=\(severity.name) event=\(event)"
        for (key, value) in fields {
            line += " \(key)=\(Self.quote(value))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    public func error(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.error, event, fields) }
    public func warning(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.warning, event, fields) }
    public func info(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.info, event, fields) }
    public func debug(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.debug, event, fields) }

    static func quote(_ value: String) -> String {
        if !value.isEmpty, !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return value
        }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }
}
