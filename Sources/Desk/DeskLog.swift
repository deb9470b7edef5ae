import Foundation

/// The desk's log: one logfmt line per event on standard error, as the daemon writes them (journald keeps it).
/// Never a citizen's data; contact ids and counts only.
enum DeskLog {
    static func line(_ level: String, _ event: String, _ fields: [String: String]) {
        var text = "level=\(level) event=\(event)"
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            let plain = value.allSatisfy { $0.isLetter || $0.isNumber || "-_.:/@".contains($0) }
            text +=
                " \(key)="
                + (plain && !value.isEmpty ? value : "\"\(value.replacingOccurrences(of: "\"", with: "'"))\"")
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
