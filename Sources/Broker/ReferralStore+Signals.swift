import Deadlines
import Foundation
import SchakelProtocol
import Signals
import Storage

/// What the signals report reads (Protocols/ADMIN.md, `signals`): per need, the pseudonymous facts of its life
/// from the referrals, handovers and events tables. A purge leaves all three in place (it empties the sealed body
/// and the notes), so a period whose referrals were purged still counts.
extension ReferralStore {
    /// The events that say what became of a need; the rest of the log (disclosures, reminders, admin actions) is
    /// not read.
    static let signalEvents = [
        "acknowledged", "expired", "waiting", "unowned", "unroutable", "consent_needed", "escalated", "reopened",
        "contacted", "contact_overdue",
    ]

    /// The facts of every need of every referral submitted between `from` and `to` (inclusive days in
    /// Europe/Amsterdam). `deadline` gives the acknowledgement deadline of an offer made at a moment to an
    /// organisation for an urgency, as the policy sets it: the offer's own `ack_by` is cleared when it is answered.
    func needFacts(
        from: LocalDate, to: LocalDate, calendar: BusinessCalendar,
        deadline: (_ urgency: Urgency, _ organisation: String, _ offeredAt: Date) -> Date
    ) throws -> [NeedFacts] {
        // A day either side in UTC covers every offset Amsterdam has; the exact day is checked below.
        let lower = RFC3339.format(Date(timeIntervalSince1970: Double(from.dayNumber - 1) * 86_400))
        let upper = RFC3339.format(Date(timeIntervalSince1970: Double(to.dayNumber + 2) * 86_400))
        let range: [SQLValue] = [.text(lower), .text(upper)]
        var referrals: [String: (organisation: String, urgency: String, municipality: String, day: LocalDate)] = [:]
        for row in try db.query(
            """
            SELECT referral_id, organisation, urgency, municipality, created_at FROM referrals
            WHERE created_at >= ? AND created_at < ?
            """, range)
        {
            guard let id = row.string("referral_id"), let created = row.string("created_at").flatMap(RFC3339.parse)
            else { continue }
            let day = calendar.localDate(of: created)
            guard from <= day, day <= to else { continue }
            referrals[id] = (
                row.string("organisation") ?? "", row.string("urgency") ?? "normal", row.string("municipality") ?? "",
                day
            )
        }
        struct HandoverFacts {
            var id: String
            var state: String
            var organisation: String?
            var declineReason: String?
            var offeredAt: Date?
            var outcome: String?
            var createdAt: String
        }
        var needs: [String: [Int: (domain: String, handovers: [HandoverFacts])]] = [:]
        for row in try db.query(
            """
            SELECT h.referral_id, h.handover_id, h.need_index, h.domain, h.state, h.decline_reason, h.offered_at,
                   h.outcome, h.created_at, \(db.dialect.jsonText("h.contact_card", "organisation")) AS organisation
            FROM handovers h JOIN referrals r ON r.referral_key = h.referral_key
            WHERE r.created_at >= ? AND r.created_at < ? ORDER BY h.rowid
            """, range)
        {
            guard let referralID = row.string("referral_id"), referrals[referralID] != nil,
                let index = row.int("need_index")
            else { continue }
            let facts = HandoverFacts(
                id: row.string("handover_id") ?? "", state: row.string("state") ?? "",
                organisation: row.string("organisation"), declineReason: row.string("decline_reason"),
                offeredAt: row.string("offered_at").flatMap(RFC3339.parse), outcome: row.string("outcome"),
                createdAt: row.string("created_at") ?? "")
            needs[referralID, default: [:]][index, default: (row.string("domain") ?? "", [])].handovers.append(facts)
        }
        var events: [String: [(event: String, at: String)]] = [:]  // by handover id; "" for the referral's own
        var reopenedAt: [String: Set<String>] = [:]
        let names = Self.signalEvents.map { "'\($0)'" }.joined(separator: ", ")
        for row in try db.query(
            """
            SELECT e.referral_id, e.handover_id, e.event, e.at FROM events e
            JOIN referrals r ON r.referral_key = e.referral_key
            WHERE r.created_at >= ? AND r.created_at < ? AND e.event IN (\(names)) ORDER BY e.seq
            """, range)
        {
            guard let referralID = row.string("referral_id"), let event = row.string("event"),
                let at = row.string("at")
            else { continue }
            if event == "reopened" {
                reopenedAt[referralID, default: []].insert(at)
            } else if let handoverID = row.string("handover_id") {
                events[handoverID, default: []].append((event, at))
            }
        }
        var facts: [NeedFacts] = []
        // The citizen's own answers, by handover (the last one counts); few, so read all at once.
        var citizenAnswers: [String: String] = [:]
        for row in try db.query(
            "SELECT handover_id, detail FROM events WHERE event = 'citizen.answered' ORDER BY seq")
        {
            guard let handover = row.string("handover_id"), let detail = row.string("detail"),
                let result = (try? JSONValue.parse(Data(detail.utf8)))?["result"]?.stringValue
            else { continue }
            citizenAnswers[handover] = result
        }
        for referralID in needs.keys.sorted() {
            guard let referral = referrals[referralID] else { continue }
            let urgency = Urgency(rawValue: referral.urgency) ?? .normal
            for (_, need) in needs[referralID, default: [:]].sorted(by: { $0.key < $1.key }) {
                var fact = NeedFacts(
                    referral: referralID, submitted: referral.day, municipality: referral.municipality,
                    urgency: referral.urgency, domain: need.domain, referrer: referral.organisation)
                let happened = need.handovers.flatMap { h in (events[h.id] ?? []).map { (h.id, $0.event, $0.at) } }
                func any(_ name: String) -> Bool { happened.contains { $0.1 == name } }
                fact.unroutable = any("unroutable") || need.handovers.contains { $0.state == "unroutable" }
                fact.consentNeeded = any("consent_needed")
                fact.waited = any("waiting")
                fact.unowned = any("unowned")
                fact.lapsed = any("expired")
                fact.escalated = any("escalated")
                let reopenings = reopenedAt[referralID] ?? []
                fact.reopened = need.handovers.dropFirst().contains { reopenings.contains($0.createdAt) }
                fact.organisations = Set(need.handovers.compactMap(\.organisation))
                if let first = need.handovers.first(where: { $0.offeredAt != nil }), let offeredAt = first.offeredAt {
                    fact.offered = true
                    let due = deadline(urgency, first.organisation ?? "", offeredAt)
                    if let ack = happened.first(where: { $0.1 == "acknowledged" }),
                        let at = RFC3339.parse(ack.2)
                    {
                        fact.acknowledgedAfter = max(0, at.timeIntervalSince(offeredAt))
                        fact.acknowledgedInTime = at <= due
                        let later = happened.filter { $0.0 == ack.0 }.map(\.1)
                        fact.firstContact =
                            later.contains("contact_overdue") ? .late : later.contains("contacted") ? .within : nil
                    }
                }
                fact.outcomes = need.handovers.compactMap(\.outcome)
                fact.citizenAnswers = need.handovers.compactMap { citizenAnswers[$0.id] }
                fact.declines = need.handovers.compactMap { h in
                    h.declineReason.map { NeedFacts.Decline(organisation: h.organisation ?? "", reason: $0) }
                }
                facts.append(fact)
            }
        }
        return facts
    }
}

extension ReferralStore {
    /// An event counted by ``SignalCounters``, with what it needs of its handover and referral.
    struct SignalEvent {
        var event: String
        var domain: String
        var urgency: String
        var declineReason: String?
        /// The handover's first result, on the first `outcome` event of a handover only (a second party's answer is
        /// not a second outcome).
        var outcome: String?
        /// From the offer to this acknowledgement.
        var acknowledgedAfter: Double?
    }

    /// The needs begun (their domains) and the counted events recorded after event `seq` `event` and handover
    /// `rowid` `handover`, with where to go on from next time.
    func signalsSince(event: Int64, handover: Int64) throws -> (
        needs: [String], events: [SignalEvent], lastEvent: Int64, lastHandover: Int64
    ) {
        let lastHandover = try db.queryOne("SELECT MAX(rowid) AS n FROM handovers")?.int64("n") ?? handover
        let needs = try db.query(
            """
            SELECT h.domain FROM handovers h
            WHERE h.rowid > ? AND h.rowid <= ? AND NOT EXISTS (
                SELECT 1 FROM handovers o
                WHERE o.referral_key = h.referral_key AND o.need_index = h.need_index AND o.rowid < h.rowid)
            ORDER BY h.rowid
            """, [.integer(handover), .integer(lastHandover)]
        ).map { $0.string("domain") ?? "" }
        let lastEvent = max(try lastEventSeq(), event)
        let names = (SignalCounters.events + ["declined", "outcome"]).map { "'\($0)'" }.joined(separator: ", ")
        let events = try db.query(
            """
            SELECT e.event, e.at, h.domain, h.decline_reason, h.offered_at, r.urgency,
                   CASE WHEN e.event = 'outcome' AND NOT EXISTS (
                       SELECT 1 FROM events p WHERE p.referral_key = e.referral_key AND p.handover_id = e.handover_id
                       AND p.event = 'outcome' AND p.seq < e.seq) THEN h.outcome END AS first_outcome
            FROM events e JOIN handovers h ON h.handover_id = e.handover_id
            JOIN referrals r ON r.referral_key = e.referral_key
            WHERE e.row_seq > ? AND e.seq > ? AND e.seq <= ? AND e.event IN (\(names)) ORDER BY e.seq
            """, [.integer(event), .integer(event), .integer(lastEvent)]
        ).compactMap { row -> SignalEvent? in
            guard let name = row.string("event"), let domain = row.string("domain") else { return nil }
            if name == "outcome", row.string("first_outcome") == nil { return nil }
            var acknowledgedAfter: Double?
            if name == "acknowledged", let at = row.string("at").flatMap(RFC3339.parse),
                let offered = row.string("offered_at").flatMap(RFC3339.parse)
            {
                acknowledgedAfter = max(0, at.timeIntervalSince(offered))
            }
            return SignalEvent(
                event: name, domain: domain, urgency: row.string("urgency") ?? "normal",
                declineReason: row.string("decline_reason"), outcome: row.string("first_outcome"),
                acknowledgedAfter: acknowledgedAfter)
        }
        return (needs, events, lastEvent, lastHandover)
    }
}
