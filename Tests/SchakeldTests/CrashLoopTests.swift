import Foundation
import SchakelProtocol
import Sodium
import Storage
import Testing

/// The crash loop: adapters submit and contacts acknowledge or decline continuously while the
/// daemon is killed with SIGKILL at random moments and restarted on the same state directory.
/// After every restart the promises are checked from outside, over SRP/1 and by reading the
/// database read-only.
///
/// `make test` runs a short loop (10 kills); `make crash-test` sets `SCHAKEL_CRASH_KILLS=200`.
@Suite struct CrashLoopTests {
    static var kills: Int {
        Int(ProcessInfo.processInfo.environment["SCHAKEL_CRASH_KILLS"] ?? "") ?? 10
    }

    @Test func everyPromiseSurvivesRandomKills() throws {
        var loop = try CrashLoop()
        do {
            try loop.run(kills: Self.kills)
        } catch {
            // Which round, how far it got, and what the daemon said last: a failure after minutes is not rerun lightly.
            let log = loop.daemon.log().split(separator: "\n").suffix(40).joined(separator: "\n")
            throw TestError("after \(loop.report): \(error)\nlast lines of the daemon's log:\n\(log)")
        }
        let report = loop.report
        print("crash loop: \(report)")
        #expect(loop.violations.isEmpty, "\(loop.violations.prefix(20).joined(separator: "\n"))")
        #expect(report.kills == Self.kills)
        #expect(report.referrals > 0 && report.acknowledged > 0, "the workload did nothing: \(report)")
    }
}

/// The workload, the bookkeeping of what the daemon promised, and the invariant checks.
struct CrashLoop {
    struct Report: CustomStringConvertible {
        var kills = 0
        var referrals = 0
        var duplicatesConfirmed = 0
        var inDoubtResubmitted = 0
        var acknowledged = 0
        var acksResent = 0
        var reacknowledged = 0
        var declined = 0
        var invariantChecks = 0
        var timerChecks = 0
        var deadlinesFired = 0

        var description: String {
            "\(kills) kills, \(referrals) referrals accepted, \(duplicatesConfirmed) duplicate submits recognised, "
                + "\(inDoubtResubmitted) in-doubt submits resent, \(acknowledged) handovers acknowledged, "
                + "\(acksResent) in-doubt ACKs resent, \(reacknowledged) re-ACKs answered ACKED again, \(declined) declined, \(invariantChecks) invariant checks passed, of which \(timerChecks) on timers; \(deadlinesFired) deadlines fired"
        }
    }

    let daemon: Daemon
    let organisations = ["org:huisarts-de-brug", "org:gemeente-utrecht"]
    /// The needs the adapters submit, and so the domains whose contacts take part.
    static let needs = [["debt"], ["housing"], ["debt", "housing"], ["housing", "income"]]
    /// Every contact on the demo map who can be offered one of those needs, so that every offer can be answered
    /// (with only some of them, most offers expired unanswered and long runs acknowledged almost nothing).
    let contacts: [String]
    var rng = SystemRandomNumberGenerator()
    /// (organisation, external_id) → referral_id, for every ACCEPTED ever received.
    var accepted: [Key: String] = [:]
    /// The body each key was submitted with, for resubmission.
    var bodies: [Key: JSONValue] = [:]
    /// Submitted but not answered before the kill: the adapter must resend them.
    var inDoubt: Set<Key> = []
    /// Handovers the daemon answered ACKED / DECLINED for.
    var ackedHandovers: Set<String> = []
    /// Which contact holds each handover it acknowledged, for re-ACKs.
    var ackedBy: [String: String] = [:]
    /// ACKs sent without an answer yet; a kill makes them in doubt, and the contact sends them again.
    var acksInDoubt: [String: String] = [:]
    var declinedHandovers: Set<String> = []
    /// Accepted since the last check, so each is checked over the protocol at least once.
    var recent: [Key] = []
    var violations: [String] = []
    var report = Report()
    var serial = 0

    struct Key: Hashable {
        var organisation: String
        var externalID: String
    }

    init() throws {
        let domains = Set(Self.needs.joined())
        contacts =
            try JSONValue.parse(Data(contentsOf: Paths.demoMap))["contacts"]?.arrayValue?.compactMap {
                contact in
                let theirs = Set(contact["domains"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                return theirs.isDisjoint(with: domains) ? nil : contact["id"]?.stringValue
            } ?? []
        guard contacts.count > 3 else { throw TestError("the demo map has too few contacts for \(domains)") }
        // A short retry interval, so that offers lost with a kill come again quickly.
        daemon = try Daemon(settings: ["outbox": ["retry_interval": "PT1S"], "log_level": "info"])
        // Deadlines of seconds on the wall clock, so reminders, expiries, re-routes, escalations and
        // nazorg fire all through the loop and get killed at every point of their firing too.
        let policy = daemon.directory.appendingPathComponent("policy.json")
        let quick: JSONValue = [
            "acknowledge_within": "PT10S", "acknowledge_clock": "wall", "max_reroutes": .number(1),
            "nazorg_after": "PT15S", "nazorg_answer_within": "PT10S",
        ]
        try JSONValue.object(["urgency": ["urgent": quick, "normal": quick, "crisis": quick]]).canonicalData()
            .write(to: policy)
        try daemon.reconfigure(["policy": .string(policy.path)])
    }

    mutating func run(kills: Int) throws {
        try daemon.start()
        for _ in 0..<kills {
            try round()
            daemon.kill9()
            report.kills += 1
            try daemon.start()
            try check()
        }
        // The last check goes over every referral ever accepted, not a sample.
        try check(everything: true)
        daemon.stop()
    }

    // MARK: The workload

    /// Connects, resends what is in doubt, then submits and answers offers until a random moment.
    mutating func round() throws {
        var orgs: [String: Peer] = [:]
        for organisation in organisations { orgs[organisation] = try daemon.connect(as: organisation) }
        var people: [String: Peer] = [:]
        for contact in contacts { people[contact] = try daemon.connect(as: contact) }
        for key in inDoubt.sorted(by: { $0.externalID < $1.externalID }) {
            guard let peer = orgs[key.organisation], let body = bodies[key] else { continue }
            let answer = try peer.request(.submit, ["referral": body], expect: .accepted)
            if answer.command == "ACCEPTED" {
                record(answer, for: key)
                report.inDoubtResubmitted += 1
            } else {
                violations.append("an in-doubt resubmit of \(key.externalID) was refused: \(answer.body)")
            }
        }
        inDoubt = []
        // Contacts resend the ACKs the kill left unanswered, like an adapter resends its submits.
        for (handoverID, contact) in acksInDoubt.sorted(by: { $0.key < $1.key }) {
            guard let peer = people[contact] else { continue }
            let answer = try peer.request(.ack, ["handover_id": .string(handoverID)], expect: .acked)
            report.acksResent += 1
            if answer.command == "ACKED" {
                recordAcked(answer, by: contact)
            } else if !["conflict", "not_found"].contains(answer.body["code"]?.stringValue ?? "") {
                // conflict: it expired or went to someone else meanwhile; not_found: no longer offered to anyone
                violations.append("an in-doubt ACK of \(handoverID) was refused: \(answer.body)")
            }
            try peer.confirmBuffered()
        }
        acksInDoubt = [:]
        let turns = Int.random(in: 1...8, using: &rng)
        for turn in 0..<turns {
            for (organisation, peer) in orgs {
                for _ in 0..<Int.random(in: 0...6, using: &rng) {
                    serial += 1
                    let key = Key(organisation: organisation, externalID: "CL-\(organisation.suffix(6))-\(serial)")
                    let needs = Self.needs.randomElement(using: &rng)!
                    let body = try Referrals.make(externalID: key.externalID, needs: needs)
                    bodies[key] = body
                    inDoubt.insert(key)
                    try peer.send(.submit, ["referral": body])
                }
                // Now and then an adapter resends one it already has an answer for.
                if let old = accepted.keys.filter({ $0.organisation == organisation }).randomElement(using: &rng),
                    Int.random(in: 0..<4, using: &rng) == 0, let body = bodies[old]
                {
                    try peer.send(.submit, ["referral": body])
                }
            }
            let last = turn == turns - 1
            // The last turn ends at a random moment, with requests still in flight.
            let pump = (last ? Double.random(in: 0...0.03, using: &rng) : 0.02) * Sanitizer.slowdown
            try pumpAll(orgs: orgs, people: people, for: pump)
        }
    }

    mutating func pumpAll(orgs: [String: Peer], people: [String: Peer], for seconds: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            for (organisation, peer) in orgs {
                for message in try peer.drain(timeout: 0.002) {
                    try handle(message, organisation: organisation, peer: peer)
                }
            }
            for (contact, peer) in people {
                for message in try peer.drain(timeout: 0.002) {
                    try handleContact(message, contact: contact, peer: peer)
                }
            }
        } while Date() < deadline
    }

    mutating func handle(_ message: WireMessage, organisation: String, peer: Peer) throws {
        switch message.command {
        case "ACCEPTED":
            guard let externalID = message.body["external_id"]?.stringValue else { return }
            record(message, for: Key(organisation: organisation, externalID: externalID))
        case "NOTICE", "REMINDER", "ESCALATION", "NAZORG":
            // Confirmed now and then, so that some are redelivered after a kill; never confirming would make the
            // outbox grow all run long and flood every new connection (see `checkOverTheProtocol`).
            if let id = message.body["message_id"], Bool.random(using: &rng) {
                try peer.send(.received, ["message_ids": [id]])
            }
        case "REJECTED":
            violations.append("\(organisation) got \(message.body)")
        default:
            break
        }
    }

    mutating func handleContact(_ message: WireMessage, contact: String, peer: Peer) throws {
        switch message.command {
        case "HANDOVER":
            guard let id = message.body["handover_id"] else { return }
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<6:
                try peer.send(.ack, ["handover_id": id])
                if let handoverID = id.stringValue, !ackedHandovers.contains(handoverID) {
                    acksInDoubt[handoverID] = contact
                }
            case 6..<8: try peer.send(.decline, ["handover_id": id, "reason": "capacity"])
            default: break  // leave it offered for a while
            }
        case "ACKED":
            recordAcked(message, by: contact)
        case "DECLINED":
            if let id = message.body["handover_id"]?.stringValue, declinedHandovers.insert(id).inserted {
                report.declined += 1
            }
        case "REJECTED":
            // A conflict is a correct answer to an offer answered twice across a kill (ACK after
            // DECLINE); anything else is not.
            if message.body["code"] != "conflict" { violations.append("a contact got \(message.body)") }
        case "REMINDER", "CANCELLED", "ESCALATION", "NAZORG":
            // Confirmed like a real client would; a kill in between may still lose the confirmation.
            if let id = message.body["message_id"] {
                try peer.send(.received, ["message_ids": [id]])
            }
        default:
            break
        }
    }

    mutating func recordAcked(_ answer: WireMessage, by contact: String) {
        guard let id = answer.body["handover_id"]?.stringValue else { return }
        acksInDoubt[id] = nil
        ackedBy[id] = contact
        if ackedHandovers.insert(id).inserted { report.acknowledged += 1 }
    }

    mutating func record(_ answer: WireMessage, for key: Key) {
        guard let referralID = answer.body["referral_id"]?.stringValue else { return }
        inDoubt.remove(key)
        if let known = accepted[key] {
            if known != referralID {
                violations.append("\(key.externalID) was accepted as \(known) and again as \(referralID)")
            }
            if answer.body["duplicate"] == true { report.duplicatesConfirmed += 1 }
            return
        }
        accepted[key] = referralID
        recent.append(key)
        report.referrals += 1
    }

    // MARK: The invariants

    mutating func check(everything: Bool = false) throws {
        try checkOverTheProtocol(everything: everything)
        try checkTheDatabase()
    }

    /// Every ACCEPTED referral answers STATUS with its referral_id, and a resubmission keeps it.
    mutating func checkOverTheProtocol(everything: Bool) throws {
        var sample = recent
        if everything {
            sample = Array(accepted.keys)
        } else {
            sample += accepted.keys.shuffled(using: &rng).prefix(10)
        }
        recent = []
        var peers: [String: Peer] = [:]
        for key in sample {
            if peers[key.organisation] == nil { peers[key.organisation] = try daemon.connect(as: key.organisation) }
            let peer = peers[key.organisation]!
            let status = try peer.request(.status, ["external_id": .string(key.externalID)], expect: .referral)
            // Like a real adapter, confirm what the reconnect delivered. Left unconfirmed, the daemon sends all of it
            // again every retry interval, and a reader slowed down by a sanitizer falls so far behind that its
            // connection misses the daemon's heartbeat (30 s) and silently reconnects without its session: every
            // request after that was answered hello_required.
            try peer.confirmBuffered()
            report.invariantChecks += 1
            if status.body["referral_id"]?.stringValue != accepted[key] {
                violations.append("STATUS of accepted \(key.externalID) answered \(status.body)")
            }
        }
        for key in sample.prefix(3) {
            let answer = try peers[key.organisation]!.submit(bodies[key]!)
            report.invariantChecks += 1
            if answer.body["duplicate"] != true || answer.body["referral_id"]?.stringValue != accepted[key] {
                violations.append("resubmitting \(key.externalID) answered \(answer.body)")
            } else {
                report.duplicatesConfirmed += 1
            }
        }
        // Nothing is acknowledged twice, and nothing acknowledged is forgotten: a contact that sends ACK again for a
        // handover it got ACKED for, across any number of kills, gets ACKED again for the same handover.
        let again = ackedBy.keys.sorted().shuffled(using: &rng).prefix(everything ? 20 : 3)
        var people: [String: Peer] = [:]
        for handoverID in again {
            guard let contact = ackedBy[handoverID] else { continue }
            if people[contact] == nil { people[contact] = try daemon.connect(as: contact) }
            let answer = try people[contact]!.request(.ack, ["handover_id": .string(handoverID)], expect: .acked)
            try people[contact]!.confirmBuffered()
            report.invariantChecks += 1
            if answer.command != "ACKED" || answer.body["handover_id"]?.stringValue != handoverID {
                violations.append("a re-ACK of acknowledged \(handoverID) answered \(answer.command) \(answer.body)")
            } else {
                report.reacknowledged += 1
            }
        }
    }

    /// Reads the state directly, read-only, while the daemon runs (SQLite's WAL lets it; PostgreSQL anyway).
    mutating func checkTheDatabase() throws {
        let db = try daemon.openDatabase()
        defer { try? db.close() }
        func expectNone(_ what: String, _ sql: String) throws {
            let rows = try db.query(sql)
            report.invariantChecks += 1
            if !rows.isEmpty { violations.append("\(what): \(rows.count) rows, e.g. \(rows[0])") }
        }
        try expectNone(
            "handover in a state outside the life cycle, or its contact disagreeing with it",
            """
            SELECT handover_id FROM handovers
            WHERE state NOT IN ('offered', 'accepted', 'declined', 'unroutable', 'expired', 'unowned',
                                'contacted', 'completed', 'waiting', 'cancelled')
               OR (contact IS NULL) != (state IN ('unroutable', 'unowned', 'waiting'))
            """)
        try expectNone(
            "need held by two contacts at once (two offered/accepted handovers)",
            """
            SELECT referral_id, need_index FROM handovers WHERE state IN ('offered', 'accepted', 'contacted')
            GROUP BY referral_id, need_index HAVING COUNT(*) > 1
            """)
        try expectNone(
            "handover acknowledged twice, or acknowledged in the log but not in its state",
            """
            SELECT h.handover_id FROM handovers h
            LEFT JOIN events e ON e.handover_id = h.handover_id AND e.event = 'acknowledged'
            GROUP BY h.handover_id
            HAVING COUNT(e.seq) != (CASE WHEN h.state IN ('accepted', 'contacted', 'completed') THEN 1 ELSE 0 END)
            """)
        try expectNone(
            "handover declined twice, or declined in the log but not in its state",
            """
            SELECT h.handover_id FROM handovers h
            LEFT JOIN events e ON e.handover_id = h.handover_id AND e.event = 'declined'
            GROUP BY h.handover_id HAVING COUNT(e.seq) != (CASE WHEN h.state = 'declined' THEN 1 ELSE 0 END)
            """)
        try expectNone(
            "handover without exactly one HANDOVER owed to its contact",
            // Kept in the handover's row since migration 16 (`offer_seq`), in the outbox before. An offer withdrawn
            // before its contact was sent it (in the run of the daemon that made it: after a restart it counts as
            // received) is deleted, by design (UnseenOfferTests); its expiry or cancellation event says so.
            """
            SELECT h.handover_id FROM handovers h
            LEFT JOIN outbox o ON o.handover_id = h.handover_id AND o.command = 'HANDOVER'
            WHERE h.state NOT IN ('unroutable', 'unowned', 'waiting')
              AND h.referral_id NOT IN (SELECT referral_id FROM referrals WHERE purged_at IS NOT NULL)
            GROUP BY h.handover_id
            HAVING COUNT(o.seq) + COUNT(DISTINCT h.offer_seq) != (CASE WHEN EXISTS (
                SELECT 1 FROM events u WHERE u.handover_id = h.handover_id AND u.detail LIKE '%"offer":"unseen"%')
                THEN 0 ELSE 1 END)
            """)
        try expectNone(
            "offer still pending although it was answered, or owed to someone else than its contact",
            """
            SELECT h.handover_id FROM handovers h JOIN outbox o ON o.handover_id = h.handover_id
            WHERE o.command = 'HANDOVER'
              AND ((h.state != 'offered' AND o.confirmed_at IS NULL) OR o.principal != h.contact)
            UNION ALL
            SELECT handover_id FROM handovers
            WHERE offer_seq IS NOT NULL AND offer_confirmed_at IS NULL AND state != 'offered'
            """)
        try expectNone(
            "offer in a handover's row and in the outbox under one seq, or one without its kept fields",
            """
            SELECT h.handover_id FROM handovers h JOIN outbox o ON o.seq = h.offer_seq
            UNION ALL
            SELECT handover_id FROM handovers WHERE offer_seq IS NOT NULL AND (offer_body IS NULL OR offer_body = '')
            """)
        try expectNone(
            "outbox message neither pending nor confirmed properly, or owed to nobody",
            """
            SELECT seq FROM outbox
            WHERE principal = '' OR body = ''
               OR (confirmed_at IS NOT NULL AND confirmed_at < created_at)
               OR command NOT IN ('HANDOVER', 'NOTICE', 'REMINDER', 'CANCELLED', 'ESCALATION', 'NAZORG')
            """)
        try expectNone(
            "external_id with two referrals for one organisation",
            "SELECT organisation, external_id FROM referrals GROUP BY organisation, external_id HAVING COUNT(*) > 1")
        try expectNone(
            "referral without its 'submitted' event, or with two",
            """
            SELECT r.referral_id FROM referrals r LEFT JOIN events e ON e.referral_id = r.referral_id
              AND e.event = 'submitted' GROUP BY r.referral_id HAVING COUNT(e.seq) != 1
            """)
        try expectNone(
            "referral whose personal data is not sealed at rest",
            "SELECT referral_id FROM referrals WHERE body != '' AND body NOT LIKE 'sb1:%'")
        // The body is sealed: open it with the daemon's data key to count its needs.
        let keys = KeyRing(
            current: try SealingKey.load(
                id: "k1", contentsOf: daemon.keyDirectory.appendingPathComponent("k1.key").path))
        for row in try db.query(
            """
            SELECT r.referral_id, r.body,
                   (SELECT COUNT(DISTINCT need_index) FROM handovers h WHERE h.referral_id = r.referral_id) AS needs
            FROM referrals r WHERE r.body != ''
            """)
        {
            report.invariantChecks += 1
            let referral = try JSONValue.parse(Data(try keys.open(row.string("body") ?? "").utf8))
            if referral["needs"]?.arrayValue?.count != row.int("needs") {
                violations.append("referral with a need that has no handover: \(row.string("referral_id") ?? "?")")
            }
        }
        // What the daemon answered ACCEPTED, ACKED and DECLINED for is on disk as promised.
        var stored: [String: String] = [:]
        for row in try db.query("SELECT referral_id, organisation, external_id FROM referrals") {
            stored["\(row.string("organisation") ?? "")|\(row.string("external_id") ?? "")"] = row.string(
                "referral_id")
        }
        for (key, referralID) in accepted {
            report.invariantChecks += 1
            if stored["\(key.organisation)|\(key.externalID)"] != referralID {
                violations.append("ACCEPTED \(key.externalID) as \(referralID) is not on disk")
            }
        }
        var states: [String: String] = [:]
        for row in try db.query("SELECT handover_id, state FROM handovers") {
            states[row.string("handover_id") ?? ""] = row.string("state")
        }
        for id in ackedHandovers where !["accepted", "contacted", "completed"].contains(states[id] ?? "") {
            violations.append("ACKED \(id) is \(states[id] ?? "missing") on disk")
        }
        for id in declinedHandovers where states[id] != "declined" {
            violations.append("DECLINED \(id) is \(states[id] ?? "missing") on disk")
        }
        report.invariantChecks += ackedHandovers.count + declinedHandovers.count
        report.timerChecks += try checkTimers(db)
    }

    /// The timer invariant of issue 8: every deadline that existed still exists or has fired
    /// exactly once. Timers are rows, so "still exists" means every pending deadline of a handover
    /// has its row (and no row outlives its reason), and "fired exactly once" means no handover
    /// was reminded or expired twice.
    mutating func checkTimers(_ db: any SQLDatabase) throws -> Int {
        var checks = 0
        report.deadlinesFired =
            try db.queryOne(
                """
                SELECT COUNT(*) AS n FROM events
                WHERE event IN ('reminded', 'expired', 'contact_overdue', 'nazorg.asked', 'nazorg.reminded')
                """)?.int("n") ?? 0
        func expectNone(_ what: String, _ sql: String) throws {
            let rows = try db.query(sql)
            checks += 1
            if !rows.isEmpty { violations.append("\(what): \(rows.count) rows, e.g. \(rows[0])") }
        }
        try expectNone(
            "offered handover without its acknowledgement deadline",
            """
            SELECT h.handover_id FROM handovers h
            WHERE h.state = 'offered'
              AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.timer_id = h.handover_id || ':ack_expiry')
            """)
        try expectNone(
            "acknowledged handover without a nazorg deadline",
            """
            SELECT h.handover_id FROM handovers h
            WHERE h.state IN ('accepted', 'contacted')
              AND NOT EXISTS (SELECT 1 FROM timers t WHERE t.handover_id = h.handover_id
                              AND t.kind IN ('nazorg', 'nazorg_answer', 'nazorg_final'))
            """)
        try expectNone(
            "timer whose handover is gone or in a state it does not belong to",
            """
            SELECT t.timer_id FROM timers t LEFT JOIN handovers h ON h.handover_id = t.handover_id
            WHERE (h.handover_id IS NULL AND t.kind NOT IN ('retention', 'consent_expiry'))
               OR (t.kind IN ('ack_reminder', 'ack_expiry') AND h.state != 'offered')
               OR (t.kind = 'contact_due' AND h.state != 'accepted')
               OR (t.kind IN ('nazorg', 'nazorg_answer', 'nazorg_final') AND h.state NOT IN ('accepted', 'contacted'))
            """)
        try expectNone(
            "retention timer of a referral that is not in a final state, or already purged",
            """
            SELECT t.timer_id FROM timers t JOIN referrals r ON r.referral_id = t.referral_id
            WHERE t.kind = 'retention' AND (r.state NOT IN ('closed', 'unroutable') OR r.purged_at IS NOT NULL)
            """)
        try expectNone(
            "deadline that fired twice (a handover reminded or expired more than once)",
            """
            SELECT handover_id, event FROM events WHERE event IN ('reminded', 'expired', 'contact_overdue', 'nazorg.asked')
            GROUP BY handover_id, event HAVING COUNT(*) > 1
            """)
        return checks
    }
}
