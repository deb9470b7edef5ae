import Foundation
import SchakelProtocol
import SocialMap
import Storage
import ZeroMQ

/// The daemon's event loop: one thread owns the ROUTER socket, the database and the sessions.
///
/// Each turn it takes every message that is waiting (up to `batchSize`), handles them all in
/// one transaction, commits once, and only then sends the replies and delivers the outbox. So
/// `ACCEPTED` always follows a durable commit, and many concurrent submits share one fsync.
public final class BrokerServer {
    public static let version = "0.1.0"
    public static var serverName: String { "schakeld/\(version)" }

    let config: BrokerConfig
    let logger: Logger
    let clock: any BrokerClock
    let db: Database
    let desk: ReferralDesk
    let context: ZMQContext
    let router: ZMQSocket
    let shutdown: ShutdownSignal
    private var sessionsByRoutingID: [Data: String] = [:]
    private var sessions: [String: Session] = [:]
    private var closed = false

    /// Opens the state, loads the social map and binds the broker endpoint. Throws with a
    /// message an operator can act on when any of it fails.
    public init(config: BrokerConfig, clock: any BrokerClock = SystemClock(), logger: Logger) throws {
        self.config = config
        self.logger = logger
        self.clock = clock
        let map = try SocialMap(contentsOf: config.socialMapPath)
        try FileManager.default.createDirectory(
            at: config.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var options = Database.Options()
        options.synchronous = config.synchronousFull ? .full : .normal
        db = try Database(path: config.databasePath, options: options)
        try db.migrate(Schema.migrations)
        if let pages = config.maxDatabasePages {
            _ = try db.query("PRAGMA max_page_count = \(pages)")
        }
        desk = try ReferralDesk(db: db, map: map, clock: clock, logger: logger)
        shutdown = try ShutdownSignal()
        context = try ZMQContext()
        router = try context.socket(.router)
        try router.setLinger(milliseconds: 1_000)
        try router.setRouterMandatory(true)
        try router.setRouterHandover(true)
        try router.setMaxMessageSize(config.maxMessageBytes)
        try router.setSendHighWaterMark(100_000)
        try router.setReceiveHighWaterMark(100_000)
        try router.setHeartbeat(
            intervalMilliseconds: 10_000, timeToLiveMilliseconds: 30_000, timeoutMilliseconds: 30_000)
        try router.bind(config.broker)
        logger.info(
            "daemon.started",
            [
                "version": Self.version, "broker": config.broker, "state_dir": config.stateDirectory.path,
                "social_map": config.socialMapPath.path, "organisations": "\(map.organizations.count)",
                "contacts": "\(map.contacts.count)", "mode": config.insecureDev ? "insecure_dev" : "curve",
            ])
    }

    /// Runs until SIGTERM or SIGINT; returns after closing the socket and the database.
    public func run() throws {
        var poller = ZMQPoller()
        let routerItem = poller.add(router)
        let signalItem = poller.add(fileDescriptor: shutdown.readDescriptor)
        let retryInterval = config.outboxRetryInterval.seconds
        var lastRetry = Date()
        while true {
            let sinceRetry = Date().timeIntervalSince(lastRetry)
            let timeout = max(0, Int((retryInterval - sinceRetry) * 1_000))
            let ready = try poller.poll(timeoutMilliseconds: timeout)
            if ready[signalItem].contains(.readable) {
                let signals = shutdown.drain()
                logger.info("daemon.stopping", ["signal": signals.map(String.init).joined(separator: ",")])
                break
            }
            if ready[routerItem].contains(.readable) {
                try processBatch()
            }
            if Date().timeIntervalSince(lastRetry) >= retryInterval {
                lastRetry = Date()
                resendUnconfirmed()
            }
        }
        try close()
    }

    /// Closes the socket (bounded linger) and the database. Idempotent.
    public func close() throws {
        guard !closed else { return }
        closed = true
        router.close()
        context.close()
        try db.close()
        logger.info("daemon.stopped")
    }

    // MARK: One turn of the loop

    /// A reply waiting for the batch's commit; `ifCommitFails` replaces it when the commit fails.
    private struct Outgoing {
        var routingID: Data
        var delimiter: Bool
        var message: WireMessage
        var ifCommitFails: WireMessage?
    }

    private func processBatch() throws {
        var incoming: [Multipart] = []
        while incoming.count < config.batchSize, let message = try router.receive(dontWait: true) {
            incoming.append(message)
        }
        guard !incoming.isEmpty else { return }
        var outgoing: [Outgoing] = []
        var greeted: Set<String> = []
        do {
            try db.transaction {
                for message in incoming {
                    handle(message, into: &outgoing, greeted: &greeted)
                }
            }
            desk.loadCommitted()
        } catch {
            logger.error("storage.commit_failed", ["error": "\(error)", "messages": "\(incoming.count)"])
            desk.rollBackLoad(to: 0)
            _ = desk.takeTouchedPrincipals()
            for i in outgoing.indices {
                if let failure = outgoing[i].ifCommitFails { outgoing[i].message = failure }
            }
        }
        for reply in outgoing {
            send(reply.message, to: reply.routingID, delimiter: reply.delimiter)
        }
        for principal in greeted {
            deliverOutbox(to: principal, afterSeq: 0)
        }
        for principal in desk.takeTouchedPrincipals().subtracting(greeted) {
            deliverOutbox(to: principal, afterSeq: sessions[principal]?.lastSentSeq ?? 0)
        }
    }

    private func handle(_ received: Multipart, into outgoing: inout [Outgoing], greeted: inout Set<String>) {
        guard let envelope = Envelope(routerFrames: received.frames) else { return }
        func reply(_ message: WireMessage, ifCommitFails: WireMessage? = nil) {
            outgoing.append(
                Outgoing(
                    routingID: envelope.routingID, delimiter: envelope.hasDelimiter, message: message,
                    ifCommitFails: ifCommitFails))
        }
        func reject(_ rejection: Rejection) {
            logger.debug("request.rejected", ["code": rejection.code.rawValue, "command": rejection.command ?? "-"])
            reply(WireMessage(.rejected, encoding: rejection))
        }
        let principal = sessionsByRoutingID[envelope.routingID]
        let request: PeerRequest
        do throws(Rejection) {
            let message = try WireMessage.parse(envelope.frames, maxBodyBytes: config.maxBodyBytes)
            // Without a session nothing but HELLO and PING is read, not even to validate it:
            // a stranger learns nothing from the broker's rules (such as the domain vocabulary).
            if principal == nil, let command = Command(rawValue: message.command),
                Command.fromPeer.contains(command), command != .hello, command != .ping
            {
                throw Rejection(
                    .helloRequired, "say HELLO with your principal before anything else", command: message.command)
            }
            request = try PeerRequest.parse(message, referrals: desk.validator)
        } catch {
            reject(error)
            return
        }
        switch request {
        case .ping:
            reply(WireMessage(.pong))
        case .hello(let name, _):
            guard desk.map.knows(principal: name) else {
                reject(
                    Rejection(
                        .unknownPrincipal, "\(name) is not on the social map", field: "as", command: "HELLO"))
                return
            }
            bind(principal: name, routingID: envelope.routingID, pushes: !envelope.hasDelimiter)
            greeted.insert(name)
            let pending = (try? desk.pendingCount(for: name)) ?? 0
            reply(WireMessage(.welcome, encoding: Welcome(principal: name, server: Self.serverName, pending: pending)))
            logger.info("peer.hello", ["principal": name, "pending": "\(pending)"])
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
            let loadMark = desk.loadMark
            do {
                let answer = try db.savepoint { try perform(request, for: principal) }
                if let answer {
                    reply(answer, ifCommitFails: WireMessage(.rejected, encoding: unavailable))
                }
            } catch var rejection as Rejection {
                desk.rollBackLoad(to: loadMark)
                rejection.command = commandName(request)
                if case .submit(let referral, _) = request, rejection.externalID == nil {
                    rejection.externalID = referral.externalID
                }
                reject(rejection)
            } catch {
                desk.rollBackLoad(to: loadMark)
                logger.error("storage.failed", ["command": commandName(request), "error": "\(error)"])
                reject(unavailable)
            }
        }
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
        }
    }

    // MARK: Sessions and delivery

    private func bind(principal: String, routingID: Data, pushes: Bool) {
        if let previous = sessionsByRoutingID[routingID], previous != principal {
            sessions[previous] = nil
        }
        if let old = sessions[principal], old.routingID != routingID {
            sessionsByRoutingID[old.routingID] = nil
        }
        sessionsByRoutingID[routingID] = principal
        sessions[principal] = Session(principal: principal, routingID: routingID, receivesPushes: pushes)
    }

    private func dropSession(routingID: Data) {
        guard let principal = sessionsByRoutingID.removeValue(forKey: routingID) else { return }
        if sessions[principal]?.routingID == routingID { sessions[principal] = nil }
        logger.debug("peer.gone", ["principal": principal])
    }

    /// Sends what is ready; a peer that is gone or full simply keeps its outbox for later.
    @discardableResult
    private func send(_ message: WireMessage, to routingID: Data, delimiter: Bool) -> Bool {
        send(Envelope.frames(to: routingID, delimiter: delimiter, message: message), command: message.command)
    }

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

    private func deliverOutbox(to principal: String, afterSeq: Int64) {
        guard let session = sessions[principal], session.receivesPushes else { return }
        let pending: [OutboxMessage]
        do {
            pending = try desk.pendingOutbox(for: principal, afterSeq: afterSeq)
        } catch {
            logger.error("storage.read_failed", ["error": "\(error)"])
            return
        }
        for item in pending {
            guard send([session.routingID] + item.frames, command: item.command) else { return }
            if let sent = sessions[principal]?.lastSentSeq, sent < item.seq {
                sessions[principal]?.lastSentSeq = item.seq
            }
        }
    }

    private func resendUnconfirmed() {
        for principal in sessions.keys.sorted() {
            deliverOutbox(to: principal, afterSeq: 0)
        }
    }
}

extension BrokerServer {
    /// Loads the social map the config names, so `--check-config` catches a broken map too.
    public static func checkSocialMap(_ config: BrokerConfig) throws {
        _ = try SocialMap(contentsOf: config.socialMapPath)
    }
}
