import Foundation
import SchakelClient
import SchakelProtocol
import Synchronization
import Testing
import ZeroMQ

/// The SchakelClient library against the real daemon: both roles end to end, de-duplication, failover, giving up,
/// and riding out a daemon that is killed and restarted under it.
@Suite struct ClientLibraryTests {
    /// Everything a client reported through `onEvent`, readable from the test.
    final class EventLog: Sendable {
        private let events = Mutex<[SchakelClient.Event]>([])

        func record(_ event: SchakelClient.Event) {
            events.withLock { $0.append(event) }
        }

        var all: [SchakelClient.Event] { events.withLock { $0 } }
    }

    /// Short timeouts, so that the tests that cut the daemon off do not wait long; many attempts, so that a slow
    /// restart on a loaded machine is still ridden out.
    static func configuration(
        _ endpoints: [String], as principal: String, log: EventLog? = nil, maxAttempts: Int = 40
    ) -> SchakelClient.Configuration {
        var configuration = SchakelClient.Configuration(endpoints: endpoints, principal: principal)
        configuration.clientName = "tests/1"
        configuration.requestTimeout = .milliseconds(Int(1_000 * Sanitizer.slowdown))
        configuration.maxAttempts = maxAttempts
        configuration.backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(500))
        configuration.heartbeat = .seconds(1)
        if let log {
            configuration.onEvent = { event in log.record(event) }
        }
        return configuration
    }

    static let patience = Duration.seconds(Peer.patience * Sanitizer.slowdown)

    /// Handles incoming messages until `done` says so or `patience` runs out; returns everything handled.
    static func handle(
        _ client: SchakelClient, until done: ([Incoming]) -> Bool, patience: Duration = patience
    ) throws -> [Incoming] {
        var handled: [Incoming] = []
        let deadline = ContinuousClock.now.advanced(by: patience)
        while !done(handled), ContinuousClock.now < deadline {
            try client.handleNext(timeout: .milliseconds(200)) { handled.append($0) }
        }
        return handled
    }

    static func notices(_ handled: [Incoming]) -> [Notice] {
        handled.compactMap { if case .notice(let notice) = $0.kind { notice } else { nil } }
    }

    static func offers(_ handled: [Incoming]) -> [HandoverOffer] {
        handled.compactMap { if case .handover(let offer) = $0.kind { offer } else { nil } }
    }

    @Test func aReferralGoesFromSubmitToAcknowledgedThroughTheClient() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try SchakelClient(Self.configuration([daemon.endpoint], as: "org:huisarts-de-brug"))
        let anna = try SchakelClient(Self.configuration([daemon.endpoint], as: "contact:schuldhulp-anna"))
        defer {
            gp.close()
            anna.close()
        }
        #expect(try anna.connect().principal == "contact:schuldhulp-anna")

        let receipt = try gp.submit(try Referrals.make(externalID: "LIB-1", needs: ["debt"]))
        let accepted = try receipt.get()
        #expect(accepted.externalID == "LIB-1")
        #expect(!accepted.duplicate)

        let offers = Self.offers(try Self.handle(anna) { !Self.offers($0).isEmpty })
        let offer = try #require(offers.first)
        #expect(offer.referralID == accepted.referralID)
        #expect(offer.need.domain == "debt")
        let acked = try anna.ack(handoverID: offer.handoverID).get()
        #expect(acked.citizen.displayName == Referrals.citizenName)

        let notices = Self.notices(try Self.handle(gp) { Self.notices($0).contains { $0.event == .acknowledged } })
        #expect(notices.map(\.event) == [.offered, .acknowledged])
        #expect(notices.last?.contact?.phone == "+31 30 000 1001")

        let again = try gp.submit(try Referrals.make(externalID: "LIB-1", needs: ["debt"])).get()
        #expect(again.duplicate)
        #expect(again.referralID == accepted.referralID)
        let status = try gp.status(externalID: "LIB-1").get()
        #expect(status.handovers.map(\.state) == [.accepted])
        #expect(status.referralID == accepted.referralID)
        // After the acknowledgement: first contact, the outcome, and a REOPEN that has nothing to reopen.
        let contacted = try anna.contacted(handoverID: offer.handoverID, channel: .phone).get()
        #expect(contacted.event == .contacted)
        let outcome = try anna.outcome(handoverID: offer.handoverID, result: .resolved, note: "Regeling getroffen.")
        #expect(try outcome.get().handoverID == offer.handoverID)
        #expect(try gp.reopen(referralID: accepted.referralID, reason: "nog een vraag").rejection?.code == .conflict)
        #expect(try gp.status(referralID: accepted.referralID).get().state == .closed)

        // A refusal is an answer, not an error: the code a program branches on.
        let refused = try anna.ack(handoverID: "ho-00000000-0000-4000-8000-000000000000")
        #expect(refused.rejection?.code == .notFound)
        #expect(refused.message.command == "REJECTED")
    }

    @Test func aResentOfferReachesTheApplicationOnce() throws {
        let daemon = try Daemon(settings: ["outbox": ["retry_interval": "PT1S"]])
        try daemon.start()
        let log = EventLog()
        let anna = try SchakelClient(Self.configuration([daemon.endpoint], as: "contact:schuldhulp-anna", log: log))
        defer { anna.close() }
        try anna.connect()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))

        let offer = try #require(try anna.next(timeout: Self.patience))
        // Not confirmed: the broker sends it again every second, and the client drops each copy.
        let deadline = ContinuousClock.now.advanced(by: Self.patience)
        var later: [Incoming] = []
        while !log.all.contains(.duplicateDropped(messageID: offer.messageID, confirmedAgain: false)),
            ContinuousClock.now < deadline
        {
            if let incoming = try anna.next(timeout: .milliseconds(200)) { later.append(incoming) }
        }
        #expect(log.all.contains(.duplicateDropped(messageID: offer.messageID, confirmedAgain: false)))
        let handedOutAgain = later.map(\.messageID)
        #expect(handedOutAgain.isEmpty)
        anna.confirm(offer)
    }

    @Test func theClientFailsOverToTheNextEndpoint() throws {
        let daemon = try Daemon()
        try daemon.start()
        let nowhere = "ipc://\(daemon.directory.path)/nobody-listens.sock"
        let log = EventLog()
        let gp = try SchakelClient(
            Self.configuration([nowhere, daemon.endpoint], as: "org:huisarts-de-brug", log: log))
        defer { gp.close() }
        let welcome = try gp.connect()
        #expect(welcome.principal == "org:huisarts-de-brug")
        let connects = log.all.filter { if case .connecting = $0 { true } else { false } }
        #expect(connects == [.connecting(endpoint: nowhere), .connecting(endpoint: daemon.endpoint)])
        #expect(try gp.submit(try Referrals.make()).rejection == nil)
    }

    @Test func anUnknownPrincipalIsRefusedAtOnceNotRetried() throws {
        let daemon = try Daemon()
        try daemon.start()
        let log = EventLog()
        let stranger = try SchakelClient(Self.configuration([daemon.endpoint], as: "org:nobody", log: log))
        defer { stranger.close() }
        #expect {
            try stranger.connect()
        } throws: { error in
            guard case SchakelClientError.helloRefused(let rejection) = error else { return false }
            return rejection.code == .unknownPrincipal
        }
        #expect(log.all.filter { if case .connecting = $0 { true } else { false } }.count == 1)
    }

    @Test func withCurveKeysTheClientSpeaksForTheKeysPrincipalOnly() throws {
        let gpKeys = try CurveKeyPair.generate()
        let daemon = try Daemon(curve: true)
        _ = try daemon.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [gpKeys]]))
        try daemon.start()
        let serverKey = try #require(daemon.serverKeys?.publicKey)
        var configuration = Self.configuration([daemon.endpoint], as: "org:huisarts-de-brug")
        configuration.curve = SchakelClient.Curve(serverKey: serverKey, keyPair: gpKeys)
        let gp = try SchakelClient(configuration)
        defer { gp.close() }
        #expect(try gp.connect().principal == "org:huisarts-de-brug")
        #expect(try gp.submit(try Referrals.make()).rejection == nil)

        // The same key naming someone else: refused at once.
        configuration.principal = "org:schuldhulp-utrecht"
        let impostor = try SchakelClient(configuration)
        defer { impostor.close() }
        #expect {
            try impostor.connect()
        } throws: { error in
            guard case SchakelClientError.helloRefused(let rejection) = error else { return false }
            return rejection.code == .forbidden
        }

        // A key the map does not list never gets an answer: the client gives up.
        var stranger = Self.configuration([daemon.endpoint], as: "org:huisarts-de-brug", maxAttempts: 2)
        stranger.curve = SchakelClient.Curve(serverKey: serverKey, keyPair: try CurveKeyPair.generate())
        stranger.requestTimeout = .milliseconds(300)
        let unknown = try SchakelClient(stranger)
        defer { unknown.close() }
        #expect(throws: SchakelClientError.self) { try unknown.connect() }

        // Keys that do not belong together are refused before anything is sent.
        var broken = configuration
        broken.curve = SchakelClient.Curve(
            serverKey: serverKey, publicKey: gpKeys.publicKey, secretKey: try CurveKeyPair.generate().secretKey)
        #expect(throws: SchakelClientError.self) { try SchakelClient(broken) }
    }

    @Test func withNoBrokerASubmitGivesUpAfterItsAttemptsWithBoundedPauses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schakel-\(UUID())")
        let log = EventLog()
        var configuration = Self.configuration(
            ["ipc://\(directory.path)/nobody.sock"], as: "org:huisarts-de-brug", log: log, maxAttempts: 4)
        configuration.requestTimeout = .milliseconds(200)
        configuration.backoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(300), jitter: 0.5)
        let gp = try SchakelClient(configuration)
        defer { gp.close() }
        let started = ContinuousClock.now
        #expect {
            _ = try gp.submit(try Referrals.make())
        } throws: { error in
            guard case SchakelClientError.gaveUp(let command, let attempts, _) = error else { return false }
            return command == "SUBMIT" && attempts == 4 && "\(error)".contains("is schakeld running?")
        }
        // Four HELLOs of 0.2 s and three pauses of at most 0.3 s.
        #expect(ContinuousClock.now - started < .seconds(5))
        let pauses = log.all.compactMap { if case .backingOff(let delay, _) = $0 { delay } else { nil } }
        #expect(pauses.count == 3)
        #expect(pauses.allSatisfy { $0 <= .milliseconds(300) }, "\(pauses)")
    }
}

/// A broker that stops answering PING (alive at the ZMTP level, dead above it) is left for a fresh connection.
extension ClientLibraryTests {
    /// A stand-in broker on its own thread: WELCOME to every HELLO, silence to everything else.
    final class SilentBroker: Sendable {
        let endpoint: String
        let hellos = Mutex(0)
        private let stopped = Mutex(false)

        init(endpoint: String) {
            self.endpoint = endpoint
            let thread = Thread { [self] in
                do {
                    try serve()
                } catch {
                    Issue.record("the stand-in broker failed: \(error)")
                }
            }
            thread.start()
        }

        func stop() {
            stopped.withLock { $0 = true }
        }

        private func serve() throws {
            let context = try ZMQContext()
            let router = try context.socket(.router)
            try router.bind(endpoint)
            var poller = ZMQPoller()
            poller.add(router)
            while !stopped.withLock({ $0 }) {
                guard try poller.poll(timeoutMilliseconds: 50)[0].contains(.readable),
                    let frames = try router.receive(dontWait: true)?.frames, frames.count == 4,
                    frames[2] == Data("HELLO".utf8)
                else { continue }
                hellos.withLock { $0 += 1 }
                let welcome = WireMessage(
                    .welcome, ["principal": "org:huisarts-de-brug", "server": "stand-in/1", "pending": .number(0)])
                _ = try router.send([frames[0]] + welcome.frames())
            }
            router.close()
            context.close()
        }
    }

    @Test func aBrokerThatNoLongerAnswersPingIsLeftForAFreshConnection() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schakel-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let broker = SilentBroker(endpoint: "ipc://\(directory.path)/silent.sock")
        defer { broker.stop() }
        let log = EventLog()
        var configuration = Self.configuration([broker.endpoint], as: "org:huisarts-de-brug", log: log)
        configuration.heartbeat = .milliseconds(200)
        configuration.requestTimeout = .milliseconds(300)
        let gp = try SchakelClient(configuration)
        defer { gp.close() }
        try gp.connect()

        let deadline = ContinuousClock.now.advanced(by: Self.patience)
        while broker.hellos.withLock({ $0 }) < 2, ContinuousClock.now < deadline {
            #expect(try gp.next(timeout: .milliseconds(100)) == nil)
        }
        #expect(broker.hellos.withLock { $0 } >= 2)
        let reasons = log.all.compactMap { if case .disconnected(_, let reason) = $0 { reason } else { nil } }
        #expect(reasons.first?.hasPrefix("no PONG") == true, "\(reasons)")
    }
}

/// The acceptance test of the client: the daemon is SIGKILLed and restarted under connected clients.
extension ClientLibraryTests {
    /// Starts the daemon on another thread once `ready` says so. The test thread leaves the daemon alone until
    /// ``wait()`` returned, which is the confinement this `@unchecked Sendable` relies on.
    final class Restarter: @unchecked Sendable {
        private let daemon: Daemon
        private let outcome = Mutex<Result<Void, any Error>?>(nil)

        init(_ daemon: Daemon, when ready: @escaping @Sendable () -> Bool) {
            self.daemon = daemon
            let thread = Thread { [self] in
                let deadline = Date().addingTimeInterval(Peer.patience * Sanitizer.slowdown)
                while !ready(), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
                let result = Result { try self.daemon.start() }
                self.outcome.withLock { $0 = result }
            }
            thread.start()
        }

        func wait() throws {
            let deadline = Date().addingTimeInterval(2 * Peer.patience * Sanitizer.slowdown)
            while Date() < deadline {
                if let result = outcome.withLock({ $0 }) { return try result.get() }
                Thread.sleep(forTimeInterval: 0.01)
            }
            throw TestError("the daemon was not restarted in time")
        }
    }

    @Test func theClientRidesOutADaemonKilledAndRestartedUnderIt() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gpLog = EventLog()
        let annaLog = EventLog()
        let gp = try SchakelClient(Self.configuration([daemon.endpoint], as: "org:huisarts-de-brug", log: gpLog))
        let anna = try SchakelClient(
            Self.configuration([daemon.endpoint], as: "contact:schuldhulp-anna", log: annaLog))
        defer {
            gp.close()
            anna.close()
        }
        try anna.connect()
        let first = try gp.submit(try Referrals.make(externalID: "RIDE-1", needs: ["debt"])).get()
        // Offered before the kill, read only after the restart.
        let unread = try gp.submit(try Referrals.make(externalID: "RIDE-0", needs: ["debt"])).get()
        let offer = try #require(try anna.next(timeout: Self.patience))
        #expect(offer.message.body["referral_id"]?.stringValue == first.referralID)

        daemon.kill9()
        // Anna's client confirms the offer while the daemon is dead: the broker never records that RECEIVED.
        anna.confirm(offer)

        // A submit during the outage: it waits, reconnects once the daemon is back, and is sent again unchanged.
        let restarter = Restarter(daemon) {
            gpLog.all.contains { if case .retrying(command: "SUBMIT", _, _) = $0 { true } else { false } }
        }
        let second = try gp.submit(try Referrals.make(externalID: "RIDE-2", needs: ["debt"])).get()
        try restarter.wait()
        #expect(second.externalID == "RIDE-2")

        // Anna reconnects: the offer she read before the kill comes again (its RECEIVED was lost) and is
        // confirmed again without reaching the application; the one she had not read yet and the new one reach
        // it once each.
        let handled = try Self.handle(anna) { Self.offers($0).count >= 2 }
        #expect(Set(Self.offers(handled).map(\.referralID)) == [unread.referralID, second.referralID])
        #expect(Self.offers(handled).count == 2)
        let deadline = ContinuousClock.now.advanced(by: Self.patience)
        while !annaLog.all.contains(.duplicateDropped(messageID: offer.messageID, confirmedAgain: true)),
            ContinuousClock.now < deadline
        {
            let more = try anna.next(timeout: .milliseconds(200))
            #expect(more == nil, "handed out twice: \(more?.messageID ?? "")")
        }
        #expect(annaLog.all.contains(.duplicateDropped(messageID: offer.messageID, confirmedAgain: true)))
        #expect(annaLog.all.contains { if case .disconnected = $0 { true } else { false } })

        // Exactly once: three referrals in the daemon, RIDE-2 with one offer.
        let stats = try daemon.admin("stats")
        let referrals = (stats["referrals"]?.objectValue ?? [:]).values.compactMap(\.numberValue).reduce(0, +)
        #expect(referrals == 3, "\(stats)")
        let status = try gp.status(externalID: "RIDE-2").get()
        #expect(status.handovers.count == 1)
        #expect(status.referralID == second.referralID)

        // Every message confirmed: the referrer's notices through handleNext, Anna's offers by RECEIVED.
        _ = try Self.handle(gp) { Self.notices($0).count >= 3 }
        let confirmed = ContinuousClock.now.advanced(by: Self.patience)
        var pending = -1.0
        while ContinuousClock.now < confirmed {
            pending = try daemon.admin("stats")["outbox"]?["pending"]?.numberValue ?? -1
            if pending == 0 { break }
            _ = try gp.next(timeout: .milliseconds(100))
            _ = try anna.next(timeout: .milliseconds(100))
        }
        #expect(pending == 0)
        let pauses = gpLog.all.compactMap { if case .backingOff(let delay, _) = $0 { delay } else { nil } }
        #expect(!pauses.isEmpty)
        #expect(pauses.allSatisfy { $0 <= .milliseconds(500) }, "\(pauses)")
    }
}
