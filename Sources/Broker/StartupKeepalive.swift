import Foundation
import Systemd

/// Keeps systemd waiting while a long step of the start runs: a schema migration of a large database.
///
/// Migration 11 rewrites every row of the referrals' tables: on a database of a million referrals it took 80 seconds,
/// longer than the unit's `TimeoutStartSec=60s`. systemd would kill the daemon in the middle, the migration's
/// transaction would roll back, and every restart would start it over. While `body` runs, a thread tells systemd
/// every `interval` to wait three intervals more (`EXTEND_TIMEOUT_USEC`), with a `STATUS=` that says why, and stops
/// before `body`'s caller goes on, so no extension arrives after READY=1. A step that hangs is still not killed by
/// the start timeout; the journal's `database.migrating` line says what it is doing.
enum StartupKeepalive {
    static func during<T>(
        _ notifier: SystemdNotifier?, status: String, every interval: Duration = .seconds(10), _ body: () throws -> T
    ) rethrows -> T {
        guard let notifier, notifier.isActive else { return try body() }
        let done = DispatchSemaphore(value: 0)
        let stopped = DispatchSemaphore(value: 0)
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        let thread = Thread {
            repeat {
                notifier.extendTimeout(by: interval * 3, status: status)
            } while done.wait(timeout: .now() + seconds) == .timedOut
            stopped.signal()
        }
        thread.start()
        defer {
            done.signal()
            stopped.wait()
        }
        return try body()
    }
}

extension BrokerServer {
    /// Runs `migrate` when the schema is behind, saying so in the journal and to systemd (``StartupKeepalive``).
    static func migrating(
        from current: Int, to newest: Int, logger: Logger?, notifier: SystemdNotifier?, _ migrate: () throws -> Void
    ) throws {
        guard current < newest else { return }
        logger?.info("database.migrating", ["from": "\(current)", "to": "\(newest)"])
        let started = ContinuousClock.now
        try StartupKeepalive.during(
            notifier, status: "migrating the database from schema version \(current) to \(newest)", migrate)
        let took = started.duration(to: .now).components
        let seconds = Double(took.seconds) + Double(took.attoseconds) / 1e18
        logger?.info("database.migrated", ["version": "\(newest)", "seconds": String(format: "%.1f", seconds)])
    }
}
