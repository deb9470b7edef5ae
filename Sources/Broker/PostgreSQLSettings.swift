import Foundation
import SchakelProtocol

/// Config `database.postgresql`: where the shared state is, and how long an active daemon's lease lasts.
///
/// ```json
/// "database": {"postgresql": {"conninfo": "host=db1,db2 dbname=schakel target_session_attrs=read-write",
///                              "lease": "PT5S"}}
/// ```
public struct PostgreSQLSettings: Sendable, Equatable {
    /// A libpq connection string (keywords or a `postgresql://` URI): hosts, TLS (`sslmode`), a password file
    /// (`passfile`); every libpq setting works.
    public var conninfo: String
    /// How long the active daemon's lease lasts without a renewal: a standby takes over this long after the active
    /// one stopped renewing (it died, froze or lost the database). It renews at a fifth of this.
    public var lease: ISODuration

    public static let defaultLease = ISODuration("PT5S")!

    public init(conninfo: String, lease: ISODuration = defaultLease) {
        self.conninfo = conninfo
        self.lease = lease
    }

    static func parse(_ section: JSONValue, problems: inout [String]) -> PostgreSQLSettings? {
        guard case .object(let fields) = section else {
            problems.append("database.postgresql must be an object with \"conninfo\"")
            return nil
        }
        for key in fields.keys.sorted() where !["conninfo", "lease"].contains(key) {
            problems.append("database.postgresql.\(key) is not a setting (conninfo, lease)")
        }
        guard let conninfo = fields["conninfo"]?.stringValue, !conninfo.isEmpty else {
            problems.append(
                "database.postgresql.conninfo must be a libpq connection string such as \"host=db1 dbname=schakel\"")
            return nil
        }
        var lease = defaultLease
        if let text = fields["lease"] {
            if let value = text.stringValue.flatMap(ISODuration.init), value.seconds >= 1, value.seconds <= 600 {
                lease = value
            } else {
                problems.append(
                    "database.postgresql.lease must be an ISO 8601 duration from PT1S to PT10M, such as PT5S")
            }
        }
        return PostgreSQLSettings(conninfo: conninfo, lease: lease)
    }
}
