import Foundation
import PostgreSQL
import SocialMap
import Storage

/// The declines that say the map is wrong about a contact, read from a daemon's state for
/// `schakelctl socialmap check` (read-only: the daemon may be running).
public enum DeclineCounts {
    /// Per contact, the declines per reason of ``MapCheck/mapDeclineReasons``, from the SQLite file in a state
    /// directory.
    public static func read(stateDirectory: String) throws -> [String: [String: Int]] {
        let path = URL(fileURLWithPath: stateDirectory).appendingPathComponent("schakel.sqlite").path
        let db = try Database(path: path, options: Database.Options(readOnly: true))
        defer { try? db.close() }
        return try ReferralStore.declineCounts(in: db, reasons: MapCheck.mapDeclineReasons)
    }

    /// The same from wherever a daemon's config keeps its state: its SQLite file, or its PostgreSQL database.
    public static func read(config: BrokerConfig) throws -> [String: [String: Int]] {
        guard let settings = config.postgresql else { return try read(stateDirectory: config.stateDirectory.path) }
        let db = try PostgreSQLDatabase(conninfo: settings.conninfo)
        defer { db.close() }
        return try ReferralStore.declineCounts(in: db, reasons: MapCheck.mapDeclineReasons)
    }
}
