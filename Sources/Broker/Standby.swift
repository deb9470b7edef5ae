import Foundation
import SchakelProtocol
import SocialMap
import Storage
import Systemd
import ZeroMQ

/// A daemon that waits for the lease of a shared PostgreSQL database (issue 21): it is reachable, so peers and
/// operators can see it is alive, but it serves nothing until the active daemon's lease lapses.
///
/// It binds the broker endpoint (PING is answered with PONG `{"role": "standby"}`, every other request with
/// `REJECTED unavailable`, which `SchakelClient` takes as "try the next endpoint") and the admin socket (`stats`
/// says `"role": "standby"` and who is active), and tells systemd `READY=1` with a `STATUS=` that says so. It holds
/// no referral state: when it takes the lease it closes all of this (its own ZeroMQ context) and the daemon starts
/// as the active one, loading the state the other one committed.
///
/// In CURVE mode it admits the same keys the active daemon would: those on the social map. A standby tells a peer
/// little (its role, who is active), but a key that is not on the map learns nothing from any daemon of the region.
/// SIGHUP reads the map again, so a key removed while a daemon waits is refused by it too, then and once it is
/// active.
final class Standby {
    private let config: BrokerConfig
    private let logger: Logger
    private let context: ZMQContext
    private let router: ZMQSocket
    private let admin: ZMQSocket
    /// In CURVE mode the ZAP handler, which admits the keys of ``map``.
    private let zap: ZMQSocket?
    /// The social map keys are admitted by; the daemon goes on with it when the standby takes the lease.
    private(set) var map: SocialMap
    private var refusals = ZAPRefusals()
    /// `/healthz` answers 503 "standby", so that a load balancer or a check that wants the active daemon skips it;
    /// `/metrics` likewise (a standby has no counts of its own).
    private let metrics: MetricsEndpoint?

    init(config: BrokerConfig, map: SocialMap, logger: Logger) throws {
        self.config = config
        self.map = map
        self.logger = logger
        let context = try ZMQContext()
        self.context = context
        router = try context.socket(.router)
        try router.setLinger(milliseconds: 0)
        try router.setMaxMessageSize(config.maxMessageBytes)
        if let keyFile = config.curveSecretKeyFile {
            let zap = try BrokerServer.bindZAPHandler(context)
            self.zap = zap
            _ = try BrokerServer.bindCurveServer(
                router, config.broker, secretKey: try BrokerConfig.readCurveSecretKey(at: keyFile), zap: zap)
        } else {
            zap = nil
            try router.bind(config.broker)
        }
        admin = try context.socket(.rep)
        try admin.setLinger(milliseconds: 0)
        try admin.setMaxMessageSize(64 * 1024)
        try BrokerServer.bindPrivately(admin, config.adminEndpoint, group: config.adminGroup)
        metrics = try config.metrics.map { try MetricsEndpoint(context: context, endpoint: $0) }
    }

    /// Waits until `lease` is taken (true) or a SIGTERM/SIGINT asks the daemon to stop (false), answering peers and
    /// the admin socket meanwhile. Tries the lease every fifth of its duration; a database that does not answer is
    /// logged and tried again.
    func wait(
        for lease: inout StateLease, db: any SQLDatabase, notifier: SystemdNotifier, shutdown: ShutdownSignal
    ) throws -> Bool {
        defer { close() }
        var poller = ZMQPoller()
        let routerItem = poller.add(router)
        let adminItem = poller.add(admin)
        let zapItem = zap.map { poller.add($0) }
        let metricsItem = metrics.map { poller.add($0.socket) }
        let signalItem = poller.add(fileDescriptor: shutdown.readDescriptor)
        var active = (try? StateLease.current(db))?.holder ?? "unknown"
        notifier.ready(status: "standby: waiting for the lease held by \(active)")
        logger.info(
            "daemon.standby",
            [
                "active": active, "lease": "\(lease.duration)", "holder": lease.holder,
                "bound": (try? router.lastEndpoint()) ?? config.broker,
            ])
        var nextTry = ContinuousClock.now
        var databaseDown = false
        while true {
            if ContinuousClock.now >= nextTry {
                nextTry = ContinuousClock.now + lease.renewInterval
                do {
                    if try lease.tryAcquire(db) {
                        logger.warning("lease.taken", ["holder": lease.holder, "token": "\(lease.token ?? 0)"])
                        return true
                    }
                    active = (try? StateLease.current(db))?.holder ?? active
                    databaseDown = false
                } catch {
                    if !databaseDown { logger.warning("lease.database_unavailable", ["error": "\(error)"]) }
                    databaseDown = true
                }
            }
            var wait = ContinuousClock.now.duration(to: nextTry)
            if let timeout = metrics?.nextTimeout { wait = min(wait, ContinuousClock.now.duration(to: timeout)) }
            let ready = try poller.poll(timeoutMilliseconds: BrokerServer.milliseconds(wait))
            if ready[signalItem].contains(.readable) {
                let signals = shutdown.drain()
                if signals.contains(SIGTERM) || signals.contains(SIGINT) {
                    notifier.stopping()
                    logger.info(
                        "daemon.stopping",
                        ["signal": signals.map(String.init).joined(separator: ","), "role": "standby"])
                    return false
                }
                if signals.contains(SIGHUP) { reloadMap() }
            }
            if let zapItem, let zap, ready[zapItem].contains(.readable) {
                while let request = try zap.receive(dontWait: true) {
                    _ = try zap.send(zapReply(request.frames).frames, dontWait: true)
                }
            }
            if ready[routerItem].contains(.readable) {
                while let message = try router.receive(dontWait: true) {
                    answer(message.frames, active: active)
                }
            }
            if let metricsItem, let metrics, ready[metricsItem].contains(.readable) {
                try metrics.serve { _, _ in
                    MetricsEndpoint.Response(status: 503, body: "standby: waiting for the lease held by \(active)\n")
                }
            }
            metrics?.closeTimedOut()
            if ready[adminItem].contains(.readable) {
                while let request = try admin.receive(dontWait: true) {
                    _ = try admin.send([adminReply(request.frames, active: active)], dontWait: true)
                }
            }
        }
    }

    /// The active daemon's ZAP decision on the broker endpoint's domain: a key on the map, as its principal.
    private func zapReply(_ frames: [Data]) -> ZAPReply {
        guard let request = ZAPRequest(frames: frames) else {
            logger.error("zap.malformed_request", ["frames": "\(frames.count)"])
            return ZAPReply(
                requestID: frames.count > 1 ? frames[1] : Data(), status: .internalError,
                statusText: "malformed ZAP request")
        }
        let reply = BrokerServer.zapReply(to: request, map: map)
        if reply.status == .success {
            logger.info("peer.admitted", ["principal": reply.userID, "address": request.address, "role": "standby"])
        } else {
            refusals.record(request, reply, logger: logger)
        }
        return reply
    }

    /// SIGHUP: the map at the configured path, when it has no problem; otherwise the running one stays (and each
    /// problem is logged, as the active daemon does).
    private func reloadMap() {
        guard case .success(let fresh) = BrokerServer.readSocialMap(at: config.socialMapPath, logger: logger) else {
            return
        }
        map = fresh
        logger.info(
            "socialmap.reloaded",
            [
                "social_map": config.socialMapPath.path, "organisations": "\(fresh.organizations.count)",
                "contacts": "\(fresh.contacts.count)", "role": "standby",
            ])
    }

    /// PONG with the role for PING; `unavailable` for everything else, saying where to go.
    private func answer(_ frames: [Data], active: String) {
        guard let envelope = Envelope(routerFrames: frames) else { return }
        let command = WireMessage.commandName(envelope.frames) ?? "?"
        let message: WireMessage
        if command == Command.ping.rawValue {
            message = WireMessage(command: Command.pong.rawValue, body: ["role": "standby"])
        } else {
            message = WireMessage(
                .rejected,
                encoding: Rejection(
                    .unavailable, "this schakeld is a standby (\(active) is active): send to the next endpoint",
                    command: command))
        }
        _ = try? router.send(
            Envelope.frames(to: envelope.routingID, delimiter: envelope.hasDelimiter, message: message),
            dontWait: true)
    }

    /// The admin socket of a standby: `stats` says the role and who is active; every other command is refused.
    private func adminReply(_ frames: [Data], active: String) -> Data {
        let request = frames.first.flatMap { try? JSONValue.parse($0) }
        let command = request?["command"]?.stringValue ?? ""
        let reply: JSONValue
        if command == "stats" {
            var endpoints: [String: JSONValue] = [
                "broker": .string(config.broker), "admin": .string(config.adminEndpoint),
            ]
            endpoints["metrics"] = metrics.map { .string($0.endpoint) }
            reply = [
                "ok": true, "role": "standby", "active": .string(active), "version": .string(BrokerServer.version),
                "endpoints": .object(endpoints),
            ]
        } else {
            reply = [
                "ok": false, "code": "unavailable",
                "message": .string("this schakeld is a standby (\(active) is active): ask the active one"),
            ]
        }
        return Data(reply.canonicalString().utf8)
    }

    private func close() {
        metrics?.close()
        router.close()
        admin.close()
        zap?.close()
        context.close()
    }
}
