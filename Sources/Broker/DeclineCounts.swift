import Foundation
import SocialMap
import Storage

/// The declines that say the map is wrong about a contact, read from a daemon's state directory for
/// `schakelctl socialmap check --state-dir` (read-only: the daemon may be running).
public enum DeclineCounts {
    /// Per contact, the declines per reason of ``MapCheck/mapDeclineReasons``.
    public static func read(stateDirectory: String) throws -> [String: [String: Int]] {
        let path = URL(fileURLWithPath: stateDirectory).appendingPathComponent("schakel.sqlite").path
        let db = try Database(path: path, options: Database.Options(readOnly: true))
        defer { try? db.close() }
        return try ReferralStore.declineCounts(in: db, reasons: MapCheck.mapDeclineReasons)
    }
}
