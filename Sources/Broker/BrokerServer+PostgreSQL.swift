import Foundation
import PostgreSQL
import SocialMap
import Storage
import Systemd

/// Starting on PostgreSQL (issue 21): connect, migrate, and become the active daemon or wait as a standby.
extension BrokerServer {
    /// Connects and brings the schema to the newest version; says what to check when the server cannot be reached.
    static func openPostgreSQL(
        _ settings: PostgreSQLSettings, logger: Logger? = nil, notifier: SystemdNotifier? = nil
    ) throws -> PostgreSQLDatabase {
        let db: PostgreSQLDatabase
        do {
            db = try PostgreSQLDatabase(conninfo: settings.conninfo)
        } catch {
            throw StartupError(
                "cannot connect to PostgreSQL (database.postgresql.conninfo): \(error); check the host, the port, "
                    + "the database name and the password file")
        }
        let foreign: [String]
        do {
            foreign = try Schema.isMade(db) ? [] : Schema.foreignTables(db)
        } catch {
            db.close()
            throw StartupError("cannot read what the PostgreSQL database holds: \(error)")
        }
        guard foreign.isEmpty else {
            db.close()
            throw StartupError(
                "the PostgreSQL database in database.postgresql.conninfo already holds tables that are not Schakel's "
                    + "(\(foreign.joined(separator: ", "))), and Schakel changed nothing in it; give Schakel a "
                    + "database of its own (CREATE DATABASE schakel) and name that one")
        }
        do {
            let newest = Schema.postgresqlMigrations.map(\.version).max() ?? 0
            try migrating(from: Schema.postgresqlVersion(db), to: newest, logger: logger, notifier: notifier) {
                try Schema.migratePostgreSQL(db)
            }
        } catch {
            db.close()
            throw StartupError("cannot prepare the PostgreSQL database for Schakel: \(error)")
        }
        // As SQLite's busy timeout: a lock another session holds (an operator's LOCK TABLE, an ALTER TABLE) makes
        // the batch answer `unavailable` within a second instead of stopping the loop, every peer and the watchdog.
        db.writeLockTimeoutMilliseconds = writeLockTimeoutMilliseconds
        return db
    }

    /// Takes the lease at once when it is free; otherwise waits as a ``Standby`` until it is. Throws
    /// ``StoppedAsStandby`` when the daemon is asked to stop while it waits. `map` is the social map the standby
    /// admits keys by; a SIGHUP while it waits reads it again, and the daemon goes on with the map it then has.
    static func takeLease(
        _ settings: PostgreSQLSettings, db: any SQLDatabase, config: BrokerConfig, map: inout SocialMap,
        logger: Logger, notifier: SystemdNotifier, shutdown: ShutdownSignal
    ) throws -> StateLease {
        var lease = StateLease(duration: settings.lease, stateDirectory: config.stateDirectory)
        do {
            if try lease.tryAcquire(db) { return lease }
        } catch {
            logger.warning("lease.database_unavailable", ["error": "\(error)"])
        }
        let standby = try Standby(config: config, map: map, logger: logger)
        guard try standby.wait(for: &lease, db: db, notifier: notifier, shutdown: shutdown) else {
            try? db.close()
            throw StoppedAsStandby()
        }
        map = standby.map
        return lease
    }

    /// How long the loop's transactions wait for another session's lock on PostgreSQL, like SQLite's busy timeout.
    static let writeLockTimeoutMilliseconds = 1_000

    /// Renews the lease when no write has renewed it for a while: an empty transaction that proves the token.
    func renewLeaseIfDue() {
        guard lease != nil, leaseLost == nil, ContinuousClock.now >= nextLeaseRenewal else { return }
        do {
            _ = try turn {}
        } catch {
            if leaseLost == nil { logger.warning("lease.renew_failed", ["error": "\(error)"]) }
            nextLeaseRenewal = .now + .milliseconds(500)
        }
    }
}

/// A standby was asked to stop (SIGTERM) before it took the lease: a clean stop, not a failure.
public struct StoppedAsStandby: Error, CustomStringConvertible {
    public var description: String { "stopped while waiting as a standby" }
}

extension BrokerServer {
    /// For `--check-config`: whether the PostgreSQL server the config names can be reached and written, and what it
    /// holds (a line to print); no problems and no line on SQLite. Connects and reads, never writes.
    public static func databaseCheck(_ config: BrokerConfig) -> (problems: [String], note: String?) {
        guard let settings = config.postgresql else { return ([], nil) }
        let db: PostgreSQLDatabase
        do {
            db = try PostgreSQLDatabase(conninfo: settings.conninfo)
        } catch {
            return (["database.postgresql.conninfo: cannot connect: \(error)"], nil)
        }
        defer { db.close() }
        do {
            if try Schema.isReadOnly(db) {
                return (
                    [
                        "database.postgresql.conninfo reaches a read-only server (a standby): add the primary, "
                            + "or target_session_attrs=read-write with every host"
                    ], nil
                )
            }
            let version = db.serverVersion
            let server = "PostgreSQL \(version / 10_000).\(version % 10_000)"
            guard try Schema.isMade(db) else {
                return ([], "\(server): reachable; the schema is made at the first start")
            }
            let lease = try StateLease.current(db)
            let holder = lease.map { $0.valid ? "active: \($0.holder)" : "no active daemon" } ?? "no lease row"
            return ([], "\(server): reachable, Schakel schema present, \(holder)")
        } catch {
            return (["database.postgresql: the server answered, but reading failed: \(error)"], nil)
        }
    }
}
