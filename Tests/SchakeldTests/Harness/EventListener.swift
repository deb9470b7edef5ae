import Foundation
import SchakelProtocol
import ZeroMQ

/// A test's subscriber to the daemon's event stream (Protocols/EVENTS.md): a SUB socket taking every topic.
///
/// Every event it receives is checked against its type's schema in Protocols/schemas/events/ and its topic frame
/// against its type, so each test that listens also proves the stream keeps its contract.
final class EventListener {
    /// One event as it arrived: the topic frame, the JSON, and the JSON's exact text.
    struct Received {
        var topic: String
        var event: JSONValue
        var text: String

        var type: String { event["type"]?.stringValue ?? "" }
        var data: JSONValue { event["data"] ?? .null }
    }

    let context: ZMQContext
    let socket: ZMQSocket
    /// Everything received so far, in arrival order.
    private(set) var received: [Received] = []
    /// Contract violations found in received events; tests expect it empty.
    private(set) var violations: [String] = []

    /// With `curve`, a CURVE client proving `keyPair` to the broker holding `serverKey`'s secret.
    init(_ endpoint: String, curve: (serverKey: String, keyPair: CurveKeyPair)? = nil) throws {
        context = try ZMQContext()
        socket = try context.socket(.sub)
        try socket.setLinger(milliseconds: 0)
        try socket.subscribe(Data())
        if let curve { try socket.makeCurveClient(serverKey: curve.serverKey, keyPair: curve.keyPair) }
        try socket.connect(endpoint)
    }

    deinit {
        socket.close()
        context.close()
    }

    /// Takes in everything that arrives within `timeout` seconds.
    func collect(timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while case let left = deadline.timeIntervalSinceNow, left > 0 {
            var poller = ZMQPoller()
            poller.add(socket)
            guard try poller.poll(timeoutMilliseconds: Int(left * 1_000))[0].contains(.readable) else { return }
            while let message = try socket.receive(dontWait: true) {
                take(message.frames)
            }
        }
    }

    private func take(_ frames: [Data]) {
        guard frames.count == 2 else {
            violations.append("an event of \(frames.count) frames; the stream sends [type, JSON]")
            return
        }
        let topic = String(decoding: frames[0], as: UTF8.self)
        guard let event = try? JSONValue.parse(frames[1]) else {
            violations.append("\(topic): the body is not JSON")
            return
        }
        violations += EventSpec.validate(topic: topic, event: event)
        received.append(Received(topic: topic, event: event, text: String(decoding: frames[1], as: UTF8.self)))
    }

    /// Waits until `condition` holds for everything received so far; throws after `timeout` with what came.
    func wait(
        timeout: TimeInterval = Peer.patience * Sanitizer.slowdown, for what: String,
        until condition: ([Received]) -> Bool
    ) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(received) {
            guard deadline.timeIntervalSinceNow > 0 else {
                throw TestError("no \(what) on the event stream within \(timeout) s; got \(received.map(\.type))")
            }
            try collect(timeout: min(0.1, max(0.01, deadline.timeIntervalSinceNow)))
        }
    }

    /// The events about one referral that match its STATUS timeline, in arrival order: without the audit-only
    /// ones (`referral.disclosed`, `admin.*`), which the timeline does not show.
    func events(about referralID: String) -> [Received] {
        allEvents(about: referralID).filter { !(EventType(rawValue: $0.type)?.isAuditOnly ?? false) }
    }

    /// Every event about one referral, the audit-only ones included, in arrival order.
    func allEvents(about referralID: String) -> [Received] {
        received.filter { $0.event["subject"]?.stringValue == referralID }
    }

    /// The events of one type, in arrival order.
    func events(ofType type: EventType) -> [Received] {
        received.filter { $0.type == type.rawValue }
    }

    /// Makes sure the subscription is live before a test relies on it: a SUB socket misses what is published
    /// before its connection is up (the slow joiner). Submits small probe referrals as `organisation` until one
    /// is seen on the stream. Returns the probes' referral ids.
    @discardableResult
    func join(
        _ daemon: Daemon, probingAs organisation: String = "org:gemeente-utrecht", keys: CurveKeyPair? = nil
    ) throws -> Set<String> {
        let prober = try keys.map { try daemon.connect(as: organisation, keys: $0) } ?? daemon.connect(as: organisation)
        var probes: Set<String> = []
        let deadline = Date().addingTimeInterval(Peer.patience * Sanitizer.slowdown)
        while Date() < deadline {
            let accepted = try prober.submit(try Referrals.make(externalID: "PROBE-\(UUID())", needs: ["legal"]))
            if let id = accepted.body["referral_id"]?.stringValue { probes.insert(id) }
            try collect(timeout: 0.2)
            if received.contains(where: { probes.contains($0.event["subject"]?.stringValue ?? "") }) { return probes }
        }
        throw TestError("the event stream never delivered a probe event")
    }
}
