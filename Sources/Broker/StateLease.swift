import Foundation
import SchakelProtocol
import Storage

/// The active daemon's claim on a PostgreSQL database that several daemons share (issue 21): exactly one serves,
/// the others wait as standbys until the claim lapses.
///
/// A lease row, not a session's advisory lock: a daemon that is frozen (SIGSTOP, a paused VM) keeps its
/// connection open, so a lock tied to the connection would keep it active forever; a lease that the daemon must
/// renew runs out while it is frozen. Every takeover adds one to the row's token (the fencing token), and every
/// write transaction of the active daemon begins with ``fence(_:)``: an update of the row that only matches the
/// token it took. A daemon that wakes up after another took over matches nothing, writes nothing, and stops.
/// The row lock that update takes orders the active daemon's transactions and a takeover: a takeover that waits
/// for a transaction in flight sees the lease renewed by it and does not happen.
///
/// Times are the database server's (`clock_timestamp()`), never a daemon's clock, which may be the manual one.
struct StateLease {
    /// Who holds it: the host and the state directory. A daemon restarted on the same state directory (by
    /// systemd, after a crash) is the same holder and takes its lease back at once instead of waiting for it to
    /// lapse: the state directory's lock (`schakeld.lock`) proves that the previous process is gone, and the new
    /// token fences it all the same.
    let holder: String
    /// How long the lease lasts without renewal.
    let duration: ISODuration
    /// The token of the current hold; nil while not holding it.
    private(set) var token: Int64?

    init(duration: ISODuration, stateDirectory: URL) {
        self.duration = duration
        holder = "\(ProcessInfo.processInfo.hostName):\(stateDirectory.path)"
    }

    /// How often the active daemon renews when it has nothing else to write: a fifth of the lease.
    var renewInterval: Duration { .milliseconds(Int(duration.seconds * 200)) }

    /// Takes the lease when it has lapsed, was never held, or was this holder's (a restart); returns whether this
    /// daemon holds it now. Waits at
    /// most a moment for an active daemon's transaction in flight (`lock_timeout`), then says no.
    mutating func tryAcquire(_ db: any SQLDatabase) throws -> Bool {
        let row = try db.writeTransaction {
            try db.run("SET LOCAL lock_timeout = '500ms'", [])
            return try db.queryOne(
                """
                UPDATE schakel_lease SET holder = ?, token = token + 1,
                       expires_at = clock_timestamp() + make_interval(secs => ?)
                WHERE id = 1 AND (expires_at < clock_timestamp() OR holder = ?)
                RETURNING token
                """, [.text(holder), .real(duration.seconds), .text(holder)])
        }
        token = row?.int64("token")
        return token != nil
    }

    /// The fencing check, first in every write transaction of the active daemon: renews the lease when this
    /// daemon's token is still the row's, and otherwise throws ``LeaseLost`` (the transaction then stores nothing).
    ///
    /// The renewal is a query that returns the token, never a write judged by ``SQLDatabase/changes``: a session
    /// that ends under the update (the server crashed, a failover) must throw that connection error, which the loop
    /// answers `unavailable` and then connects again. Read as "no row changed", it made the daemon believe another
    /// one had taken over, and exit (issue 21's failover test, when the primary died at a transaction's start).
    func fence(_ db: any SQLDatabase) throws {
        guard let token else { throw LeaseLost(holder: nil) }
        let renewed = try db.queryOne(
            """
            UPDATE schakel_lease SET expires_at = clock_timestamp() + make_interval(secs => ?)
            WHERE id = 1 AND token = ? AND holder = ?
            RETURNING token
            """, [.real(duration.seconds), .integer(token), .text(holder)])
        guard renewed != nil else {
            throw LeaseLost(
                holder: try? db.queryOne("SELECT holder FROM schakel_lease WHERE id = 1", [])?.string("holder"))
        }
    }

    /// Gives the lease up at a clean stop, so that a standby takes over at once instead of after the lease.
    func release(_ db: any SQLDatabase) throws {
        guard let token else { return }
        try db.run(
            "UPDATE schakel_lease SET expires_at = '-infinity' WHERE id = 1 AND token = ? AND holder = ?",
            [.integer(token), .text(holder)])
    }

    /// The holder of the lease as the database has it now, and whether it is still valid: for a standby's `stats`.
    static func current(_ db: any SQLDatabase) throws -> (holder: String, valid: Bool)? {
        try db.queryOne(
            "SELECT holder, expires_at > clock_timestamp() AS valid FROM schakel_lease WHERE id = 1", []
        ).map { ($0.string("holder") ?? "", $0.bool("valid") ?? false) }
    }
}

/// Another daemon took the lease over: this one must not write again, and stops.
struct LeaseLost: Error, CustomStringConvertible {
    /// Who holds it now, when that could be read.
    var holder: String?
    var description: String {
        "another schakeld (\(holder ?? "unknown")) took over the database: this one stops writing and exits"
    }
}
