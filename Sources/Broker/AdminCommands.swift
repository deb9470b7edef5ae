import Foundation
import SchakelProtocol

/// Why an admin request failed: a stable `code` for scripts and a `message` for people (Protocols/ADMIN.md).
public struct AdminError: Error, Sendable, Equatable {
    /// `invalid`, `unknown_command`, `disabled` or `failed`.
    public var code: String
    public var message: String
    /// Further fields of the reply (`problems` of a refused `socialmap.reload`).
    public var details: [String: JSONValue] = [:]

    public init(_ code: String, _ message: String, details: [String: JSONValue] = [:]) {
        self.code = code
        self.message = message
        self.details = details
    }

    static func invalid(_ message: String) -> AdminError { AdminError("invalid", message) }
}

/// The admin socket's commands by name: each takes the request object and returns the fields of its reply.
///
/// A registry rather than a switch, so that a feature adds its command where it lives
/// (`socialmap.reload`, `clock.advance`) without touching the dispatcher. The handlers run on the event-loop
/// thread, between batches, so they may read and change broker state directly.
struct AdminCommands {
    typealias Handler = (JSONValue) throws(AdminError) -> [String: JSONValue]

    private struct Entry {
        var summary: String
        var handler: Handler
    }

    private var entries: [String: Entry] = [:]

    /// Adds `name`; registering a name twice is a programming error.
    mutating func register(_ name: String, summary: String, _ handler: @escaping Handler) {
        precondition(entries[name] == nil, "admin command \(name) registered twice")
        entries[name] = Entry(summary: summary, handler: handler)
    }

    /// The registered names with their one-line summaries, for the `help` command.
    var summaries: [String: String] { entries.mapValues(\.summary) }

    /// Turns one request frame into one reply frame; never throws, since a REP socket must always answer.
    func reply(to frames: [Data]) -> (reply: Data, command: String?, error: AdminError?) {
        var command: String?
        do throws(AdminError) {
            guard frames.count == 1 else { throw .invalid("send exactly one frame holding a JSON object") }
            let request: JSONValue
            do {
                request = try JSONValue.parse(frames[0])
            } catch {
                throw .invalid("the request is not valid JSON")
            }
            guard case .object = request else { throw .invalid("the request must be a JSON object") }
            guard let name = request["command"]?.stringValue else {
                throw .invalid("the request needs a \"command\" string")
            }
            command = name
            guard let entry = entries[name] else {
                throw AdminError(
                    "unknown_command",
                    "no admin command \"\(name)\"; known: \(entries.keys.sorted().joined(separator: ", "))")
            }
            var fields = try entry.handler(request)
            fields["ok"] = true
            return (JSONValue.object(fields).canonicalData(), command, nil)
        } catch {
            var body: [String: JSONValue] = [
                "ok": false, "code": .string(error.code), "message": .string(error.message),
            ]
            body.merge(error.details) { current, _ in current }
            return (JSONValue.object(body).canonicalData(), command, error)
        }
    }
}

extension JSONValue {
    /// A JSON number from an integer.
    static func int(_ value: Int) -> JSONValue { .number(Double(value)) }
}
