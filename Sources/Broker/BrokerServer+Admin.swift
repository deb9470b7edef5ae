import Foundation
import SchakelProtocol
import Storage

/// The admin socket (Protocols/ADMIN.md): the commands this module provides, and the loop's side of the REP socket.
extension BrokerServer {
    /// Registers the built-in commands. Features that come later add theirs the same way, e.g.
    /// `adminCommands.register("clock.advance", ...)`.
    func registerAdminCommands() {
        adminCommands.register("help", summary: "list the admin commands") { [unowned self] _ in
            ["commands": .object(adminCommands.summaries.mapValues { .string($0) })]
        }
        adminCommands.register("stats", summary: "counts, ages and latencies; no personal data") {
            [unowned self] _ throws(AdminError) in
            do {
                return try stats(listingOverdue: true).json
            } catch {
                throw AdminError("failed", "could not read the statistics: \(error)")
            }
        }
        adminCommands.register("backup", summary: "write a consistent copy of the database to \"path\"") {
            [unowned self] request throws(AdminError) in
            guard let path = request["path"]?.stringValue, path.hasPrefix("/") else {
                throw .invalid("backup needs \"path\": an absolute file name for the copy")
            }
            guard let db = db as? Database else {
                throw AdminError(
                    "disabled",
                    "the state is in PostgreSQL: back it up with PostgreSQL's own tools (pg_basebackup, pg_dump)")
            }
            let started = ContinuousClock.now
            do {
                let pages = try db.backup(to: path)
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                logger.info(
                    "admin.backup", ["path": path, "pages": "\(pages)", "took": "\(started.duration(to: .now))"])
                return ["path": .string(path), "pages": .int(pages), "bytes": .int(size)]
            } catch {
                logger.error("admin.backup_failed", ["path": path, "error": "\(error)"])
                throw AdminError("failed", "backup to \(path) failed: \(error)")
            }
        }
        adminCommands.register(
            "clock.advance",
            summary: "manual clock only: move the daemon's clock forward by \"duration\" and fire what is due"
        ) { [unowned self] request throws(AdminError) in
            guard let manualClock else {
                throw AdminError("disabled", "clock.advance needs \"clock\": {\"mode\": \"manual\"} in the config")
            }
            guard let text = request["duration"]?.stringValue, let duration = ISODuration(text) else {
                throw .invalid("clock.advance needs \"duration\": an ISO 8601 duration such as PT2H or P3D")
            }
            let now = manualClock.advance(by: duration.seconds)
            // Fire what fell due before answering, so the caller sees the effects committed.
            let fired = fireDueTimers()
            logger.info("admin.clock_advanced", ["by": text, "now": RFC3339.format(now), "fired": "\(fired)"])
            return ["now": .string(RFC3339.format(now)), "timers_fired": .int(fired)]
        }
        adminCommands.register(
            "assign", summary: "offer an unowned or unroutable need to \"contact\" on the decision of \"by\""
        ) { [unowned self] request throws(AdminError) in
            guard let handoverID = request["handover_id"]?.stringValue, let contact = request["contact"]?.stringValue,
                let by = request["by"]?.stringValue
            else {
                throw .invalid("assign needs \"handover_id\", \"contact\" and \"by\" (the coordinator who decided)")
            }
            do {
                let newID = try commitChange { try desk.assign(handoverID: handoverID, to: contact, by: by) }
                return ["handover_id": .string(newID)]
            } catch AssignError.notFound(let message) {
                throw AdminError("not_found", message)
            } catch AssignError.conflict(let message) {
                throw AdminError("conflict", message)
            } catch AssignError.forbidden(let message) {
                throw AdminError("forbidden", message)
            } catch {
                throw AdminError("failed", "the assignment could not be stored: \(error)")
            }
        }
        adminCommands.register(
            "socialmap.reload",
            summary: "check the social map file in full and swap it in; on any problem keep the running map"
        ) { [unowned self] _ throws(AdminError) in
            let path = config.socialMapPath
            switch reloadSocialMap(from: path) {
            case .success(let withdrawn):
                return [
                    "social_map": .string(path.path), "organisations": .int(desk.map.organizations.count),
                    "contacts": .int(desk.map.contacts.count), "withdrawn": .int(withdrawn),
                ]
            case .failure(let error):
                throw AdminError(
                    "invalid",
                    "\(path.path) has \(error.problems.count) problem(s); the running map was kept",
                    details: [
                        "problems": .array(
                            error.problems.map { ["path": .string($0.path), "message": .string($0.message)] })
                    ])
            }
        }
        let testHooks = config.testHooks
        adminCommands.register("debug.stall", summary: "tests only: block the event loop for \"seconds\"") {
            [unowned self] request throws(AdminError) in
            guard testHooks else {
                throw AdminError("disabled", "debug.stall is a test hook; it needs \"test_hooks\": true in the config")
            }
            guard let seconds = request["seconds"]?.numberValue, seconds > 0, seconds <= 60 else {
                throw .invalid("debug.stall needs \"seconds\" between 0 and 60")
            }
            logger.warning("debug.stall", ["seconds": "\(seconds)"])
            Thread.sleep(forTimeInterval: seconds)
            return ["stalled_seconds": .number(seconds)]
        }
    }

    /// Answers every admin request waiting on the REP socket, one reply each.
    func serveAdmin() throws {
        while let request = try admin.receive(dontWait: true) {
            let answer = adminCommands.reply(to: request.frames)
            // A name the daemon does not know is logged as `unknown`, not as typed.
            let command = answer.command.map { adminCommands.summaries[$0] == nil ? "unknown" : $0 } ?? "-"
            if let error = answer.error {
                logger.info("admin.refused", ["command": command, "code": error.code])
            } else {
                logger.debug("admin.command", ["command": command])
            }
            auditAdminAction(request: request.frames, command: answer.command, error: answer.error)
            _ = try admin.send([answer.reply], dontWait: true)
        }
    }

    /// The snapshot behind `schakelctl stats` and `/metrics`; with `listingOverdue` (the admin `stats`) it names the
    /// handovers overdue longest too.
    func stats(listingOverdue: Bool = false) throws -> BrokerStats {
        var referrals = Dictionary(uniqueKeysWithValues: ReferralState.allCases.map { ($0.rawValue, 0) })
        var handovers = Dictionary(uniqueKeysWithValues: HandoverState.allCases.map { ($0.rawValue, 0) })
        let counts = try desk.store.countsByState()
        referrals.merge(counts.referrals) { $1 }
        handovers.merge(counts.handovers) { $1 }
        let outbox = try desk.store.outboxBacklog()
        let oldest = outbox.oldest
        let uptime = startedAt.duration(to: .now).components
        var endpoints = ["broker": config.broker, "admin": config.adminEndpoint]
        endpoints["metrics"] = metrics?.endpoint
        endpoints["events"] = events?.settings.endpoint
        var stats = BrokerStats(
            version: Self.version,
            uptimeSeconds: Double(uptime.seconds) + Double(uptime.attoseconds) / 1e18,
            referralsByState: referrals, handoversByState: handovers, outboxPending: outbox.pending,
            outboxOldestAgeSeconds: oldest.map { max(0, clock.now().timeIntervalSince($0)) } ?? 0,
            peersConnected: sessions.count, commitLatency: commitLatency,
            organisations: desk.map.organizations.count, contacts: desk.map.contacts.count, mapReloads: mapReloads,
            mapReloadFailures: mapReloadFailures, endpoints: endpoints)
        stats.database = db.dialect.rawValue
        stats.overdue = try overdueHandovers()
        stats.unheldNeeds = try desk.store.unheldNeeds()
        if listingOverdue {
            stats.overdueHandovers = try desk.store.overdueHandovers(limit: BrokerStats.overdueListLimit)
        }
        stats.timersPending = timers.count
        stats.peersDropped = peersDropped
        stats.citizenCodeRefusals = citizenCodes.refusedCodes
        stats.citizenRateLimited = citizenCodes.limited
        stats.connectionsClosed =
            ConnectionGuard.Reason.allCases.map {
                (endpoint: "broker", reason: $0.rawValue, count: connectionGuard.closed[$0] ?? 0)
            }
            + (metrics.map { [(endpoint: "metrics", reason: "limit_or_timeout", count: $0.closedByLimit)] } ?? [])
        if !intake.sources.isEmpty {
            stats.intake = [
                "received": intakeCounts.received, "accepted": intakeCounts.accepted,
                "duplicates": intakeCounts.duplicates, "rejected": intakeCounts.rejected,
            ]
        }
        stats.eventsPublished = events?.published
        return stats
    }

    /// How many handovers passed their deadline with nobody acting (`ReferralStore.overdueCondition` says which).
    func overdueHandovers() throws -> Int {
        try desk.store.overdueCount()
    }

    /// The one line `systemctl status` shows.
    func statusLine() -> String {
        let open =
            (try? desk.store.openReferrals()) ?? 0
        let overdue = (try? overdueHandovers()) ?? 0
        return
            "serving: \(open) open referrals, \(overdue) overdue, \(sessions.count) peers"
    }

    /// The metrics endpoint's routes.
    func route(_ method: String, _ path: String) -> MetricsEndpoint.Response {
        switch path {
        case "/metrics":
            do {
                var snapshot = try stats()
                try signalCounters.catchUp(desk.store)
                snapshot.signals = signalCounters
                return MetricsEndpoint.Response(
                    status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: snapshot.prometheus)
            } catch {
                return MetricsEndpoint.Response(status: 503, body: "statistics unavailable\n")
            }
        case "/healthz":
            // The loop answered, so it turns; the database must answer too.
            guard desk.store.isReadable else {
                return MetricsEndpoint.Response(status: 503, body: "database unavailable\n")
            }
            // A standby answers 503 "standby: ..." (Standby.swift): this 200 is the active one's.
            return MetricsEndpoint.Response(status: 200, body: "ok\n")
        default:
            return MetricsEndpoint.Response(status: 404, body: "try /metrics or /healthz\n")
        }
    }
}
