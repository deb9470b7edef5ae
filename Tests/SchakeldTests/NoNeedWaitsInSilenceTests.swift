import Deadlines
import Foundation
import SchakelProtocol
import Testing

/// Issue 23's year: months of traffic on the manual clock against the real daemon over the demo region, with full
/// capacity, an absence, a slow contact, a decliner, a contact who never records first contact, and coordinators
/// who act only once an escalation has gone past their own organisation. What the referrer and the coordinators
/// receive must show that no need waited in silence.
@Suite(.serialized) struct NoNeedWaitsInSilenceTests {
    /// One simulated step of the clock: the checks allow for it, since timers fire when the clock reaches them.
    static let step: TimeInterval = 3 * 3_600
    /// A year; under a sanitizer (several times slower) a season, which still meets every rule many times over.
    static let days = Sanitizer.active == nil ? 365 : 120

    /// A need, by referral and need index.
    struct NeedKey: Hashable, CustomStringConvertible {
        var referral: String
        var index: Int
        var description: String { "\(referral)#\(index)" }
    }

    /// What the simulation remembers: who holds what, what the referrer was told, and who was alerted.
    final class World {
        var needOf: [String: NeedKey] = [:]  // handover id → need
        var urgency: [String: String] = [:]  // referral id → urgency
        var notices: [NeedKey: [(at: Date, event: String, level: Int?)]] = [:]
        /// Contacts who declined a need or let it lapse.
        var barred: [NeedKey: Set<String>] = [:]
        var alerted: [NeedKey: [(coordinator: String, level: Int?, reason: String, at: Int)]] = [:]
        var withdrawn: Set<String> = []
        /// Referrals whose loop closed (NOTICE `closed`): nothing more to check about their leads.
        var closed: Set<String> = []
        var acknowledgedToContact: [String: (handover: String, since: Int)] = [:]
        var rejected: [String: Int] = [:]
        var rejections: [String] = []
        /// Requests sent and not answered yet, so that a step ends only when every peer has had its answer.
        var outstanding = 0
        var requests = 0
        /// The order things happened in, to tell an alert before a lapse from one after it.
        var sequence = 0
        var barredAt: [NeedKey: [String: Int]] = [:]
        var leadViolations: [String] = []
    }

    @Test func aYearOnTheManualClockLeavesNoNeedWaitingInSilence() throws {
        let start = try #require(RFC3339.parse(DeadlineRestartTests.monday10))
        func day(_ n: Int) -> JSONValue {
            .string(String(RFC3339.format(start.addingTimeInterval(Double(n) * 86_400)).prefix(10)))
        }
        // Small capacities fill up; Eva is away for a month; Carla declines everything; Anna answers one offer in
        // three; Karim acknowledges but never records a first contact.
        let map = try SocialMaps.demo(changing: [
            "contact:schuldhulp-anna": ["capacity": .number(3)],
            "contact:wonen-bram": ["capacity": .number(3)],
            "contact:wonen-carla": ["capacity": .number(3)],
            "contact:juridisch-eva": [
                "capacity": .number(2), "absences": .array([.object(["from": day(20), "to": day(50)])]),
            ],
            "contact:juridisch-karim": ["capacity": .number(3)],
            "contact:buurtteam-ingrid": ["capacity": .number(2)],
            "contact:buurtteam-tim": ["capacity": .number(2)],
        ])
        let daemon = try DeadlineRestartTests.daemon(at: DeadlineRestartTests.monday10)
        _ = try daemon.useSocialMap(map)
        try daemon.start()
        let policy = try Policy(data: Data(contentsOf: Paths.policy))
        let contacts = (map["contacts"]?.arrayValue ?? []).compactMap { c -> (String, String, [String])? in
            guard let id = c["id"]?.stringValue, let org = c["organization"]?.stringValue else { return nil }
            return (id, org, c["domains"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        var coordinatorOf: [String: String] = [:]
        for organisation in try #require(map["organizations"]?.arrayValue) {
            if let id = organisation["id"]?.stringValue, let coordinator = organisation["coordinator"]?.stringValue {
                coordinatorOf[coordinator] = id
            }
        }
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        let admin = try AdminConnection(daemon.adminEndpoint)  // one connection for the thousands of steps
        var peers: [String: Peer] = [:]
        for (id, _, _) in contacts { peers[id] = try daemon.connect(as: id) }
        let world = World()
        let unreliable: Set<String> = ["contact:wonen-carla", "contact:schuldhulp-anna", "contact:juridisch-karim"]
        var annaOffers = 0
        var now = start
        var steps = 0
        var submitted = 0
        let needMix = [["debt"], ["housing"], ["debt", "housing"], ["legal"], ["care", "income"], ["youth"]]

        func handle(_ message: WireMessage, for principal: String, _ peer: Peer) throws {
            let body = message.body
            switch message.command {
            case "HANDOVER":
                let id = try #require(body["handover_id"]?.stringValue)
                let need = NeedKey(
                    referral: body["referral_id"]?.stringValue ?? "",
                    index: body["need"]?["index"]?.numberValue.map { Int($0) } ?? 0)
                world.needOf[id] = need
                let answer: Bool
                if principal == "contact:wonen-carla" {
                    world.barred[need, default: []].insert(principal)
                    world.sequence += 1
                    world.barredAt[need, default: [:]][principal] = world.barredAt[need]?[principal] ?? world.sequence
                    try request(peer, .decline, ["handover_id": .string(id), "reason": "not_our_service"])
                    return
                } else if principal == "contact:schuldhulp-anna" {
                    annaOffers += 1
                    answer = annaOffers % 3 == 0
                } else {
                    answer = true
                }
                if answer {
                    try request(peer, .ack, ["handover_id": .string(id)])
                    world.acknowledgedToContact[id] = (principal, steps)
                }
            case "CANCELLED":
                if body["reason"] == "expired", let id = body["handover_id"]?.stringValue, let need = world.needOf[id] {
                    world.barred[need, default: []].insert(principal)
                    world.sequence += 1
                    world.barredAt[need, default: [:]][principal] = world.barredAt[need]?[principal] ?? world.sequence
                }
                try peer.confirm(message)
            case "NAZORG":
                try request(peer, .outcome, ["handover_id": body["handover_id"] ?? .null, "result": "resolved"])
                try peer.confirm(message)
            case "ESCALATION":
                try peer.confirm(message)
                let reason = body["reason"]?.stringValue ?? ""
                let level = body["level"]?.numberValue.map { Int($0) }
                guard let target = body["need_handover_id"]?.stringValue ?? body["handover_id"]?.stringValue
                else { return }
                let need =
                    world.needOf[target] ?? world.needOf[body["handover_id"]?.stringValue ?? ""]
                    ?? NeedKey(
                        referral: body["referral_id"]?.stringValue ?? "",
                        index: body["need"]?["index"]?.numberValue.map { Int($0) } ?? 0)
                world.needOf[target] = need
                world.sequence += 1
                world.alerted[need, default: []].append((principal, level, reason, world.sequence))
                // Coordinators act once it has gone past their own organisation (level 2), some only when the
                // operator is alerted too (level 3).
                guard reason == "unowned" || reason == "waiting", let level,
                    level >= 3 || (level == 2 && target.utf8.reduce(0, { $0 + Int($1) }) % 2 == 0)
                else { return }
                let domain = body["need"]?["domain"]?.stringValue ?? ""
                let organisation = coordinatorOf[principal]
                let forReferrer = organisation == "org:huisarts-de-brug"
                let barred = world.barred[need] ?? []
                // Someone who has not let it go yet and answers; failing that, anyone who serves the domain: a
                // coordinator calls them.
                let serving = contacts.filter { ($0.1 == organisation || forReferrer) && $0.2.contains(domain) }
                guard
                    let colleague = serving.first(where: { !unreliable.contains($0.0) && !barred.contains($0.0) })
                        ?? serving.first(where: { !unreliable.contains($0.0) }) ?? serving.first
                else { return }
                try request(peer, .assign, ["handover_id": .string(target), "contact": .string(colleague.0)])
            case "REJECTED", "ACKED", "DECLINED", "NOTED", "PONG":
                world.outstanding -= 1
                if message.command == "REJECTED" {
                    world.rejected[body["code"]?.stringValue ?? "?", default: 0] += 1
                    world.rejections.append("\(principal): \(body["message"]?.stringValue ?? "")")
                }
                // First contact at once after the acknowledgement, except for Karim.
                if message.command == "ACKED", principal != "contact:juridisch-karim",
                    let id = body["handover_id"]?.stringValue
                {
                    try request(peer, .contacted, ["handover_id": .string(id)])
                }
            default:
                if body["message_id"] != nil { try peer.confirm(message) }
            }
        }

        func request(_ peer: Peer, _ command: Command, _ body: JSONValue) throws {
            try peer.send(command, body)
            world.outstanding += 1
            world.requests += 1
        }

        /// Reads every peer until everything the daemon sent has arrived and every request has its answer: a PING
        /// to each peer is answered after what was pushed to it before, so its PONG says the peer has it all. Rounds
        /// go on while the answers set off more (an ASSIGN offers the need to someone else).
        func settle() throws {
            let deadline = Date().addingTimeInterval(60)
            var sent = Int.max
            while sent > 0 {
                let before = world.requests
                for peer in [gp] + peers.values { try request(peer, .ping, [:]) }
                repeat {
                    try drainAll()
                    if world.outstanding > 0 { Thread.sleep(forTimeInterval: 0.0002) }
                } while world.outstanding > 0 && Date() < deadline
                try #require(world.outstanding == 0, "requests without an answer")
                sent = world.requests - before - peers.count - 1
            }
        }

        func drainAll() throws {
            for message in try gp.drainReady() {
                if ["REJECTED", "NOTED", "PONG"].contains(message.command) { world.outstanding -= 1 }
                guard message.command == "NOTICE" else {
                    if message.command == "NAZORG" {
                        try request(
                            gp, .outcome, ["handover_id": message.body["handover_id"] ?? .null, "result": "resolved"])
                    }
                    if message.body["message_id"] != nil { try gp.confirm(message) }
                    continue
                }
                try gp.confirm(message)
                let body = message.body
                if body["event"] == "closed", let referralID = body["referral_id"]?.stringValue {
                    world.closed.insert(referralID)
                }
                guard let id = body["handover_id"]?.stringValue, let at = body["at"]?.stringValue.flatMap(RFC3339.parse)
                else { continue }
                let need =
                    world.needOf[id]
                    ?? NeedKey(
                        referral: body["referral_id"]?.stringValue ?? "",
                        index: body["need"]?["index"]?.numberValue.map { Int($0) } ?? 0)
                world.needOf[id] = need
                world.notices[need, default: []].append(
                    (at, body["event"]?.stringValue ?? "", body["level"]?.numberValue.map { Int($0) }))
            }
            for (principal, peer) in peers.sorted(by: { $0.key < $1.key }) {
                for message in try peer.drainReady() { try handle(message, for: principal, peer) }
            }
        }

        while now < start.addingTimeInterval(Double(Self.days) * 86_400) {
            // About two referrals per working day until a month before the end; one in ten is a crisis, one in
            // twenty is withdrawn a week later.
            let dayIndex = Int(now.timeIntervalSince(start) / 86_400)
            if dayIndex < Self.days - 30, steps % 4 == 0 {
                submitted += 1
                var referral = try Referrals.make(
                    externalID: "Y-\(submitted)", needs: needMix[submitted % needMix.count], shareWith: ["*"])
                let urgency = submitted % 10 == 0 ? "crisis" : submitted % 3 == 0 ? "urgent" : "normal"
                referral = Referrals.setting("urgency", to: .string(urgency), in: referral)
                let accepted = try gp.submit(referral)
                let referralID = try #require(accepted.body["referral_id"]?.stringValue)
                world.urgency[referralID] = urgency
                if submitted % 20 == 0 { world.withdrawn.insert(referralID) }
            }
            if steps % 56 == 0 {  // once a week: withdraw what is due, and check the leads of open referrals
                for referralID in world.withdrawn.sorted() where world.urgency[referralID] != "withdrawn" {
                    _ = try gp.request(
                        .withdraw, ["referral_id": .string(referralID), "reason": "no_longer_needed"], expect: .noted)
                    world.urgency[referralID] = "withdrawn"
                }
                try checkLeads(gp, world)
            }
            if steps % 4 == 0 { try settle() }  // the offers a SUBMIT made are answered before the clock moves on
            try admin.send(JSONValue.object(["command": "clock.advance", "duration": "PT3H"]).canonicalData())
            let advanced = try admin.reply()
            now = now.addingTimeInterval(Self.step)
            steps += 1
            // A step in which no deadline fell due sent nobody anything.
            if advanced["timers_fired"]?.numberValue != 0 { try settle() }
        }
        for _ in 0..<3 {  // what was still on its way
            Thread.sleep(forTimeInterval: 0.1)
            try drainAll()
        }

        // What the simulation must have exercised, for the checks to mean something.
        let events = world.notices.values.flatMap { $0 }
        #expect(events.contains { $0.event == "waiting" }, "no need ever waited")
        #expect(events.contains { $0.event == "unowned" }, "no need was ever unowned")
        #expect(events.contains { $0.event == "escalated" && ($0.level ?? 0) >= 3 }, "the operator was never alerted")

        // The year in figures, for the issue note and for a reader wondering what the checks below covered.
        let escalated = events.filter { $0.event == "escalated" }
        print(
            """
            year: \(submitted) referrals, \(world.notices.count) needs; NOTICEs waiting \(events.filter { $0.event == "waiting" }.count), \
            unowned \(events.filter { $0.event == "unowned" }.count), escalated \(escalated.count) (level 1: \
            \(escalated.filter { ($0.level ?? 1) == 1 }.count), 2: \(escalated.filter { $0.level == 2 }.count), 3 and on: \
            \(escalated.filter { ($0.level ?? 0) >= 3 }.count)); \(world.alerted.values.map(\.count).reduce(0, +)) ESCALATIONs to coordinators
            """)
        var problems: [String] = []
        for (need, notices) in world.notices {
            let urgency = world.urgency[need.referral] ?? "normal"
            guard urgency != "withdrawn" else { continue }
            let rules = policy.policy(for: Urgency(rawValue: urgency) ?? .normal, organisation: "")
            // Periods nobody holds the need: from `waiting` or `unowned` to the next offer or acknowledgement.
            var since: Date?
            var firstAllowed: Date?
            var lastEscalation: Date?
            for notice in notices.sorted(by: { $0.at < $1.at }) {
                switch notice.event {
                case "waiting", "unowned":
                    if since == nil {
                        since = notice.at
                        lastEscalation = nil
                        firstAllowed =
                            notice.event == "unowned"
                            ? notice.at
                            : policy.calendar.deadline(
                                from: notice.at, adding: rules.escalateWaitingAfter, clock: rules.acknowledgeClock)
                    }
                case "escalated":
                    guard let from = since else { continue }
                    let allowed =
                        lastEscalation.map {
                            policy.calendar.deadline(
                                from: $0, adding: rules.escalateEvery, clock: rules.acknowledgeClock)
                        } ?? firstAllowed ?? from
                    if notice.at > allowed.addingTimeInterval(Self.step) {
                        problems.append("\(need) (\(urgency)) escalated at \(notice.at), due by \(allowed)")
                    }
                    lastEscalation = notice.at
                case "offered", "acknowledged", "rerouted":
                    since = nil
                default:
                    continue
                }
                if urgency == "crisis", notice.event == "waiting",
                    !notices.contains(where: { $0.event == "escalated" && $0.at == notice.at })
                {
                    problems.append("crisis \(need) waited at \(notice.at) without an escalation")
                }
            }
            if since != nil {
                let allowed =
                    lastEscalation.map {
                        policy.calendar.deadline(from: $0, adding: rules.escalateEvery, clock: rules.acknowledgeClock)
                    } ?? firstAllowed!
                if now > allowed.addingTimeInterval(Self.step) {
                    problems.append(
                        "\(need) (\(urgency)) still unheld at the end, last escalated \(String(describing: lastEscalation))"
                    )
                }
            }
        }
        for (need, alerts) in world.alerted {
            for alert in alerts {
                if let letGo = world.barredAt[need]?[alert.coordinator], letGo < alert.at {
                    problems.append(
                        "\(need): \(alert.coordinator) was alerted (\(alert.reason), level \(alert.level ?? 0)) after letting it go"
                    )
                }
            }
        }
        // Every need of a referral not withdrawn ends owned or unroutable, with the referrer told.
        for referralID in world.urgency.keys.sorted() where world.urgency[referralID] != "withdrawn" {
            let status = try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral)
            var newest: [Int: JSONValue] = [:]
            for handover in status.body["handovers"]?.arrayValue ?? [] {
                newest[handover["need"]?["index"]?.numberValue.map { Int($0) } ?? 0] = handover
            }
            for (index, handover) in newest {
                let state = handover["state"]?.stringValue ?? ""
                guard !["accepted", "contacted", "completed"].contains(state) else { continue }
                let told =
                    world.notices[NeedKey(referral: referralID, index: index)]?.contains {
                        $0.event == "unroutable" || $0.event == "consent_needed"
                    } ?? false
                if state == "unroutable", told { continue }
                if state == "offered", let ackBy = handover["ack_by"]?.stringValue.flatMap(RFC3339.parse), ackBy > now {
                    continue  // offered in the last days, its deadline still ahead
                }
                let need = NeedKey(referral: referralID, index: index)
                problems.append(
                    "\(need) ends \(state); told \(world.notices[need]?.map(\.event) ?? []), alerted \(world.alerted[need]?.map { "\($0.coordinator) \($0.level ?? 0)" } ?? [])"
                )
            }
        }
        problems += world.leadViolations
        if !problems.isEmpty {
            try? daemon.log().write(toFile: "/tmp/year-daemon.log", atomically: true, encoding: .utf8)
        }
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(15))")
        // Two coordinators may act on the same need in one step: the later one is told it moved on. Nothing else is
        // refused: every contact answers in time.
        let unexpected = world.rejections.filter {
            !["moved on", "is offered outside", "is already offered to", "is accepted;", "is contacted;"].contains(
                where: $0.contains)
        }
        #expect(unexpected.isEmpty, "\(world.rejected) \(unexpected.prefix(10))")
        #expect(gp.violations.isEmpty, "\(gp.violations.prefix(3))")
        for (id, peer) in peers { #expect(peer.violations.isEmpty, "\(id): \(peer.violations.prefix(3))") }
    }

    /// Each open referral shows exactly one current lead while any of its needs is held, offered or waiting (a
    /// referral whose every open need is unowned has nobody to lead it).
    func checkLeads(_ gp: Peer, _ world: World) throws {
        for referralID in world.urgency.keys.sorted()
        where world.urgency[referralID] != "withdrawn" && !world.closed.contains(referralID) {
            let status = try gp.request(.status, ["referral_id": .string(referralID)], expect: .referral)
            guard ["open", "accepted", "partial"].contains(status.body["state"]?.stringValue ?? "") else { continue }
            let handovers = status.body["handovers"]?.arrayValue ?? []
            let leads = handovers.filter { $0["lead"] == .bool(true) }
            var newest: [Int: String] = [:]
            for h in handovers {
                newest[h["need"]?["index"]?.numberValue.map { Int($0) } ?? 0] = h["state"]?.stringValue ?? ""
            }
            let canLead = newest.values.contains {
                ["offered", "accepted", "contacted", "completed", "waiting"].contains($0)
            }
            if canLead ? leads.count != 1 : leads.count > 1 {
                world.leadViolations.append("\(referralID) has \(leads.count) leads: \(newest)")
            }
        }
    }
}
