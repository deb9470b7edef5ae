import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

/// Peers that send and never read (issue 16, point 4): what the daemon queues for one peer is bounded by a
/// per-peer budget, a peer past it is dropped, and its outbox stays durable for when it comes back.
@Suite struct SlowPeerTests {
    /// A DEALER that keeps almost nothing on its own side (receive high-water mark 1), so that what it does not
    /// read backs up in the daemon, as it would for a peer on a slow or stalled link.
    final class NonReader {
        let context: ZMQContext
        let socket: ZMQSocket

        init(_ daemon: Daemon, as principal: String) throws {
            context = try ZMQContext()
            socket = try context.socket(.dealer)
            try socket.setLinger(milliseconds: 0)
            try socket.setReceiveHighWaterMark(1)
            try socket.setSendHighWaterMark(0)
            try socket.connect(daemon.endpoint)
            _ = try socket.send(WireMessage(command: "HELLO", body: ["as": .string(principal)]).frames())
            var poller = ZMQPoller()
            poller.add(socket)
            guard try poller.poll(timeoutMilliseconds: 20_000)[0].contains(.readable),
                let welcome = try socket.receive(dontWait: true), welcome.frames.count >= 2,
                welcome.frames[1] == Data("WELCOME".utf8)
            else { throw TestError("no WELCOME for \(principal)") }
        }

        func send(_ command: String, _ body: JSONValue) throws {
            _ = try socket.send(WireMessage(command: command, body: body).frames())
        }

        deinit {
            socket.close()
            context.close()
        }
    }

    /// The daemon's peak resident memory (VmHWM) once it has stopped using CPU for half a second (30 s at most).
    static func peakResidentKiBWhenIdle(_ daemon: Daemon) throws -> Int {
        guard let pid = daemon.process?.processIdentifier else { throw TestError("schakeld is not running") }
        func field(_ file: String, _ read: (String) -> Int?) throws -> Int {
            read(try String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8)) ?? 0
        }
        func cpuTicks() throws -> Int {
            try field("stat") { stat in
                let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
                return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
            }
        }
        let deadline = Date().addingTimeInterval(30)
        var last = try cpuTicks()
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            let now = try cpuTicks()
            if now == last { break }
            last = now
        }
        return try field("status") { status in
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
    }

    @Test func eightPeersThatNeverReadStayWithinAMemoryBudgetAndAreDropped() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(try gp.submit(try Referrals.make()).command == "ACCEPTED")
        let before = try DaemonProbe(daemon)

        // Seven referrers ask for their referral's whole story (a few KB a REFERRAL) over and over; Anna, who has
        // an offer waiting, sends PINGs. None of them reads an answer. (One session per principal: a second HELLO
        // as the same organisation would end the first, so each is another organisation.)
        let organisations = [
            "org:gemeente-utrecht", "org:schuldhulp-utrecht", "org:domstad-wonen", "org:vechtzicht-wonen",
            "org:schuldhulp-lek-ijssel", "org:woongoed-lek-ijssel", "org:buurtteam-utrecht",
        ]
        var readers: [(NonReader, JSONValue)] = []
        for organisation in organisations {
            let own = try daemon.connect(as: organisation).submit(try Referrals.make(needs: ["legal"]))
            let id = try #require(own.body["referral_id"])
            readers.append((try NonReader(daemon, as: organisation), id))
        }
        let anna = try NonReader(daemon, as: "contact:schuldhulp-anna")
        for _ in 0..<6_000 {
            for (reader, id) in readers { try reader.send("STATUS", ["referral_id": id]) }
            try anna.send("PING", [:])
        }
        // Everyone else is still served, promptly, while the unread answers pile up.
        #expect(try gp.request(.ping, [:], expect: .pong).command == "PONG")
        let accepted = try gp.submit(try Referrals.make(externalID: "AFTER-FLOOD"))
        #expect(accepted.command == "ACCEPTED", "\(accepted.body)")
        // Once the daemon has worked through all 48,000 requests: at no moment did it hold more than the budget.
        let peak = try Self.peakResidentKiBWhenIdle(daemon)
        #expect(
            !Sanitizer.measuresMemory || peak < before.residentKiB + 48 * 1024,
            "RSS \(before.residentKiB) KiB before, peak \(peak) KiB with 8 peers that never read")
        #expect(try daemon.admin("stats")["peers_dropped"]?.numberValue ?? 0 >= 1)
        #expect(daemon.log().contains("peer.dropped"), "a peer past its budget is dropped, and that is logged")

        // Anna was dropped, not forgotten: connected again, she gets both offers that wait for her.
        let back = try daemon.connect(as: "contact:schuldhulp-anna")
        let offers = [try back.next(.handover), try back.next(.handover)]
        #expect(Set(offers.compactMap { $0.body["need"]?["domain"]?.stringValue }) == ["debt"])
        #expect(back.violations.isEmpty, "\(back.violations)")
    }
}
