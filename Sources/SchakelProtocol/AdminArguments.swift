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
        func text(_ key: String, _ pattern: String) -> String? {
            guard allowed.contains(key), let value = detail[key]?.stringValue, value.count <= 128,
                value.range(of: pattern, options: .regularExpression) != nil
            else { return nil }
            return value
        }
        let duration = "^P(\\d+W)?(\\d+D)?(T(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$"
        handoverID = text("handover_id", "^ho-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        contact = text("contact", "^contact:[a-z0-9][a-z0-9-]{0,99}$")
        by = text("by", "^(org|contact):[a-z0-9][a-z0-9-]{0,99}$")
        self.duration = text("duration", duration)
        olderThan = text("older_than", duration)
        keyID = text("key_id", "^[a-z0-9_-]{1,32}$")
        if allowed.contains("dry_run"), case .bool(let flag)? = detail["dry_run"] { dryRun = flag }
        if allowed.contains("seconds"), let number = detail["seconds"]?.numberValue, number.isFinite {
            seconds = number
        }
        if self == AdminArguments() { return nil }
    }

    enum CodingKeys: String, CodingKey {
        case contact, by, duration, seconds
        case handoverID = "handover_id"
        case olderThan = "older_than"
        case dryRun = "dry_run"
        case keyID = "key_id"
    }
}
