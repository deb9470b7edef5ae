import Foundation
import SchakelProtocol
import ZeroMQ

/// One bench connection to the daemon: a DEALER that said HELLO, so the daemon pushes to it.
final class BenchPeer {
    let principal: String
    let socket: ZMQSocket

    init(context: ZMQContext, endpoint: String, principal: String) throws {
        self.principal = principal
        socket = try context.socket(.dealer)
        try socket.setLinger(milliseconds: 0)
        try socket.setSendHighWaterMark(1_000_000)
        try socket.setReceiveHighWaterMark(1_000_000)
        try socket.connect(endpoint)
    }

    func send(_ command: String, _ body: JSONValue) throws {
        guard try socket.send([WireMessage.signature, Data(command.utf8), body.canonicalData()]) == .sent else {
            throw BenchError("could not send \(command) as \(principal)")
        }
    }

    /// HELLO and wait for WELCOME.
    func hello() throws {
        try send("HELLO", ["as": .string(principal), "client": "schakel-bench/1"])
        var poller = ZMQPoller()
        poller.add(socket)
        let deadline = Clock.nanoseconds() + 10_000_000_000
        while Clock.nanoseconds() < deadline {
            _ = try poller.poll(timeoutMilliseconds: 100)
            while let message = try socket.receive(dontWait: true) {
                let command = message.frames.count > 1 ? String(decoding: message.frames[1], as: UTF8.self) : ""
                if command == "WELCOME" { return }
                if command == "REJECTED" {
                    throw BenchError(
                        "HELLO as \(principal) refused: \(String(decoding: message.frames[2], as: UTF8.self))")
                }
            }
        }
        throw BenchError("no WELCOME for \(principal)")
    }
}

/// Drives the daemon from many adapters and contacts on one thread, and keeps the measurements.
///
/// In intake runs it only counts replies (the bench must stay cheaper than the daemon on a
/// shared 2-core machine); with `tracking` on it also reads ids out of the bodies to match
/// SUBMIT to ACCEPTED and to the offer at the contact.
final class Driver {
    let adapters: [BenchPeer]
    let contacts: [BenchPeer]
    private var factory: SubmitFactory
    private var poller = ZMQPoller()
    private var inFlight: [Int]

    var tracking = false
    private(set) var accepted = 0
    private(set) var rejected = 0
    private(set) var firstRejection: String?
    private(set) var offers = 0
    /// external id → when the SUBMIT was (meant to be) sent.
    private var submittedAt: [String: UInt64] = [:]
    /// referral id → when its SUBMIT was sent, until both offers arrived.
    private var awaitingOffers: [String: (at: UInt64, left: Int)] = [:]
    /// Offers that arrived before the bench read the ACCEPTED naming their referral.
    private var earlyOffers: [String: [UInt64]] = [:]
    private(set) var acceptLatencies: [UInt64] = []
    private(set) var offerLatencies: [UInt64] = []
    /// referral id → (contact index, handover id) of its latest offer.
    private(set) var offersByReferral: [String: (contact: Int, handoverID: String)] = [:]
    private(set) var lastAcceptedReferral: String?
    private(set) var ackedAt: [String: UInt64] = [:]
    private(set) var acknowledgedNoticeAt: [String: UInt64] = [:]

    init(adapters: [BenchPeer], contacts: [BenchPeer], run: String) {
        self.adapters = adapters
        self.contacts = contacts
        factory = SubmitFactory(run: run)
        inFlight = Array(repeating: 0, count: adapters.count)
        for peer in adapters + contacts { poller.add(peer.socket) }
    }

    func resetMeasurements() {
        accepted = 0
        rejected = 0
        offers = 0
        submittedAt = [:]
        awaitingOffers = [:]
        earlyOffers = [:]
        acceptLatencies = []
        offerLatencies = []
        offersByReferral = [:]
    }

    func submit(from adapter: Int, intendedAt: UInt64? = nil) throws {
        let (externalID, frames) = factory.next()
        if tracking { submittedAt[externalID] = intendedAt ?? Clock.nanoseconds() }
        guard try adapters[adapter].socket.send(frames) == .sent else { throw BenchError("SUBMIT not queued") }
        inFlight[adapter] += 1
    }

    /// Reads everything that is waiting, waiting at most `timeoutMilliseconds` for the first.
    func pump(timeoutMilliseconds: Int) throws {
        let ready = try poller.poll(timeoutMilliseconds: timeoutMilliseconds)
        for (index, events) in ready.enumerated() where events.contains(.readable) {
            if index < adapters.count {
                while let message = try adapters[index].socket.receive(dontWait: true) {
                    handleAdapter(index, message.frames)
                }
            } else {
                let contact = index - adapters.count
                while let message = try contacts[contact].socket.receive(dontWait: true) {
                    handleContact(contact, message.frames)
                }
            }
        }
    }

    /// Pumps until `done()` or `seconds` pass; false on timeout.
    @discardableResult
    func pump(until done: () -> Bool, seconds: Double) throws -> Bool {
        let deadline = Clock.nanoseconds() + UInt64(seconds * 1e9)
        while !done() {
            guard Clock.nanoseconds() < deadline else { return false }
            try pump(timeoutMilliseconds: 10)
        }
        return true
    }

    /// Closed loop: each of the first `adapterCount` adapters keeps `window` submits in flight
    /// for `seconds` (or until `limit` submits), then waits for the stragglers. Returns ACCEPTED/s.
    func closedLoop(adapterCount: Int, window: Int, seconds: Double, limit: Int = .max) throws -> Double {
        let before = accepted
        let start = Clock.nanoseconds()
        let end = start + UInt64(seconds * 1e9)
        var sent = 0
        while true {
            let sending = Clock.nanoseconds() < end && sent < limit
            if sending {
                for a in 0..<adapterCount {
                    while inFlight[a] < window, sent < limit {
                        try submit(from: a)
                        sent += 1
                    }
                }
            }
            if !sending && inFlight.allSatisfy({ $0 == 0 }) { break }
            if !sending && Clock.nanoseconds() > end + 30_000_000_000 { throw BenchError("replies missing after 30 s") }
            try pump(timeoutMilliseconds: 10)
        }
        let elapsed = Double(Clock.nanoseconds() - start) / 1e9
        return Double(accepted - before) / elapsed
    }

    /// Open loop at `rate` submits/s round-robin over `adapterCount` adapters for `seconds`;
    /// latencies are measured from the intended send time, so a stall is not hidden.
    func pacedLoop(adapterCount: Int, rate: Double, seconds: Double) throws {
        tracking = true
        defer { tracking = false }
        let total = Int(rate * seconds)
        let interval = 1e9 / rate
        let start = Clock.nanoseconds()
        var sent = 0
        while sent < total {
            let now = Clock.nanoseconds()
            while sent < total, start + UInt64(Double(sent) * interval) <= now {
                try submit(from: sent % adapterCount, intendedAt: start + UInt64(Double(sent) * interval))
                sent += 1
            }
            let next = start + UInt64(Double(sent) * interval)
            let current = Clock.nanoseconds()
            let wait = next > current ? next - current : 0
            if wait >= 1_000_000 {
                try pump(timeoutMilliseconds: min(Int(wait / 1_000_000), 10))
            } else {
                // zmq_poll counts whole milliseconds: a shorter wait would be a poll of 0, and the loop would spin,
                // taking a core from the daemon it measures. Sleep the rest instead, then read what came; a reply
                // is stamped at most one send interval late.
                if wait > 0 { usleep(UInt32(max(wait / 1_000, 1))) }
                try pump(timeoutMilliseconds: 0)
            }
        }
        let complete = try pump(
            until: { self.acceptLatencies.count + self.rejected >= total && self.offerLatencies.count >= 2 * total },
            seconds: 30)
        if !complete { throw BenchError("paced run: not every ACCEPTED and offer arrived within 30 s") }
    }

    // MARK: Incoming

    private static let accepted = Data("ACCEPTED".utf8)
    private static let rejectedCommand = Data("REJECTED".utf8)
    private static let notice = Data("NOTICE".utf8)
    private static let handover = Data("HANDOVER".utf8)
    private static let acked = Data("ACKED".utf8)

    private func handleAdapter(_ index: Int, _ frames: [Data]) {
        guard frames.count == 3 else { return }
        let now = Clock.nanoseconds()
        if frames[1] == Self.accepted {
            accepted += 1
            inFlight[index] -= 1
            guard tracking, let externalID = Self.field("external_id", in: frames[2]),
                let referralID = Self.field("referral_id", in: frames[2]),
                let sentAt = submittedAt.removeValue(forKey: externalID)
            else { return }
            acceptLatencies.append(now - sentAt)
            lastAcceptedReferral = referralID
            var left = 2
            for arrival in earlyOffers.removeValue(forKey: referralID) ?? [] {
                offerLatencies.append(arrival - sentAt)
                left -= 1
            }
            if left > 0 { awaitingOffers[referralID] = (sentAt, left) }
        } else if frames[1] == Self.rejectedCommand {
            rejected += 1
            inFlight[index] -= 1
            if firstRejection == nil { firstRejection = String(decoding: frames[2], as: UTF8.self) }
        } else if frames[1] == Self.notice, tracking {
            let body = String(decoding: frames[2], as: UTF8.self)
            if body.contains(#""event":"acknowledged""#), let handoverID = Self.field("handover_id", in: frames[2]) {
                acknowledgedNoticeAt[handoverID] = now
            }
        }
    }

    private func handleContact(_ index: Int, _ frames: [Data]) {
        guard frames.count == 3 else { return }
        let now = Clock.nanoseconds()
        if frames[1] == Self.handover {
            offers += 1
            guard tracking, let referralID = Self.field("referral_id", in: frames[2]) else { return }
            if let handoverID = Self.field("handover_id", in: frames[2]) {
                offersByReferral[referralID] = (index, handoverID)
            }
            if let waiting = awaitingOffers[referralID] {
                offerLatencies.append(now - waiting.at)
                awaitingOffers[referralID] = waiting.left > 1 ? (waiting.at, waiting.left - 1) : nil
            } else {
                earlyOffers[referralID, default: []].append(now)
            }
        } else if frames[1] == Self.acked, tracking, let handoverID = Self.field("handover_id", in: frames[2]) {
            ackedAt[handoverID] = now
        }
    }

    /// The string value of `"name":"…"` in canonical JSON (no whitespace), without parsing it all.
    static func field(_ name: String, in body: Data) -> String? {
        let key = Data("\"\(name)\":\"".utf8)
        guard let found = body.range(of: key) else { return nil }
        let rest = body[found.upperBound...]
        guard let close = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: body[found.upperBound..<close], as: UTF8.self)
    }
}
