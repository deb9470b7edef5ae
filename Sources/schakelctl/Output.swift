import Foundation
import SchakelProtocol

/// Where schakelctl's results go: text for people by default, or with `--json` JSON Lines for scripts (one compact
/// JSON object per line, times in UTC as on the wire), so that `schakelctl status ID --json | jq .state` works.
///
/// Each line is written straight to the file descriptor, so that a pipe sees each message the moment it comes.
struct Output {
    let json: Bool

    /// A message from the broker: in JSON its body with `"kind"` set to the command (`REFERRAL`, `NOTICE`, …).
    func message(_ message: WireMessage) {
        if json {
            var fields = message.body.objectValue ?? [:]
            fields["kind"] = .string(message.command)
            write(JSONValue.object(fields).canonicalString())
        } else {
            write(MessageText.text(message))
        }
    }

    /// A result that is not a broker message (an admin reply, a list made here): `object` in JSON, else `text()`.
    func result(_ object: JSONValue, _ text: () -> String) {
        write(json ? object.canonicalString() : text())
    }

    /// A line for people only; silent in JSON mode.
    func note(_ text: String) {
        if !json { write(text) }
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
