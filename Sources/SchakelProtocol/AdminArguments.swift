import Foundation

/// The arguments of an admin command that the event stream publishes (`data.arguments` of `nl.schakel.admin.*`):
/// ids, principals of professionals, durations and flags, each only when it has its documented form.
///
/// Never a path (it may name anything) and never free text: whatever the operator typed that does not have the
/// form is left out, so a mistyped name cannot reach the stream.
public struct AdminArguments: Sendable, Equatable, Codable {
    public var handoverID: String?
    public var contact: String?
    /// Who decided an `assign`: a coordinator's principal.
    public var by: String?
    public var duration: String?
    public var olderThan: String?
    public var dryRun: Bool?
    public var seconds: Double?
    public var keyID: String?

    public init() {}

    /// The arguments each admin command publishes; the others it was sent are left out.
    public static let published: [String: Set<String>] = [
        "assign": ["handover_id", "contact", "by"], "clock.advance": ["duration"], "debug.stall": ["seconds"],
        "key.rotate": ["key_id"], "purge": ["dry_run", "older_than"],
    ]

    /// The publishable arguments of `command` among `detail` (the `detail` column of its `admin.<command>` audit
    /// row); nil when there are none.
    public init?(audited detail: [String: JSONValue], command: String) {
        let allowed = Self.published[command] ?? []
        func text(_ key: String) -> String? {
            guard allowed.contains(key), let value = detail[key] else { return nil }
            return Self.validated(key, value)?.stringValue
        }
        handoverID = text("handover_id")
        contact = text("contact")
        by = text("by")
        duration = text("duration")
        olderThan = text("older_than")
        keyID = text("key_id")
        if allowed.contains("dry_run"), let flag = detail["dry_run"].flatMap({ Self.validated("dry_run", $0) }) {
            dryRun = flag.boolValue
        }
        if allowed.contains("seconds"), let number = detail["seconds"].flatMap({ Self.validated("seconds", $0) }) {
            seconds = number.numberValue
        }
        if self == AdminArguments() { return nil }
    }

    /// The documented form of each argument an audit row may keep: ids the broker made, principals, durations.
    private static let forms: [String: String] = {
        let uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        let duration = "^P(\\d+W)?(\\d+D)?(T(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$"
        return [
            "referral_id": "^ref-\(uuid)$", "handover_id": "^ho-\(uuid)$",
            "contact": "^contact:[a-z0-9][a-z0-9-]{0,99}$", "by": "^(org|contact):[a-z0-9][a-z0-9-]{0,99}$",
            "duration": duration, "older_than": duration, "key_id": "^[a-z0-9_-]{1,32}$",
        ]
    }()

    /// `value` when the argument `key` has its documented form (an id the broker made, a principal, a duration,
    /// a flag or a number of seconds); nil otherwise.
    ///
    /// What an `admin.<command>` audit row keeps of its request: an operator who types a citizen's name or phone
    /// number where an id belongs gets a refusal, and the record of it holds neither.
    public static func validated(_ key: String, _ value: JSONValue) -> JSONValue? {
        switch (key, value) {
        case ("dry_run", .bool): return value
        case ("seconds", .number(let number)) where number.isFinite: return value
        case (_, .string(let text)):
            guard let form = forms[key], text.utf8.count <= 128,
                text.range(of: form, options: .regularExpression) != nil
            else { return nil }
            return value
        default: return nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case contact, by, duration, seconds
        case handoverID = "handover_id"
        case olderThan = "older_than"
        case dryRun = "dry_run"
        case keyID = "key_id"
    }
}
