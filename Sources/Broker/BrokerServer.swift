import Deadlines
import Foundation
import PostgreSQL
import SchakelProtocol
import SocialMap
import Storage
import Systemd
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's event loop: one thread owns the ROUTER socket, the database and the sessions.
///
/// Each turn it takes every message that is waiting (up to `batchSize`), handles them all in
/// one transaction, commits once, and only then sends the replies and delivers the outbox. So
/// `ACCEPTED` always follows a durable commit, and many concurrent submits share one fsync.
public final class BrokerServer {
    public static let version = "0.1.0"
    public static var serverName: String { "schakeld/\(version)" }

    var config: BrokerConfig
    var logger: Logger
    let clock: any BrokerClock
    /// `schakeld.lock` in the state directory, held for the daemon's life: one daemon per state directory.
    let stateLock: LockFile
    /// The state: the SQLite file in the state directory, or a PostgreSQL database shared with standbys.
    let db: any SQLDatabase
    /// SQLite's: copies the write-ahead log into the database file off the loop, so that no commit stalls on it.
    let checkpointer: WALCheckpointer?
    /// PostgreSQL's: this daemon's claim to be the active one, proven in every write transaction (StateLease.swift).
    let lease: StateLease?
    /// Set when a write found that another daemon took the lease over: the loop stops, and so does the daemon.
    var leaseLost: LeaseLost?
    /// When the lease is renewed next if no batch renews it first.
    var nextLeaseRenewal = ContinuousClock.now
    let desk: ReferralDesk
    let context: ZMQContext
    let router: ZMQSocket
    /// The PAIR end of the router's monitor: accepted and closed connections, for ``connectionGuard``.
    let routerMonitor: ZMQSocket
    /// Keeps the router's connections within the file-descriptor budget (BrokerServer+Connections.swift).
    var connectionGuard: ConnectionGuard
    /// When a closed-by-limit line was last logged per reason, and how many closings since.
    var connectionLog: [ConnectionGuard.Reason: (at: ContinuousClock.Instant, since: Int)] = [:]
    /// The REP socket of Protocols/ADMIN.md, on `ipc://` in the state directory, mode 0600.
    let admin: ZMQSocket
    var adminCommands = AdminCommands()
    /// HTTP `/metrics` and `/healthz`, when the config names an endpoint.
    let metrics: MetricsEndpoint?
    /// The PUB socket of CloudEvents (Protocols/EVENTS.md), when the config names an endpoint.
    let events: EventStream?
    /// The SUB sockets of the publish-only adapters in config `subscribe`.
    let intake: SubscribeIntake
    /// What the SUB intake did since start, for stats.
    var intakeCounts = IntakeCounts()
    let shutdown: ShutdownSignal
    /// Set in the manual clock mode; the admin socket advances it.
    let manualClock: ManualClock?
    /// Every pending deadline, mirrored from the timers table after each commit.
    private(set) var timers = TimerQueue<String>()
    /// Set by SCHAKEL_TEST_CRASH_BEFORE_TIMER_COMMIT=1: the tests' way to crash mid-firing.
    private let crashBeforeTimerCommit =
        ProcessInfo.processInfo.environment["SCHAKEL_TEST_CRASH_BEFORE_TIMER_COMMIT"] == "1"
    let notifier: SystemdNotifier
    /// Reads the config again for SIGHUP (the file plus the command-line overrides); nil keeps the running one.
    let configLoader: (() throws -> BrokerConfig)?
    let startedAt = ContinuousClock.now
    var commitLatency = LatencyWindow()
    var mapReloads = 0
    /// The signals `/metrics` counts per domain (``SignalCounters``), read on from where the last scrape stopped.
    var signalCounters = SignalCounters()
    /// Sessions ended because the peer did not read its answers (``dropUnreadPeer``), for stats and metrics.
    var peersDropped = 0
    /// Wrong citizen codes per portal (SRP1.md, The citizen's own view).
    var citizenCodes = CitizenCodeLimiter()
    /// At most one `citizen.rate_limited` line a minute per portal.
    let citizenLimitLog = LogThrottle(interval: .seconds(60))
    /// Answers waiting for room in their peer's libzmq queue.
    var backlog: ReplyBacklog
    /// Principals whose outbox delivery stopped at a full libzmq queue: when to try again, and the wait so far.
    var stalledPushes: [String: (next: ContinuousClock.Instant, wait: Duration)] = [:]
    var mapReloadFailures = 0
    /// A re-seal of the personal data under a new data key, done in batches between turns (`key.rotate`).
    var rotation = KeyRotation()
    /// Where a batch's requests are read while the loop handles the ones before them (``RequestReadAhead``).
    let readAheadQueue = DispatchQueue(label: "schakel.read-ahead", qos: .userInitiated)
    var sessionsByRoutingID: [Data: String] = [:]
    var sessions: [String: Session] = [:]
    /// The ZAP handler (a REP on `inproc://zeromq.zap.01`), bound before the CURVE router; nil in insecure_dev.
    let zap: ZMQSocket?
    /// The broker's CURVE public key, logged at start so operators can hand it to peers; nil in insecure_dev.
    let curvePublicKey: String?
    /// The keys ZAP admits on the event stream's socket (config `events.public_keys`); empty in insecure_dev.
    let eventSubscriberKeys: Set<String>
    /// ZAP refusals per key, logged at the 1st, 2nd, 4th, ... attempt.
    var zapRefusals = ZAPRefusals()
    /// Connections whose session a reload dropped, with the reason their next message is refused with.
    var revokedSessions: [Data: String] = [:]
    private var closed = false
    /// When a locked database was last logged, and how many batches met it since: one line per
    /// ``lockLogInterval``, not one per batch.
    private var lockLog: (last: ContinuousClock.Instant, batches: Int)?
    static let lockLogInterval = Duration.seconds(10)

    /// The log's length (in pages) at which the checkpointer is asked to copy it: SQLite's own default.
    static let checkpointPages = 1_000
    /// The length at which the loop copies the log itself, because a writer that never pauses has kept the
    /// checkpointer from ever finishing (see ``WALCheckpointer``): about 40 MiB.
    static let checkpointBackstopPages = 10_000

    /// The most timers one turn of the loop fires; the rest fire in the next turns, with requests served between.
    static let timersPerTurn = 256

    /// How often `STATUS=` is refreshed for `systemctl status`.
    static let statusInterval: Duration = .seconds(30)

    /// Opens the state, loads the social map and binds the broker, admin and metrics endpoints. Throws with a
    /// message an operator can act on when any of it fails. Nothing is served until ``run()``.
    public init(
        config: BrokerConfig, logger: Logger, notifier: SystemdNotifier = SystemdNotifier(),
        configLoader: (() throws -> BrokerConfig)? = nil
    ) throws {
        self.config = config
        self.logger = logger
        manualClock = config.manualClockStart.map { ManualClock(start: $0) }
        clock = manualClock ?? SystemClock()
        self.notifier = notifier
        self.configLoader = configLoader
        var map = try SocialMap(contentsOf: config.socialMapPath)
        for warning in Self.deploymentWarnings(config, map: map) { logger.warning("config.warning", ["fix": warning]) }
        let subscribeProblems = Self.subscribeProblems(config.subscribe, map: map)
        guard subscribeProblems.isEmpty else { throw ConfigError(problems: subscribeProblems) }
        let policy = try Self.loadPolicy(config)
        try FileManager.default.createDirectory(
            at: config.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Self.checkStateDirectory(config.stateDirectory, group: config.adminGroup)
        // Before the database and the endpoints: a second daemon must not bind (and so take over) the first
        // one's ipc:// sockets.
        stateLock = try Self.lockStateDirectory(config)
        let keys = try DataKeys.load(config, logger: logger)
        shutdown = try ShutdownSignal(signals: [SIGTERM, SIGINT, SIGHUP])
        if let settings = config.postgresql {
            let postgresql = try Self.openPostgreSQL(settings, logger: logger, notifier: notifier)
            db = postgresql
            checkpointer = nil
            lease = try Self.takeLease(
                settings, db: postgresql, config: config, map: &map, logger: logger, notifier: notifier,
                shutdown: shutdown)
        } else {
            try Self.makeDatabasePrivate(config.databasePath, logger: logger)
            let sqlite = try Self.openDatabase(config, logger: logger, notifier: notifier)
            db = sqlite
            checkpointer = try Self.startCheckpointer(sqlite, config, logger: logger)
            lease = nil
        }
        try Self.resumeManualClock(manualClock, db: db, logger: logger)
        desk = try ReferralDesk(
            db: db, map: map, policy: policy, clock: clock, logger: logger, keys: keys, retention: config.retention)
        timers = TimerQueue(scheduled: try desk.pendingTimers())
        let context = try ZMQContext()
        self.context = context
        backlog = ReplyBacklog(budgetBytes: ReplyBacklog.budget(maxBodyBytes: config.maxBodyBytes))
        router = try context.socket(.router)
        try router.setLinger(milliseconds: 1_000)
        try router.setRouterMandatory(true)
        // In CURVE mode a routing id must not move to another connection: the sessions are keyed by it, and the
        // outbox of one principal would follow it to a peer with another key (see Protocols/SRP1.md, Security).
        try router.setRouterHandover(config.curveSecretKeyFile == nil)
        try router.setMaxMessageSize(config.maxMessageBytes)
        try router.setSendHighWaterMark(Self.sendQueueMessages)
        try router.setReceiveHighWaterMark(Self.receiveQueueMessages)
        try router.setHeartbeat(
            intervalMilliseconds: 10_000, timeToLiveMilliseconds: 30_000, timeoutMilliseconds: 30_000)
        try router.setHandshakeInterval(milliseconds: Self.handshakeMilliseconds)
        // The monitor before the bind, so that no accepted connection goes uncounted.
        try router.monitor(Self.routerMonitorEndpoint, events: [.accepted, .disconnected, .handshakeFailed])
        routerMonitor = try context.socket(.pair)
        try routerMonitor.setLinger(milliseconds: 0)
        try routerMonitor.connect(Self.routerMonitorEndpoint)
        let connectionBudget = Self.connectionBudget(
            fileLimit: Self.raiseFileLimit(), configured: config.maxConnections)
        connectionGuard = ConnectionGuard(
            maxConnections: connectionBudget, maxSilent: Self.maxSilentConnections(budget: connectionBudget))
        var curve: (secretKey: String, zap: ZMQSocket)?
        if let keyFile = config.curveSecretKeyFile {
            let secretKey = try BrokerConfig.readCurveSecretKey(at: keyFile)
            // The ZAP handler first: a CURVE server without one admits every client that knows its public key.
            let zap = try Self.bindZAPHandler(context)
            self.zap = zap
            curvePublicKey = try Self.bindCurveServer(router, config.broker, secretKey: secretKey, zap: zap)
            curve = (secretKey, zap)
        } else {
            zap = nil
            curvePublicKey = nil
            try router.bind(config.broker)
        }
        eventSubscriberKeys = curve == nil ? [] : Set(config.events?.publicKeys ?? [])
        admin = try context.socket(.rep)
        try admin.setLinger(milliseconds: 0)
        try admin.setMaxMessageSize(64 * 1024)
        try Self.bindPrivately(admin, config.adminEndpoint, group: config.adminGroup)
        metrics = try config.metrics.map { try MetricsEndpoint(context: context, endpoint: $0) }
        let store = desk.store
        events = try config.events.map {
            try EventStream(context: context, settings: $0, store: store, logger: logger, curve: curve)
        }
        // The SUB sockets prove themselves with the broker's own key pair; in insecure_dev, where there is none,
        // with a fresh one, so that a listed server_key still authenticates the adapter and encrypts.
        let subscriberKeys = try curve.map {
            try CurveKeyPair(publicKey: try CurveKeyPair.publicKey(forSecretKey: $0.secretKey), secretKey: $0.secretKey)
        }
        intake = try SubscribeIntake(
            context: context, sources: config.subscribe, maxMessageBytes: config.maxMessageBytes,
            keyPair: config.subscribe.contains { $0.serverKey != nil }
                ? try subscriberKeys ?? CurveKeyPair.generate() : nil,
            logger: logger)
        registerAdminCommands()
        registerPrivacyCommands()
        registerSignalsCommands()
        startRotationIfNeeded()
        logger.info(
            "daemon.started",
            [
                "version": Self.version, "config": config.sourceURL.path, "broker": config.broker,
                "bound": (try? router.lastEndpoint()) ?? config.broker,
                "admin": config.adminEndpoint, "metrics": metrics?.endpoint ?? "-",
                "events": config.events?.endpoint ?? "-", "subscribe": "\(config.subscribe.count)",
                "state_dir": config.stateDirectory.path, "social_map": config.socialMapPath.path,
                "organisations": "\(map.organizations.count)", "contacts": "\(map.contacts.count)",
                "mode": config.insecureDev ? "insecure_dev" : "curve", "curve_public_key": curvePublicKey ?? "-",
                "watchdog": notifier.watchdogInterval.map { "\($0)" } ?? "off",
                "clock": manualClock == nil ? "system" : "manual", "timers": "\(timers.count)",
                "database": db.dialect.rawValue, "role": "active",
            ])
    }

    /// Runs until SIGTERM or SIGINT; returns after closing the sockets and the database.
    ///
    /// Tells systemd `READY=1` first (every socket is bound and the state loaded by now), then `WATCHDOG=1` from
    /// this loop at half of `WATCHDOG_USEC`: the poll never waits longer than the next ping is due, so a loop that
    /// stops turning stops pinging, and systemd restarts it.
    public func run() throws {
        var poller = ZMQPoller()
        let routerItem = poller.add(router)
        let adminItem = poller.add(admin)
        let metricsItem = metrics.map { poller.add($0.socket) }
        let zapItem = zap.map { poller.add($0) }
        let intakeItems = intake.sockets.map { poller.add($0) }
        let monitorItems = intake.monitors.map { poller.add($0) }
        let routerMonitorItem = poller.add(routerMonitor)
        let signalItem = poller.add(fileDescriptor: shutdown.readDescriptor)
        let loopClock = ContinuousClock()
        var lastRetry = loopClock.now
        var nextWatchdog = loopClock.now
        var nextStatus = loopClock.now + Self.statusInterval
        notifier.ready(status: statusLine())
        logger.info("daemon.ready", ["notify": notifier.isActive ? "on" : "off"])
        while true {
            if !backlog.isEmpty { flushBacklog() }
            if !stalledPushes.isEmpty { resumeStalledPushes() }
            fireDueTimers(limit: Self.timersPerTurn)
            resealBatch()
            renewLeaseIfDue()
            if let leaseLost {
                logger.error("lease.lost", ["error": "\(leaseLost)"])
                try close()
                throw leaseLost
            }
            let now = loopClock.now
            if let every = notifier.watchdogInterval, now >= nextWatchdog {
                notifier.watchdog()
                nextWatchdog = now + every
            }
            if now >= nextStatus {
                notifier.status(statusLine())
                nextStatus = now + Self.statusInterval
            }
            let retryInterval = Duration.milliseconds(Int(config.outboxRetryInterval.seconds * 1_000))
            var wake = min(lastRetry + retryInterval, nextStatus)
            if notifier.watchdogInterval != nil { wake = min(wake, nextWatchdog) }
            if rotation.isActive { wake = now }  // more to re-seal: only look at the sockets, then go on
            if !backlog.isEmpty { wake = min(wake, now + .milliseconds(5)) }  // answers wait for libzmq's queues
            if let timeout = metrics?.nextTimeout { wake = min(wake, max(now, timeout)) }
            if let next = stalledPushes.values.map(\.next).min() { wake = min(wake, max(now, next)) }
            if lease != nil { wake = min(wake, max(now, nextLeaseRenewal)) }
            if manualClock == nil, let due = timers.nextDue {
                // Wake for the next deadline; the manual clock only moves on an admin command.
                wake = min(wake, now + .milliseconds(Int((due.timeIntervalSince(clock.now()) * 1_000).rounded(.up))))
            }
            let ready = try poller.poll(timeoutMilliseconds: Self.milliseconds(now.duration(to: wake)))
            if ready[signalItem].contains(.readable) {
                let signals = shutdown.drain()
                if signals.contains(SIGTERM) || signals.contains(SIGINT) {
                    // Stop taking new work: the batch before this turn is committed and its replies are sent;
                    // whatever is still queued unread was never acknowledged, so its senders will retry.
                    notifier.stopping()
                    logger.info("daemon.stopping", ["signal": signals.map(String.init).joined(separator: ",")])
                    break
                }
                if signals.contains(SIGHUP) { reload() }
            }
            if ready[routerMonitorItem].contains(.readable) {
                serveRouterMonitor()
            }
            if let zapItem, ready[zapItem].contains(.readable) {
                try serveZAP()
            }
            if ready[routerItem].contains(.readable) || intakeItems.contains(where: { ready[$0].contains(.readable) }) {
                try processBatch()
            }
            for (index, item) in monitorItems.enumerated() where ready[item].contains(.readable) {
                intake.reconnectIfLost(index)
            }
            if ready[adminItem].contains(.readable) {
                try serveAdmin()
            }
            if let metricsItem, let metrics, ready[metricsItem].contains(.readable) {
                try metrics.serve(route)
            }
            metrics?.closeTimedOut()
            if loopClock.now >= lastRetry + retryInterval {
                lastRetry = loopClock.now
                resendUnconfirmed()
            }
        }
        try close()
    }

    /// A duration as a poll timeout, rounded up so that a wait never ends just before its deadline.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let perMillisecond: Int64 = 1_000_000_000_000_000
        return Int(seconds * 1_000 + (attoseconds + perMillisecond - 1) / perMillisecond)
    }

    /// Closes the sockets (the ROUTER with a bounded linger, so replies already queued still leave) and the
    /// database. Idempotent.
    public func close() throws {
        guard !closed else { return }
        closed = true
        metrics?.close()
        intake.close()
        events?.close()
        admin.close()
        routerMonitor.close()
        router.close()
        zap?.close()
        context.close()
        // The checkpointer's connection first: the last one to close copies the log and removes it.
        checkpointer?.stop()
        if let lease, leaseLost == nil {
            // A standby takes over at once instead of after the lease.
            do { try lease.release(db) } catch { logger.warning("lease.release_failed", ["error": "\(error)"]) }
        }
        try db.close()
        stateLock.release()
        logger.info("daemon.stopped")
    }

    // MARK: One turn of the loop

    /// A reply waiting for the batch's commit; `ifCommitFails` replaces it when the commit fails. Kept as the
    /// refusal and written only then: writing one for every request cost a SUBMIT 20 k instructions (issue 22).
    private struct Outgoing {
        var routingID: Data
        var delimiter: Bool
        var message: WireMessage
        var ifCommitFails: Rejection?
    }

    private func processBatch() throws {
        // Publish-only adapters get a fixed share of each batch, so a busy ROUTER cannot starve them.
        let published = try intake.receive(limit: max(1, config.batchSize / 4))
        var incoming: [Multipart] = []
        let metadata = zap == nil ? [] : [Self.curveKeyProperty]
        while incoming.count + published.count < config.batchSize,
            let message = try router.receive(dontWait: true, metadata: metadata)
        {
            if let fd = message.sourceFileDescriptor { connectionGuard.heard(from: fd) }
            incoming.append(message)
        }
        guard !incoming.isEmpty || !published.isEmpty else { return }
        let reading = RequestReadAhead(
            incoming, maxBodyBytes: config.maxBodyBytes, validator: desk.validator, sessions: sessionsByRoutingID)
        reading.start(on: readAheadQueue)
        var outgoing: [Outgoing] = []
        var greeted: Set<String> = []
        var announcements: [Announcement] = []
        var began = false
        var deliveries = Deliveries()
        // The batch's requests run without savepoints until one fails after writing (see `item(unguarded:_:)`);
        // then the batch is rolled back and run again, every request in its own savepoint.
        var unguarded = true
        let limiterBefore = citizenCodes
        let started = ContinuousClock.now
        while true {
            do {
                // The batch's log lines are written together, once the transaction is over and before any reply goes.
                (_, deliveries) = try logger.holdingLines {
                    try turn {
                        began = true
                        for (index, message) in incoming.enumerated() {
                            try handle(
                                message, read: reading.request(at: index), into: &outgoing, greeted: &greeted,
                                unguarded: &unguarded)
                        }
                        for message in published {
                            handlePublished(message, announcing: &announcements)
                        }
                    }
                }
                let elapsed = started.duration(to: .now).components
                commitLatency.record(seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
                announce(announcements)
            } catch let needed as SavepointNeeded where unguarded {
                // Nothing of the first run stays: not its rows, its effects (`turn`), its replies, nor the citizen
                // codes it counted. No session was bound in it (a HELLO ends the unguarded part of a batch).
                logger.warning(
                    "batch.replayed",
                    [
                        "error": "\(needed.cause)", "messages": "\(incoming.count)",
                        "meaning": "a request failed after writing; the batch was rolled back and is run again, "
                            + "each request on its own: lines above about its requests were not stored",
                    ])
                outgoing = []
                greeted = []
                announcements = []
                began = false
                citizenCodes = limiterBefore
                unguarded = false
                continue
            } catch  where !began {
                // Nothing could be written: another process holds SQLite's write lock (a backup tool, an sqlite3
                // shell), PostgreSQL cannot be reached, or another daemon took the lease. Every peer still gets an
                // answer, PING its PONG, within the busy timeout.
                logUnwritableDatabase(error)
                var unguarded = false
                for (index, message) in incoming.enumerated() {
                    try? handle(
                        message, read: reading.request(at: index), into: &outgoing, greeted: &greeted,
                        unguarded: &unguarded, writable: false)
                }
            } catch {
                logger.error("storage.commit_failed", ["error": "\(error)", "messages": "\(incoming.count)"])
                for i in outgoing.indices {
                    if let failure = outgoing[i].ifCommitFails {
                        outgoing[i].message = WireMessage(.rejected, encoding: failure)
                    }
                }
            }
            break
        }
        for reply in outgoing {
            sendReply(Envelope.frames(to: reply.routingID, delimiter: reply.delimiter, message: reply.message))
        }
        for principal in greeted {
            deliverOutbox(to: principal, afterSeq: 0)
        }
        deliver(deliveries.removing(greeted))
    }

    /// Answers one request of the batch, `read` from `received` (``ReadRequest``). With `writable` false (the
    /// database is locked by another process) only what needs no write is served, PING and HELLO; everything else is
    /// answered `unavailable`.
    ///
    /// `unguarded` says the request may run without a savepoint (`item(unguarded:_:)`); a request that changes what a
    /// new run of the batch would see outside the database (a session bound or revoked) ends that for the batch.
    /// Throws only ``SavepointNeeded``, for the batch to be run again.
    private func handle(
        _ received: Multipart, read: ReadRequest?, into outgoing: inout [Outgoing], greeted: inout Set<String>,
        unguarded: inout Bool, writable: Bool = true
    ) throws(SavepointNeeded) {
        guard let read else { return }
        let envelope = read.envelope
        func reply(_ message: WireMessage, ifCommitFails: Rejection? = nil) {
            outgoing.append(
                Outgoing(
                    routingID: envelope.routingID, delimiter: envelope.hasDelimiter, message: message,
                    ifCommitFails: ifCommitFails))
        }
        func reject(_ rejection: Rejection) {
            logger.debug("request.rejected", ["code": rejection.code.rawValue, "command": rejection.command ?? "-"])
            reply(WireMessage(.rejected, encoding: rejection))
        }
        var credential: PeerCredential?
        if zap != nil {
            // CURVE: who sent this is what ZAP said, checked again against the map of this moment.
            switch authenticate(received, routingID: envelope.routingID) {
            case .success(let proven):
                credential = proven
            case .failure(var rejection):
                unguarded = false  // the session may have been revoked
                rejection.command = WireMessage.commandName(envelope.frames)
                reject(rejection)
                return
            }
        }
        let principal = sessionsByRoutingID[envelope.routingID]
        let request: PeerRequest
        do throws(Rejection) {
            // Without a session nothing but HELLO and PING is read, not even to validate it: a stranger learns
            // nothing from the broker's rules (such as the domain vocabulary).
            let helloRequired = { (command: String) in
                Rejection(.helloRequired, "say HELLO with your principal before anything else", command: command)
            }
            switch read.outcome {
            case .unreadable(let rejection):
                throw rejection
            case .withoutSession(let message):
                guard principal != nil else { throw helloRequired(message.command) }
                request = try PeerRequest.parse(message, referrals: desk.validator)  // HELLO came in this batch
            case .read(let command, let result):
                if principal == nil, ReadRequest.needsSession(command) { throw helloRequired(command) }
                request = try result.get()
            }
        } catch {
            reject(error)
            return
        }
        switch request {
        case .ping:
            // On the manual clock a client that shows "due in 2 days" (the desk) must count from the broker's now.
            if let manualClock {
                reply(WireMessage(command: "PONG", body: ["now": .string(RFC3339.format(manualClock.now()))]))
            } else {
                reply(WireMessage(.pong))
            }
        case .hello(let name, _):
            unguarded = false  // binds a session, which a new run of the batch would find bound
            guard desk.map.knows(principal: name) else {
                reject(
                    Rejection(
                        .unknownPrincipal, "\(name) is not on the social map", field: "as", command: "HELLO"))
                return
            }
            if let credential, !desk.map.allowsSession(authenticated: credential.principal, as: name) {
                reject(sessionRefusal(credential, as: name))
                return
            }
            bind(
                principal: name, routingID: envelope.routingID, pushes: !envelope.hasDelimiter, credential: credential)
            greeted.insert(name)
            let pending = desk.pendingCount(for: name)
            reply(WireMessage(.welcome, encoding: Welcome(principal: name, server: Self.serverName, pending: pending)))
            logger.info("peer.hello", ["principal": name, "pending": "\(pending)"], throttledBy: name)
        default:
            guard let principal else {
                reject(
                    Rejection(
                        .helloRequired, "say HELLO with your principal before anything else",
                        command: commandName(request)))
                return
            }
            var unavailable = Rejection(
                .unavailable, "the broker could not store this; nothing was recorded, please retry",
                command: commandName(request))
            if case .submit(let referral, _) = request { unavailable.externalID = referral.externalID }
            guard writable else {
                unavailable.message =
                    "the broker's database is locked by another program; nothing was recorded, please retry shortly"
                reject(unavailable)
                return
            }
            do {
                let answer = try item(unguarded: unguarded) { try perform(request, for: principal) }
                if let answer {
                    reply(answer, ifCommitFails: unavailable)
                }
            } catch let needed as SavepointNeeded {
                throw needed
            } catch var rejection as Rejection {
                rejection.command = commandName(request)
                if case .submit(let referral, _) = request, rejection.externalID == nil {
                    rejection.externalID = referral.externalID
                }
                reject(rejection)
            } catch {
                logger.error("storage.failed", ["command": commandName(request), "error": "\(error)"])
                reject(unavailable)
            }
        }
    }

    /// Logs that another process holds the database's write lock, at most once per ``lockLogInterval``.
    private func logUnwritableDatabase(_ error: any Error) {
        let now = ContinuousClock.now
        if let lockLog, now < lockLog.last + Self.lockLogInterval {
            self.lockLog?.batches += 1
            return
        }
        let locked = (error as? SQLiteError)?.isBusy == true
        logger.warning(
            locked ? "storage.locked" : "storage.unavailable",
            [
                "error": "\(error)", "batches_since_last": "\(lockLog?.batches ?? 0)",
                "meaning": locked
                    ? "another process holds the database's write lock; requests are answered unavailable"
                    : "the database cannot be written now; requests are answered unavailable",
            ])
        lockLog = (now, 0)
    }

    /// Performs an authenticated request inside the batch transaction; nil means no reply.
    private func perform(_ request: PeerRequest, for principal: String) throws -> WireMessage? {
        switch request {
        case .submit(let referral, let body):
            return try desk.submit(from: principal, referral: referral, canonicalBody: body)
        case .ack(let id):
            return try desk.ack(from: principal, handoverID: id)
        case .decline(let id, let reason):
            return try desk.decline(from: principal, handoverID: id, reason: reason)
        case .received(let ids):
            try desk.confirm(from: principal, messageIDs: ids)
            return nil
        case .status(let query):
            return try desk.status(from: principal, query: query)
        case .contacted(let id, let at, let channel):
            return try desk.contacted(from: principal, handoverID: id, at: at, channel: channel)
        case .outcome(let id, let result, let note):
            return try desk.outcome(from: principal, handoverID: id, result: result, note: note)
        case .reopen(let query, let reason):
            let id = try desk.referralID(query, namedBy: principal)
            return try desk.reopen(from: principal, referralID: id, reason: reason)
        case .withdraw(let query, let reason):
            let id = try desk.referralID(query, namedBy: principal)
            let answer = try desk.withdraw(from: principal, referralID: id, reason: reason)
            try desk.releaseWaiting()
            return answer
        case .cases:
            return try desk.cases(from: principal)
        case .pending:
            return try desk.pending(from: principal)
        case .assign(let id, let contact):
            let answer = try desk.assign(from: principal, handoverID: id, to: contact)
            try desk.releaseWaiting()
            return answer
        case .newCitizenCode(let query):
            return try desk.newCitizenCode(from: principal, query: query)
        case .citizenStatus(let code):
            return try citizen(principal) { try desk.citizenStatus(from: principal, code: code) }
        case .citizenWithdraw(let code):
            return try citizen(principal) { try desk.citizenWithdraw(from: principal, code: code) }
        case .citizenAnswer(let code, let need, let result):
            return try citizen(principal) {
                try desk.citizenAnswer(from: principal, code: code, need: need, result: result)
            }
        case .signals(let from, let to, let period):
            return try signals(from: principal, first: from, last: to, period: period)
        case .hello, .ping:
            return nil  // handled before authentication
        }
    }

    private func commandName(_ request: PeerRequest) -> String {
        switch request {
        case .hello: "HELLO"
        case .ping: "PING"
        case .submit: "SUBMIT"
        case .ack: "ACK"
        case .decline: "DECLINE"
        case .received: "RECEIVED"
        case .status: "STATUS"
        case .contacted: "CONTACTED"
        case .outcome: "OUTCOME"
        case .reopen: "REOPEN"
        case .withdraw: "WITHDRAW"
        case .cases: "CASES"
        case .pending: "PENDING"
        case .assign: "ASSIGN"
        case .newCitizenCode: "NEW_CITIZEN_CODE"
        case .citizenStatus: "CITIZEN_STATUS"
        case .citizenWithdraw: "CITIZEN_WITHDRAW"
        case .citizenAnswer: "CITIZEN_ANSWER"
        case .signals: "SIGNALS"
        }
    }

    /// A citizen command from `principal` under the code limiter: refused while the portal (or every portal) is
    /// past its limit, and a code that opens nothing counted against it.
    private func citizen(_ principal: String, _ work: () throws -> WireMessage) throws -> WireMessage {
        guard principal.hasPrefix("portal:") else { return try work() }  // refused as forbidden, not counted
        guard citizenCodes.allows(principal, now: .now) else {
            if citizenLimitLog.admit("citizen.rate_limited", key: principal) != nil {
                logger.warning(
                    "citizen.rate_limited",
                    ["portal": principal, "meaning": "too many wrong citizen codes; refused for up to a minute"])
            }
            throw Rejection(
                .rateLimited, "too many wrong citizen codes in the last minute; try again in a minute",
                field: "citizen_code")
        }
        do {
            return try work()
        } catch let rejection as Rejection where rejection.code == .notFound && rejection.field == "citizen_code" {
            citizenCodes.failed(principal, now: .now)
            logger.info("citizen.code_refused", ["portal": principal, "refused_total": "\(citizenCodes.refusedCodes)"])
            throw rejection
        }
    }

    // MARK: Deadlines

    static func loadPolicy(_ config: BrokerConfig) throws -> Policy {
        guard let path = config.policyPath else { return .standard }
        let data: Data
        do {
            data = try Data(contentsOf: path)
        } catch {
            throw ConfigError("policy \(path.path): cannot be read: \(error.localizedDescription)")
        }
        do {
            return try Policy(data: data)
        } catch {
            throw ConfigError("policy \(path.path): \(error)")
        }
    }

    /// The problem with the policy file the config names, if any, for `--check-config`.
    public static func policyProblems(_ config: BrokerConfig) -> [String] {
        do {
            _ = try loadPolicy(config)
            return []
        } catch {
            return ["\(error)"]
        }
    }

    // MARK: Turns: one transaction, and what follows its commit

    /// Runs `body` in a savepoint of the open transaction: when it throws, its rows and its effects (timers, load,
    /// deliveries) roll back together, and the error is rethrown.
    func savepoint<T>(_ body: () throws -> T) throws -> T {
        let mark = desk.turnMark
        do {
            return try db.savepointInTransaction(body)
        } catch {
            desk.rollBack(to: mark)
            throw error
        }
    }

    /// Runs one request of a batch: in a savepoint, or with `unguarded` without one. A savepoint costs SQLite a copy
    /// of every page the request changes (about 7% of a referral's instructions, issue 22), and almost every request
    /// succeeds, or fails before it writes. One that fails after writing (its rows or its effects) cannot be undone
    /// alone: ``SavepointNeeded`` is thrown, and the caller runs the batch again, this time with savepoints.
    private func item<T>(unguarded: Bool, _ body: () throws -> T) throws -> T {
        guard unguarded else { return try savepoint(body) }
        let mark = desk.turnMark
        do {
            return try db.withoutSavepoint(body)
        } catch let needed as SavepointNeeded {
            throw needed
        } catch {
            if desk.turnMark != mark { throw SavepointNeeded(cause: error) }
            throw error
        }
    }

    /// Runs `body` in one transaction, then brings the rest of the daemon in step with what committed: the event
    /// stream, the checkpoints, the timer queue. Returns the principals with new outbox messages, for the caller to
    /// deliver to once its replies are out. When the transaction fails, its effects are dropped with it.
    ///
    /// The one copy of the commit bookkeeping: peer batches, timers and admin changes all go through it.
    func turn<T>(_ body: () throws -> T) throws -> (result: T, deliveries: Deliveries) {
        let result: T
        do {
            result = try db.writeTransaction {
                if let lease { try lease.fence(db) }
                return try body()
            }
        } catch {
            desk.rollBack(to: 0)
            if let lost = error as? LeaseLost { leaseLost = lost }
            throw error
        }
        if let lease { nextLeaseRenewal = .now + lease.renewInterval }
        let committed = desk.commitTurn()
        events?.publishCommitted()
        if committed.checkpoint { checkpointAfterPurge() }
        checkpointIfLong()
        for change in committed.timers {
            switch change {
            case .schedule(let id, let due): timers.schedule(id, at: due)
            case .cancel(let id): timers.cancel(id)
            }
        }
        return (result, committed.deliveries)
    }

    /// Sends what a commit put in outboxes: a session that was sent everything before gets the messages as the
    /// turn wrote them; any other, and any principal whose outbox the turn changed otherwise, what its outbox holds
    /// beyond what its session was already sent.
    func deliver(_ deliveries: Deliveries) {
        for principal in deliveries.principals {
            if let written = deliveries.messages(for: principal), let unsent = sessions[principal]?.toSend(written) {
                deliverWritten(unsent, to: principal)
            } else {
                deliverOutbox(to: principal, afterSeq: sessions[principal]?.lastSentSeq ?? 0)
            }
        }
    }

    /// After a commit that purged personal data: copy the WAL into the database and truncate it, so the old
    /// page images (sealed, but still the citizen's data) do not stay in the `-wal` file.
    private func checkpointAfterPurge() {
        guard let db = db as? Database else { return }  // PostgreSQL keeps no such log beside the data
        do {
            _ = try db.checkpoint(.truncate)
        } catch {
            logger.warning("storage.checkpoint_failed", ["error": "\(error)"])
        }
    }

    /// Asks the checkpointer to copy a long log; past the backstop, copies it here (a passive checkpoint: it waits
    /// for nobody, and the next commit then starts the log over).
    private func checkpointIfLong() {
        guard let db = db as? Database, let checkpointer else { return }
        let frames = db.framesInWAL
        guard frames >= Self.checkpointPages else { return }
        checkpointer.request()
        guard frames >= Self.checkpointBackstopPages else { return }
        do {
            // The loop stops for this: say so when it is long enough to show in a peer's latency (on a database of a
            // million referrals it took up to 180 ms, issue 22), so a spike can be matched to it.
            let started = ContinuousClock.now
            try db.checkpoint(.passive)
            let took = started.duration(to: .now).components
            let milliseconds = Double(took.seconds) * 1e3 + Double(took.attoseconds) / 1e15
            if milliseconds >= 20 {
                logger.info(
                    "storage.checkpoint_in_loop",
                    ["frames": "\(frames)", "milliseconds": String(format: "%.0f", milliseconds)])
            }
        } catch {
            logger.warning("storage.checkpoint_failed", ["error": "\(error)"])
        }
    }

    /// Runs a change that comes from outside the protocol (an admin command) in its own transaction, with the
    /// same bookkeeping as a batch, and delivers what it put in outboxes.
    func commitChange<T>(_ body: () throws -> T) throws -> T {
        let (result, deliveries) = try turn(body)
        deliver(deliveries)
        return result
    }

    /// Fires up to `limit` due timers, in due order, in one transaction with their effects; returns how many fired.
    /// The loop passes ``timersPerTurn`` so that a backlog (after downtime, or a burst of deadlines) is worked off
    /// between the peers' requests instead of before them.
    @discardableResult
    func fireDueTimers(limit: Int = .max) -> Int {
        let due = timers.popDue(asOf: clock.now(), limit: limit)
        guard !due.isEmpty else { return 0 }
        var failed: [(id: String, due: Date)] = []
        let deliveries: Deliveries
        do {
            (_, deliveries) = try turn {
                for timer in due {
                    do {
                        try savepoint { try desk.fire(timerID: timer.id) }
                        if crashBeforeTimerCommit {
                            // Test hook: die after a timer's effects, before they commit, as a crash does: `_exit`
                            // runs no exit handlers. (LeakSanitizer's is one, and it took the turn's uncommitted
                            // messages, held in enums whose pointers carry tag bits, for leaks.)
                            logger.warning("test_hook.crash_before_timer_commit", ["timer": timer.id])
                            _exit(86)
                        }
                    } catch {
                        // Its row is still there; try again in a minute rather than spin on it.
                        logger.error("timer.failed", ["timer": timer.id, "error": "\(error)"])
                        failed.append(timer)
                    }
                }
            }
        } catch {
            logger.error("storage.commit_failed", ["error": "\(error)", "timers": "\(due.count)"])
            for timer in due { timers.schedule(timer.id, at: timer.due) }  // they stay pending
            return 0
        }
        for timer in failed { timers.schedule(timer.id, at: clock.now().addingTimeInterval(60)) }
        deliver(deliveries)
        return due.count - failed.count
    }

    // MARK: Sessions and delivery

    private func bind(principal: String, routingID: Data, pushes: Bool, credential: PeerCredential?) {
        if let previous = sessionsByRoutingID[routingID], previous != principal {
            sessions[previous] = nil
        }
        if let old = sessions[principal], old.routingID != routingID {
            sessionsByRoutingID[old.routingID] = nil
        }
        sessionsByRoutingID[routingID] = principal
        sessions[principal] = Session(
            principal: principal, routingID: routingID, receivesPushes: pushes, credential: credential)
    }

    /// libzmq's send queue per peer, in messages. Small: what does not fit waits in ``ReplyBacklog``, whose
    /// budget is counted in bytes, so a peer that never reads costs at most this many messages plus that budget.
    static let sendQueueMessages = 256
    /// libzmq's receive queue per peer, in messages: past it libzmq stops reading that peer's connection, so a
    /// peer that sends faster than the loop works waits in its own queue and the kernel's (TCP pushes back),
    /// not in the daemon's memory (each queued message costs a few KB there, whatever its size).
    static let receiveQueueMessages = 256

    /// A peer whose answers passed the backlog's budget does not read: its waiting answers are discarded and its
    /// session ends (its next request is answered `hello_required`; what libzmq still holds for it stays bounded
    /// by ``sendQueueMessages``). Its outbox stays in the database and is delivered when it says HELLO again.
    private func dropUnreadPeer(routingID: Data) {
        backlog.discard(routingID)
        guard let principal = sessionsByRoutingID[routingID] else { return }
        dropSession(routingID: routingID)
        peersDropped += 1
        logger.warning(
            "peer.dropped",
            [
                "principal": principal, "reason": "its answers are not read (send queue full)",
                "dropped_total": "\(peersDropped)",
            ])
    }

    func dropSession(routingID: Data) {
        guard let principal = sessionsByRoutingID.removeValue(forKey: routingID) else { return }
        if sessions[principal]?.routingID == routingID { sessions[principal] = nil }
        logger.debug("peer.gone", ["principal": principal])
    }

    /// Sends the answer to a request: behind the answers already waiting for that peer, or into the backlog when
    /// libzmq's queue is full; a peer whose backlog would pass its budget is dropped (``dropUnreadPeer``).
    private func sendReply(_ frames: [Data]) {
        let routingID = frames[0]
        if !backlog.hasWaiting(for: routingID) {
            do {
                switch try router.send(frames, dontWait: true) {
                case .sent: return
                case .hostUnreachable:
                    dropSession(routingID: routingID)
                    return
                case .wouldBlock: break
                }
            } catch {
                logger.warning("send.failed", ["command": commandName(frames), "error": "\(error)"])
                return
            }
        }
        if !backlog.append(frames, for: routingID) { dropUnreadPeer(routingID: routingID) }
    }

    /// Hands the waiting answers to libzmq as its queues empty; called every turn while any wait.
    private func flushBacklog() {
        let gone = backlog.flush { frames in
            (try? router.send(frames, dontWait: true)) ?? .hostUnreachable
        }
        for routingID in gone { dropSession(routingID: routingID) }
    }

    private func commandName(_ frames: [Data]) -> String {
        frames.count > 2 ? String(decoding: frames[frames.count - 2], as: UTF8.self) : "-"
    }

    /// Sends an outbox message; a peer that is gone or full simply keeps its outbox for later.
    private func send(_ frames: [Data], command: String) -> Bool {
        let routingID = frames[0]
        do {
            switch try router.send(frames, dontWait: true) {
            case .sent:
                return true
            case .hostUnreachable:
                dropSession(routingID: routingID)
                return false
            case .wouldBlock:
                return false
            }
        } catch {
            logger.warning("send.failed", ["command": command, "error": "\(error)"])
            return false
        }
    }

    /// Sends at most `limit` unconfirmed messages after `afterSeq`, so that one peer that never
    /// confirms cannot make every turn of the loop slower for everyone else.
    private func deliverOutbox(to principal: String, afterSeq: Int64, limit: Int = 1_000) {
        guard let session = sessions[principal], session.receivesPushes else { return }
        sessions[principal]?.fallBehind()
        // Answers wait for this peer: they go first, and the outbox is durable, so it follows on a later turn.
        guard !backlog.hasWaiting(for: session.routingID) else { return }
        let pending: [OutboxMessage]
        do {
            pending = try desk.pendingOutbox(for: principal, afterSeq: afterSeq, limit: limit)
        } catch {
            logger.error("storage.read_failed", ["error": "\(error)"])
            return
        }
        guard send(pending, on: session) else { return }
        sessions[principal]?.finishPass(read: pending.count, limit: limit)
    }

    /// Sends the messages a commit wrote to a session that was sent everything before them (``Session/toSend(_:)``).
    /// When they cannot all go now, the outbox holds them, and a later pass sends them from there.
    private func deliverWritten(_ written: ArraySlice<OutboxMessage>, to principal: String) {
        guard let session = sessions[principal], session.receivesPushes else { return }
        guard !backlog.hasWaiting(for: session.routingID), send(written, on: session) else {
            sessions[principal]?.fallBehind()
            return
        }
    }

    /// Sends `messages` in order on `session`, noting each as sent; false when the peer's queue filled up before
    /// the last one (the rest stays in the outbox, and the principal's pushes stall for a while).
    private func send(_ messages: some Collection<OutboxMessage>, on session: Session) -> Bool {
        let principal = session.principal
        for item in messages {
            guard send([session.routingID] + item.frames, command: item.command) else {
                // Its libzmq queue is full: try again soon (backing off while it stays full), not only on the
                // retry interval, so a contact who reads gets a long outbox without waiting for that.
                let wait = min(stalledPushes[principal].map { $0.wait * 2 } ?? .milliseconds(10), .seconds(1))
                stalledPushes[principal] = (ContinuousClock.now + wait, wait)
                return false
            }
            desk.sent(item)
            sessions[principal]?.sent(item.seq)
        }
        stalledPushes[principal] = nil
        return true
    }

    /// Goes on with the outboxes whose peers' queues were full, once their wait is over.
    private func resumeStalledPushes() {
        let now = ContinuousClock.now
        for (principal, stall) in stalledPushes where stall.next <= now {
            guard sessions[principal] != nil else {
                stalledPushes[principal] = nil
                continue
            }
            deliverOutbox(to: principal, afterSeq: sessions[principal]?.lastSentSeq ?? 0)
        }
    }

    /// On the retry interval: catch up with what was not sent yet, then send the oldest
    /// unconfirmed messages again. Bounded per peer; the rest follows on later ticks.
    private func resendUnconfirmed() {
        for principal in sessions.keys.sorted() {
            deliverOutbox(to: principal, afterSeq: sessions[principal]?.lastSentSeq ?? 0)
            deliverOutbox(to: principal, afterSeq: 0, limit: 256)
        }
    }
}

extension BrokerServer {
    /// Opens, migrates and write-probes the database, so that a file that is locked by another
    /// process, unreadable or not a database stops the start with a message that says which and
    /// where, instead of a daemon that runs and answers every SUBMIT with `unavailable`.
    /// Takes the exclusive lock on `schakeld.lock` in the state directory, or says which state directory is in
    /// use when another process (another schakeld) holds it.
    static func lockStateDirectory(_ config: BrokerConfig) throws -> LockFile {
        let path = config.stateDirectory.appendingPathComponent("schakeld.lock").path
        do {
            return try LockFile(path: path)
        } catch let error as LockFileError where error.isHeld {
            throw StartupError(
                "the state directory \(config.stateDirectory.path) is in use by another schakeld "
                    + "(\(path) is locked); one daemon per state directory")
        } catch {
            throw StartupError("cannot lock the state directory \(config.stateDirectory.path): \(error)")
        }
    }

    /// How every connection to the state database is opened: the configured durability, and `secure_delete` so
    /// purged personal data does not linger in free pages.
    ///
    /// The busy timeout is short: the daemon's own connections never hold the write lock for long, so a wait
    /// means another process holds it, and the loop answers `unavailable` after this rather than stall every peer
    /// (and the watchdog) for SQLite's usual seconds.
    static func databaseOptions(_ config: BrokerConfig) -> Database.Options {
        Database.Options(
            synchronous: config.synchronousFull ? .full : .normal, busyTimeoutMilliseconds: 1_000, secureDelete: true)
    }

    static func openDatabase(
        _ config: BrokerConfig, logger: Logger? = nil, notifier: SystemdNotifier? = nil
    ) throws -> Database {
        let path = config.databasePath
        let db: Database
        do {
            db = try Database(path: path, options: databaseOptions(config))
        } catch {
            throw StartupError("cannot open the database \(path): \(error)")
        }
        do {
            let newest = Schema.migrations.map(\.version).max() ?? 0
            let current = try db.userVersion()
            try migrating(from: current, to: newest, logger: logger, notifier: notifier) {
                try db.migrate(Schema.migrations)
            }
            // Statement journals and sorts in memory, not in temporary files: every file SQLite needs is open from
            // the start, so a descriptor shortage (BrokerServer+Connections.swift) can never fail a commit.
            _ = try db.query("PRAGMA temp_store = MEMORY")
            if let pages = config.maxDatabasePages {
                _ = try db.query("PRAGMA max_page_count = \(pages)")
            }
            // Take the write lock once: another process holding it (a second schakeld on the
            // same state dir, a backup tool) shows here, after the busy timeout, not at the
            // first SUBMIT.
            try db.execute("BEGIN IMMEDIATE; COMMIT")
        } catch let error as SQLiteError where error.isBusy {
            try? db.close()
            throw StartupError(
                "the database \(path) is locked by another process (another schakeld on this state dir?): \(error)")
        } catch {
            try? db.close()
            throw StartupError("cannot use the database \(path) (unreadable, or not a Schakel database?): \(error)")
        }
        return db
    }

    /// Turns off the automatic checkpoint on the loop's connection and starts the thread that does it instead.
    static func startCheckpointer(_ db: Database, _ config: BrokerConfig, logger: Logger) throws -> WALCheckpointer {
        do {
            try db.countWALInsteadOfCheckpointing()
            return try WALCheckpointer(path: config.databasePath, options: databaseOptions(config)) { problem in
                logger.warning("storage.checkpoint_failed", ["error": problem])
            }
        } catch {
            throw StartupError("cannot open a second connection to \(config.databasePath) for checkpoints: \(error)")
        }
    }

    /// Every problem in the social map the config names, each with its JSON path, so `--check-config` catches
    /// a broken map too; empty when it loads.
    public static func socialMapProblems(_ config: BrokerConfig) -> [String] {
        SocialMap.problems(contentsOf: config.socialMapPath).map { "social_map \(config.socialMapPath.path): \($0)" }
    }
}
