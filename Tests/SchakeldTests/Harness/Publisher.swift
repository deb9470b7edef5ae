import Foundation
import SchakelProtocol
import ZeroMQ

/// A publish-only adapter as a test plays it: a PUB socket bound on a free loopback port that publishes SRP/1
/// SUBMITs and republishes each until its receipt comes (Protocols/SRP1.md, "Publish-only adapters").
final class Publisher {
    let context: ZMQContext
    let socket: ZMQSocket
    /// The endpoint the daemon's config subscribes to.
    let endpoint: String
    /// How often each external id was published.
    private(set) var publishes: [String: Int] = [:]

    /// The adapter's CURVE key pair when it is a CURVE server; its public key is the daemon's `server_key`.
    let keys: CurveKeyPair?

    /// With `curve`, a CURVE server with a fresh key pair (``keys``), as an adapter in a CURVE deployment is.
    init(curve: Bool = false) throws {
        context = try ZMQContext()
        socket = try context.socket(.pub)
        try socket.setLinger(milliseconds: 0)
        keys = curve ? try CurveKeyPair.generate() : nil
        if let keys { try socket.makeCurveServer(secretKey: keys.secretKey) }
        try socket.bind("tcp://127.0.0.1:*")
        endpoint = try socket.lastEndpoint()
    }

    deinit {
        socket.close()
        context.close()
    }

    var totalPublishes: Int { publishes.values.reduce(0, +) }

    /// Publishes raw frames, counted under `key`.
    func publish(_ frames: [Data], key: String) throws {
        guard try socket.send(frames, dontWait: true) == .sent else { throw TestError("the PUB socket refused") }
        publishes[key, default: 0] += 1
    }

    /// Publishes `SRP1 SUBMIT {"referral": ...}`, counted under the referral's external id.
    func submit(_ referral: JSONValue) throws {
        try publish(
            WireMessage(.submit, ["referral": referral]).frames(), key: referral["external_id"]?.stringValue ?? "?")
    }

    /// The republish-until-receipt loop: every `interval` publishes each referral that has no receipt yet, then
    /// asks `receipts` (which may wait up to `interval`) for the external ids answered since. Returns when every
    /// referral has its receipt; throws at `timeout`.
    func republishUntilReceipted(
        _ referrals: [JSONValue], interval: TimeInterval = 0.15,
        timeout: TimeInterval = Peer.patience * Sanitizer.slowdown, receipts: (TimeInterval) throws -> Set<String>
    ) throws {
        var pending = Dictionary(
            uniqueKeysWithValues: referrals.map { ($0["external_id"]?.stringValue ?? "?", $0) })
        let deadline = Date().addingTimeInterval(timeout)
        while !pending.isEmpty {
            guard Date() < deadline else {
                throw TestError("no receipt within \(timeout) s for \(pending.keys.sorted()); published \(publishes)")
            }
            for referral in pending.values { try submit(referral) }
            for answered in try receipts(interval) { pending[answered] = nil }
        }
    }
}
