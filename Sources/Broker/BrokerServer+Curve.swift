import Foundation
import SchakelProtocol
import SocialMap
import ZeroMQ

/// CURVE mode: the ZAP handler that admits only keys on the social map, and the check of every message against the
/// map of that moment, so that a key removed by a reload stops working at once (Protocols/SRP1.md, Sessions).
extension BrokerServer {
    /// The ZAP metadata property that carries the public key a peer proved; read per message with `zmq_msg_gets`.
    /// A peer cannot forge it (nor `User-Id`) with a handshake property of the same name: libzmq adds the ZAP
    /// handler's properties to a connection's metadata before the peer's own, and a name already there is kept.
    static let curveKeyProperty = "X-Curve-Key"
    /// The ZAP domain of the broker endpoint.
    static let zapDomain = "srp1"
    /// The ZAP domain of the event stream's PUB socket: admits the keys of config `events.public_keys`, no others.
    static let eventsZAPDomain = "events"
    /// The User-Id ZAP gives an admitted event-stream subscriber.
    static let eventSubscriberUser = "events-subscriber"

    /// Binds the ZAP handler, a REP socket on `inproc://zeromq.zap.01` in the broker's context, polled by the event
    /// loop like every other socket.
    static func bindZAPHandler(_ context: ZMQContext) throws -> ZMQSocket {
        let zap = try context.socket(.rep)
        try zap.setLinger(milliseconds: 0)
        try zap.bind(ZAPRequest.endpoint)
        return zap
    }

    /// Makes `router` a CURVE server and binds it; returns the broker's public key. Takes the bound ZAP handler
    /// so that a CURVE socket cannot be bound without one (ZEROMQ-NOTES trap 1: without a handler libzmq admits
    /// every client that knows the server key).
    /// `domain` selects the rule the handler applies to the socket's peers (``zapReply(to:map:eventSubscribers:)``).
    static func bindCurveServer(
        _ router: ZMQSocket, _ endpoint: String, secretKey: String, zap: ZMQSocket, domain: String = zapDomain
    ) throws -> String {
        precondition(zap.type == .rep && !zap.isClosed, "bind the ZAP handler before any CURVE server socket")
        try router.makeCurveServer(secretKey: secretKey)
        try router.setZAPDomain(domain)
        try router.bind(endpoint)
        return try CurveKeyPair.publicKey(forSecretKey: secretKey)
    }

    /// Answers every waiting ZAP request from the current social map.
    func serveZAP() throws {
        guard let zap else { return }
        while let message = try zap.receive(dontWait: true) {
            let reply: ZAPReply
            if let request = ZAPRequest(frames: message.frames) {
                reply = Self.zapReply(to: request, map: desk.map, eventSubscribers: eventSubscriberKeys)
                if reply.status == .success {
                    logger.info("peer.admitted", ["principal": reply.userID, "address": request.address])
                } else {
                    zapRefusals.record(request, reply, logger: logger)
                }
            } else {
                logger.error("zap.malformed_request", ["frames": "\(message.frames.count)"])
                let id = message.frames.count > 1 ? message.frames[1] : Data()
                reply = ZAPReply(requestID: id, status: .internalError, statusText: "malformed ZAP request")
            }
            _ = try zap.send(reply.frames, dontWait: true)
        }
    }

    /// The ZAP decision: a CURVE client whose public key the map lists is admitted as that key's principal
    /// (User-Id) with the key as metadata; on the event stream's domain, a key of `eventSubscribers` is admitted
    /// (and a key on the map is not, unless listed). Anything else is refused before a single message passes.
    static func zapReply(to request: ZAPRequest, map: SocialMap, eventSubscribers: Set<String> = []) -> ZAPReply {
        guard request.mechanism == "CURVE", let key = request.curvePublicKey else {
            return ZAPReply(
                requestID: request.requestID, status: .authenticationFailure,
                statusText: "only CURVE is accepted, not \(request.mechanism)")
        }
        switch request.domain {
        case eventsZAPDomain:
            guard eventSubscribers.contains(key) else {
                return ZAPReply(
                    requestID: request.requestID, status: .authenticationFailure,
                    statusText: "the key is not in events.public_keys")
            }
            return ZAPReply(
                requestID: request.requestID, status: .success, statusText: "OK", userID: eventSubscriberUser,
                metadata: [(name: curveKeyProperty, value: key)])
        case zapDomain:
            break
        default:
            return ZAPReply(
                requestID: request.requestID, status: .authenticationFailure,
                statusText: "no socket of this broker has the ZAP domain \(request.domain)")
        }
        guard let principal = map.principal(forKey: key) else {
            return ZAPReply(
                requestID: request.requestID, status: .authenticationFailure,
                statusText: "the key is not on the social map")
        }
        return ZAPReply(
            requestID: request.requestID, status: .success, statusText: "OK", userID: principal,
            metadata: [(name: curveKeyProperty, value: key)])
    }

    /// Who sent `received`, checked against the map of this moment: the key must still belong to the principal
    /// ZAP admitted, and a session on this connection must still be one that principal may hold. When not, the
    /// connection's session is dropped and the answer is `forbidden`; a session a reload dropped gets that answer
    /// at the peer's next message, whatever it is (then the peer may say HELLO as what it may still be).
    func authenticate(_ received: Multipart, routingID: Data) -> Result<PeerCredential, Rejection> {
        guard let user = received.userID, let key = received.metadata[Self.curveKeyProperty] else {
            return .failure(Rejection(.forbidden, "this connection is not authenticated"))
        }
        let credential = PeerCredential(principal: user, publicKey: key)
        guard desk.map.principal(forKey: key) == user else {
            revokedSessions[routingID] = nil
            revoke(routingID: routingID, credential: credential)
            return .failure(Rejection(.forbidden, Self.keyRevoked(user)))
        }
        if let reason = revokedSessions.removeValue(forKey: routingID) {
            return .failure(Rejection(.forbidden, reason))
        }
        if let principal = sessionsByRoutingID[routingID],
            sessions[principal]?.credential != credential
                || !desk.map.allowsSession(authenticated: user, as: principal)
        {
            revoke(routingID: routingID, credential: credential)
            return .failure(Rejection(.forbidden, Self.sessionRevoked(user, principal)))
        }
        return .success(credential)
    }

    static func keyRevoked(_ user: String) -> String {
        "the key this connection proved for \(user) is no longer on the social map: nothing more is accepted on it; "
            + "ask for your key to be listed again and reconnect"
    }

    static func sessionRevoked(_ user: String, _ principal: String) -> String {
        "\(user) may no longer speak for \(principal) according to the social map; the session is closed"
    }

    /// The refusal of a HELLO naming someone the authenticated peer may not speak for.
    func sessionRefusal(_ credential: PeerCredential, as name: String) -> Rejection {
        var allowed = credential.principal
        if desk.map.organizations[credential.principal]?.adapterActsForContacts == true {
            allowed += " or one of its contact persons"
        }
        logger.warning("peer.hello_forbidden", ["principal": credential.principal, "as": name])
        return Rejection(
            .forbidden,
            "your key is that of \(credential.principal): you may open a session as \(allowed), not as \(name)",
            field: "as", command: "HELLO")
    }

    /// After a reload: drops every session whose key left the map or whose principal its key may no longer speak
    /// for, before the new map's consequences are delivered, so a revoked peer gets nothing more.
    func revokeSessions() {
        guard zap != nil else { return }
        if revokedSessions.count > 10_000 { revokedSessions = [:] }  // peers that never spoke again
        for (principal, session) in sessions.sorted(by: { $0.key < $1.key }) {
            guard let credential = session.credential else { continue }
            if desk.map.principal(forKey: credential.publicKey) != credential.principal {
                revoke(routingID: session.routingID, credential: credential)
                revokedSessions[session.routingID] = Self.keyRevoked(credential.principal)
            } else if !desk.map.allowsSession(authenticated: credential.principal, as: principal) {
                revoke(routingID: session.routingID, credential: credential)
                revokedSessions[session.routingID] = Self.sessionRevoked(credential.principal, principal)
            }
        }
    }

    private func revoke(routingID: Data, credential: PeerCredential) {
        guard let principal = sessionsByRoutingID[routingID] else { return }
        dropSession(routingID: routingID)
        logger.warning("peer.revoked", ["principal": principal, "authenticated": credential.principal])
    }
}
