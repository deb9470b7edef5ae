import Foundation
import SchakelProtocol
import Testing

/// A year of referrals on the manual clock against the real daemon over the demo region (issue 19), and what the
/// test itself saw of it: the truth the signals report is checked against.
///
/// Made once and shared by the tests that read it (``SignalsYearTests``, ``SignalsBrowserTests``): the traffic takes
/// most of the time. The simulation has a contact who declines every housing need as not hers (a map error), one who
/// declines for capacity now and then, one who lets every third offer lapse, one who never records first contact,
/// two legal contacts away for a week, needs nobody in a municipality can take, referrals whose consent names only
/// the referrer, and every nazorg result, `no_answer` included. The expected figures are worked out from what the
/// referrer was told (NOTICEs), what the contacts were offered (HANDOVER, CANCELLED) and what they answered, never
/// from the daemon's tables.
final class SignalsYear: @unchecked Sendable {
    /// Made on first use, under Swift's lazy static initialisation (once, whichever test asks first); read-only after.
    static let shared: Result<SignalsYear, any Error> = Result { try SignalsYear() }

    /// One need of one referral.
    struct NeedKey: Hashable, Comparable {
        var referral: String
        var index: Int
        static func < (a: NeedKey, b: NeedKey) -> Bool { (a.referral, a.index) < (b.referral, b.index) }
    }

    /// What happened to one need, as the test saw it.
    struct Need {
        var domain: String
        var municipality: String
        var urgency: String
        /// The day of submission in Europe/Amsterdam, YYYY-MM-DD.
        var day: String
        var unroutable = false
        var consentNeeded = false
        var waited = false
        var unowned = false
        var lapsed = false
        var escalated = false
        var reopened = false
        var firstOffer: (handover: String, at: Date)?
        var acknowledged: (handover: String, at: Date)?
        var contacted: Set<String> = []
        var contactOverdue: Set<String> = []
        /// The first result of each handover, by handover id.
        var outcomes: [String: String] = [:]
        var declines: [(organisation: String, reason: String)] = []
    }

    static let start = "2026-11-23T10:00:00+01:00"
    static let step: TimeInterval = 6 * 3_600
    /// Under a sanitizer (several times slower) 200 days, which still reach every nazorg result.
    static let days = Sanitizer.active == nil ? 365 : 200
    static let results = [
        "resolved", "partly_resolved", "not_resolved", "citizen_unreachable", "no_longer_needed", "citizen_declined",
        "referred_on",
    ]

    let daemon: Daemon
    private(set) var needs: [NeedKey: Need] = [:]
    /// The span the report asks for: every day a referral was submitted on.
    private(set) var from = ""
    private(set) var to = ""
    /// `signals --json` before and after the purge, and the CSV files and HTML page of the first.
    private(set) var report = JSONValue.null
    private(set) var reportAfterPurge = JSONValue.null
    private(set) var csv: [String: String] = [:]
    let html: URL
    /// How many referrals the purge took the personal data of.
    private(set) var purged = 0
    private(set) var submitted = 0
    private(set) var summary = ""

    private var handoverNeed: [String: NeedKey] = [:]
    private var ackBy: [String: Date] = [:]
    /// DECLINEs sent and not yet answered: a decline counts once the broker answered DECLINED, not when it was sent
    /// (an offer withdrawn in between is answered `conflict`, and nothing was declined).
    private var declining: [String: (need: NeedKey, organisation: String, reason: String)] = [:]
    private var organisationOf: [String: String] = [:]
    private var singleNeed: Set<String> = []
    private var reopenedReferrals: Set<String> = []
    private var outstanding = 0
    private var requests = 0
    private var nazorgAsked = 0
    private var offersToAnna = 0
    private var offersToBram = 0

    private init() throws {
        let started = Date()
        let start = try #require(RFC3339.parse(Self.start))
        func day(_ n: Int) -> JSONValue {
            .string(String(RFC3339.format(start.addingTimeInterval(Double(n) * 86_400)).prefix(10)))
        }
        let map = try SocialMaps.demo(changing: [
            // Away together for a week, so legal needs wait (neither stands in for the other then).
            "contact:juridisch-eva": [
                "absences": .array([.object(["from": day(120), "to": day(127)])]), "deputy": nil,
            ],
            "contact:juridisch-karim": [
                "absences": .array([.object(["from": day(120), "to": day(127)])]), "deputy": nil,
            ],
        ])
        daemon = try DeadlineRestartTests.daemon(at: Self.start)
        html = daemon.directory.appendingPathComponent("signals.html")
        _ = try daemon.useSocialMap(map)
        try daemon.start()
        for contact in map["contacts"]?.arrayValue ?? [] {
            if let id = contact["id"]?.stringValue { organisationOf[id] = contact["organization"]?.stringValue }
        }
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        var peers: [String: Peer] = [:]
        for id in organisationOf.keys.sorted() { peers[id] = try daemon.connect(as: id) }
        let admin = try AdminConnection(daemon.adminEndpoint)
        var zone = Calendar(identifier: .gregorian)
        zone.timeZone = try #require(TimeZone(identifier: "Europe/Amsterdam"))
        func amsterdamDay(_ date: Date) -> String {
            let c = zone.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        }

        let mix = [
            ["debt"], ["housing"], ["debt", "income"], ["youth"], ["care"], ["legal"], ["benefits"], ["work"],
            ["health"], ["housing", "debt"], ["legal"], ["housing"],
        ]
        let municipalities = [
            "GM0344", "GM0344", "GM0344", "GM0356", "GM0344", "GM0353", "GM0344", "GM0356", "GM0344", "GM0321",
        ]
        var now = start
        var steps = 0
        var toWithdraw: [(referral: String, at: Int)] = []
        var firstDay = "", lastDay = ""
        let submitUntil = Self.days - 63  // nazorg (eight weeks, then two more) can answer within the year
        while now < start.addingTimeInterval(Double(Self.days) * 86_400) {
            let dayIndex = Int(now.timeIntervalSince(start) / 86_400)
            if dayIndex < submitUntil, steps % 2 == 0 {
                submitted += 1
                let n = submitted
                let domains = mix[n % mix.count]
                var referral = try Referrals.make(
                    externalID: "S-\(n)", needs: domains,
                    shareWith: n % 23 == 0 ? ["org:huisarts-de-brug"] : ["*"])
                let municipality = municipalities[n % municipalities.count]
                let urgency = n % 11 == 0 ? "crisis" : n % 3 == 0 ? "urgent" : "normal"
                referral = Referrals.setting("urgency", to: .string(urgency), in: referral)
                referral = Referrals.setting("citizen.municipality", to: .string(municipality), in: referral)
                let accepted = try gp.submit(referral)
                let referralID = try #require(accepted.body["referral_id"]?.stringValue)
                let today = amsterdamDay(now)
                if firstDay.isEmpty { firstDay = today }
                lastDay = today
                for (index, domain) in domains.enumerated() {
                    needs[NeedKey(referral: referralID, index: index)] = Need(
                        domain: domain, municipality: municipality, urgency: urgency, day: today)
                }
                if domains.count == 1 { singleNeed.insert(referralID) }
                if n % 37 == 0 { toWithdraw.append((referralID, steps + 12)) }
                try settle(gp, peers)
            }
            for (referralID, due) in toWithdraw where due == steps {
                _ = try gp.request(
                    .withdraw, ["referral_id": .string(referralID), "reason": "no_longer_needed"], expect: .noted)
                try settle(gp, peers)
            }
            try admin.send(JSONValue.object(["command": "clock.advance", "duration": "PT6H"]).canonicalData())
            let advanced = try admin.reply()
            now = now.addingTimeInterval(Self.step)
            steps += 1
            if advanced["timers_fired"]?.numberValue != 0 { try settle(gp, peers) }
        }
        try settle(gp, peers)
        from = firstDay
        to = lastDay
        let seconds = Int(Date().timeIntervalSince(started))

        // The report as the operator runs it: JSON, CSV and the HTML page.
        let state = ["--state-dir", daemon.stateDirectory.path]
        let span = ["--from", from, "--to", to]
        let json = try CommandLineTests.run("schakelctl", ["signals", "--json"] + span + state)
        try #require(json.status == 0, "signals --json: \(json.errors)")
        report = try JSONValue.parse(Data(json.output.utf8))
        let folder = daemon.directory.appendingPathComponent("csv")
        let files = try CommandLineTests.run(
            "schakelctl", ["signals", "--csv", folder.path, "--html", html.path] + span + state)
        try #require(files.status == 0, "signals --csv --html: \(files.errors)")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            csv[name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
        // Then the retention the operator chose shorter: whatever closed more than an hour ago loses its personal
        // data now (the clock stands still, so nothing else changes). The counts must stay.
        let purge = try daemon.admin("purge", ["older_than": "PT1H"])
        try #require(purge["ok"] == true, "\(purge)")
        purged = purge["referrals"]?.arrayValue?.count ?? 0
        let after = try CommandLineTests.run("schakelctl", ["signals", "--json"] + span + state)
        try #require(after.status == 0, "signals --json after the purge: \(after.errors)")
        reportAfterPurge = try JSONValue.parse(Data(after.output.utf8))
        daemon.stop()
        summary =
            "signals year: \(submitted) referrals, \(needs.count) needs, \(requests) requests in \(seconds) s; "
            + "purged \(purged)"
        for peer in [gp] + peers.values {
            try #require(peer.violations.isEmpty, "\(peer.violations.prefix(3))")
        }
    }

    // MARK: What each party does

    /// Reads every peer until every request has its answer and nothing more is on its way (a PING answered after
    /// what was pushed before it), in rounds while answers set off more.
    private func settle(_ gp: Peer, _ peers: [String: Peer]) throws {
        let deadline = Date().addingTimeInterval(60)
        var more = true
        while more {
            let before = requests
            for peer in [gp] + peers.values {
                try peer.send(.ping, [:])
                outstanding += 1
                requests += 1
            }
            repeat {
                try referrerReads(gp)
                for (principal, peer) in peers.sorted(by: { $0.key < $1.key }) {
                    for message in try peer.drainReady() { try contact(principal, peer, reads: message) }
                }
                if outstanding > 0 { Thread.sleep(forTimeInterval: 0.0002) }
            } while outstanding > 0 && Date() < deadline
            try #require(outstanding == 0, "requests without an answer")
            more = requests - before > peers.count + 1
        }
    }

    private func request(_ peer: Peer, _ command: Command, _ body: JSONValue) throws {
        try peer.send(command, body)
        outstanding += 1
        requests += 1
    }

    private func need(of body: JSONValue) -> NeedKey? {
        if let id = body["handover_id"]?.stringValue, let key = handoverNeed[id] { return key }
        guard let referral = body["referral_id"]?.stringValue, let index = body["need"]?["index"]?.numberValue
        else { return nil }
        let key = NeedKey(referral: referral, index: Int(index))
        if let id = body["handover_id"]?.stringValue { handoverNeed[id] = key }
        return key
    }

    /// The GP practice: notes what each NOTICE says, reopens a one-need referral whose result was not_resolved, and
    /// never answers NAZORG itself (so the contact's answer is the first, or nobody's: no_answer).
    private func referrerReads(_ gp: Peer) throws {
        for message in try gp.drainReady() {
            let body = message.body
            switch message.command {
            case "PONG", "REJECTED":
                outstanding -= 1
                try #require(message.command == "PONG", "the referrer was refused: \(body)")
                continue
            case "NOTED":
                outstanding -= 1
                continue
            case "NOTICE":
                break
            default:
                if body["message_id"] != nil { try gp.confirm(message) }
                continue
            }
            try gp.confirm(message)
            guard let event = body["event"]?.stringValue, let key = need(of: body), var need = needs[key] else {
                continue
            }
            let handover = body["handover_id"]?.stringValue ?? ""
            let at = try #require(body["at"]?.stringValue.flatMap(RFC3339.parse))
            switch event {
            case "offered", "rerouted":
                if need.firstOffer == nil { need.firstOffer = (handover, at) }
            case "acknowledged":
                if need.acknowledged == nil { need.acknowledged = (handover, at) }
            case "unroutable": need.unroutable = true
            case "unowned": need.unowned = true
            case "consent_needed":
                need.consentNeeded = true
                if need.firstOffer == nil { need.unroutable = true } else { need.unowned = true }
            case "waiting": need.waited = true
            case "escalated": need.escalated = true
            case "contacted": need.contacted.insert(handover)
            case "contact_overdue": need.contactOverdue.insert(handover)
            case "nazorg_unresolved":
                if body["result"] == "no_answer" { need.outcomes[handover] = "no_answer" }
                if body["result"] == "not_resolved", singleNeed.contains(key.referral),
                    !reopenedReferrals.contains(key.referral)
                {
                    reopenedReferrals.insert(key.referral)
                    need.reopened = true
                    try request(
                        gp, .reopen, ["referral_id": .string(key.referral), "reason": "nog niet opgelost"])
                }
            default:
                break
            }
            needs[key] = need
        }
    }

    /// A contact: Carla declines every offer as not her service, Bram one in three for capacity, Anna lets one in
    /// three lapse, everyone else takes it at once; all record first contact at once but Karim; NAZORG is answered
    /// with each result in turn, except one question in nine, which nobody answers.
    private func contact(_ principal: String, _ peer: Peer, reads message: WireMessage) throws {
        let body = message.body
        switch message.command {
        case "HANDOVER":
            let id = try #require(body["handover_id"]?.stringValue)
            let key = try #require(need(of: body))
            ackBy[id] = body["ack_by"]?.stringValue.flatMap(RFC3339.parse)
            var reason: String?
            if principal == "contact:wonen-carla" {
                reason = "not_our_service"
            } else if principal == "contact:wonen-bram" {
                offersToBram += 1
                if offersToBram % 3 == 0 { reason = "capacity" }
            } else if principal == "contact:schuldhulp-anna" {
                offersToAnna += 1
                if offersToAnna % 3 == 0 { return }  // it lapses
            }
            if let reason {
                declining[id] = (key, organisationOf[principal] ?? "", reason)
                try request(peer, .decline, ["handover_id": .string(id), "reason": .string(reason)])
            } else {
                try request(peer, .ack, ["handover_id": .string(id)])
            }
        case "CANCELLED":
            if body["reason"] == "expired", let key = need(of: body) { needs[key]?.lapsed = true }
            try peer.confirm(message)
        case "NAZORG":
            try peer.confirm(message)
            nazorgAsked += 1
            guard nazorgAsked % 9 != 0, let key = need(of: body), let id = body["handover_id"]?.stringValue else {
                return
            }
            let result = Self.results[nazorgAsked % Self.results.count]
            if needs[key]?.outcomes[id] == nil { needs[key]?.outcomes[id] = result }
            try request(peer, .outcome, ["handover_id": .string(id), "result": .string(result)])
        case "ACKED":
            outstanding -= 1
            if principal != "contact:juridisch-karim", let id = body["handover_id"]?.stringValue {
                try request(peer, .contacted, ["handover_id": .string(id)])
            }
        case "REJECTED":
            outstanding -= 1
            // An offer withdrawn (the referral withdrawn) between its HANDOVER and the answer: nothing happened.
            try #require(body["code"] == "conflict", "\(principal) was refused: \(body)")
        case "DECLINED":
            outstanding -= 1
            if let id = body["handover_id"]?.stringValue, let sent = declining.removeValue(forKey: id) {
                needs[sent.need]?.declines.append((sent.organisation, sent.reason))
            }
        case "NOTED", "PONG":
            outstanding -= 1
        default:
            if body["message_id"] != nil { try peer.confirm(message) }
        }
    }

    // MARK: The expected figures

    /// The need's facts in the report's words, worked out from what the test saw.
    func expectedFigures(_ need: Need) -> [String: Int] {
        [
            "needs": 1, "unroutable": need.unroutable ? 1 : 0, "consent_needed": need.consentNeeded ? 1 : 0,
            "waiting": need.waited ? 1 : 0, "unowned": need.unowned ? 1 : 0, "lapsed": need.lapsed ? 1 : 0,
            "escalated": need.escalated ? 1 : 0, "reopened": need.reopened ? 1 : 0,
        ]
    }

    /// Seconds from the first offer to the acknowledgement, and whether it came by the first offer's `ack_by`.
    func acknowledgement(_ need: Need) -> (seconds: Double, inTime: Bool)? {
        guard let first = need.firstOffer, let acknowledged = need.acknowledged else { return nil }
        let due = ackBy[first.handover] ?? .distantPast
        return (acknowledged.at.timeIntervalSince(first.at), acknowledged.at <= due)
    }

    /// Whether the first contact after the acknowledgement came in time (`within`), late, or not at all (nil).
    func firstContact(_ need: Need) -> String? {
        guard let handover = need.acknowledged?.handover else { return nil }
        if need.contactOverdue.contains(handover) { return "late" }
        return need.contacted.contains(handover) ? "within" : nil
    }
}
