import Foundation
import SchakelProtocol

/// A snapshot of the broker's health: what `schakelctl stats` prints and `/metrics` exposes.
///
/// Counts, ages and durations; for the operator's `stats` only, also the list of overdue handovers by their ids and
/// the contacts concerned, so that someone can act on them. Nothing in it identifies a citizen.
struct BrokerStats: Sendable {
    var version: String
    /// `sqlite` or `postgresql`; a daemon that answers stats on PostgreSQL is the active one (a standby answers
    /// with ``Standby``'s reply).
    var database = "sqlite"
    var uptimeSeconds: Double
    var referralsByState: [String: Int]
    var handoversByState: [String: Int]
    var outboxPending: Int
    /// Age of the oldest unconfirmed outbox message; 0 when the outbox is empty.
    var outboxOldestAgeSeconds: Double
    var peersConnected: Int
    /// Sessions ended because the peer did not read its answers (its send queue was full).
    var peersDropped: Int = 0
    /// Citizen codes that opened nothing, and citizen commands refused for the limit (metrics only).
    var citizenCodeRefusals: Int = 0
    var citizenRateLimited: Int = 0
    /// Connections closed to keep within the file-descriptor budget, by endpoint and reason (metrics only).
    var connectionsClosed: [(endpoint: String, reason: String, count: Int)] = []
    var commitLatency: LatencyWindow
    /// Handovers past their deadline with nobody acting (see `BrokerServer.overdueHandovers()`), and
    /// deadlines waiting to fire.
    var overdue: Int = 0
    /// The `overdueListLimit` handovers overdue longest, oldest first (`stats` only; nil for `/metrics`, which stays
    /// one series per count).
    var overdueHandovers: [ReferralStore.OverdueHandover]?
    var timersPending: Int = 0
    var organisations: Int
    var contacts: Int
    var mapReloads: Int
    var mapReloadFailures: Int
    var endpoints: [String: String]
    /// The SUB intake's counts (received, accepted, duplicates, rejected); nil without publish-only adapters.
    var intake: [String: Int]?
    /// Events handed to the event stream; nil without one.
    var eventsPublished: Int?
    /// The signals per domain (issue 19); `/metrics` only.
    var signals: SignalCounters?

    static let quantiles: [Double] = [0.5, 0.9, 0.99]

    /// Needs nobody holds, by state and escalation level (3 and on as 3).
    struct UnheldNeeds: Sendable, Equatable {
        var state: String
        var level: Int
        var count: Int
    }
    var unheldNeeds: [UnheldNeeds] = []

    /// How many overdue handovers `stats` lists at most; `overdue` beside the list counts them all.
    static let overdueListLimit = 100

    var json: [String: JSONValue] {
        let latency = commitLatency.quantiles(Self.quantiles + [1])
        func milliseconds(_ seconds: Double) -> JSONValue { .number((seconds * 1_000_000).rounded() / 1_000) }
        return [
            "version": .string(version),
            "role": "active",
            "database": .string(database),
            "uptime_seconds": .number(uptimeSeconds.rounded()),
            "referrals": .object(referralsByState.mapValues { .int($0) }),
            "handovers": .object(handoversByState.mapValues { .int($0) }),
            "outbox": [
                "pending": .int(outboxPending), "oldest_age_seconds": .number(outboxOldestAgeSeconds.rounded()),
            ],
            "peers_connected": .int(peersConnected),
            "peers_dropped": .int(peersDropped),
            "commit_latency_ms": [
                "samples": .int(commitLatency.windowCount), "p50": milliseconds(latency[0]),
                "p90": milliseconds(latency[1]), "p99": milliseconds(latency[2]), "max": milliseconds(latency[3]),
            ],
            "overdue": .int(overdue),
            "needs_unheld": .array(
                unheldNeeds.map { ["state": .string($0.state), "level": .int($0.level), "count": .int($0.count)] }),
            "timers_pending": .int(timersPending),
            "social_map": [
                "organisations": .int(organisations), "contacts": .int(contacts), "reloads": .int(mapReloads),
                "reload_failures": .int(mapReloadFailures),
            ],
            "endpoints": .object(endpoints.mapValues { .string($0) }),
        ].merging(optionalJSON) { $1 }
    }

    private var optionalJSON: [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        if let intake { fields["intake"] = .object(intake.mapValues { .int($0) }) }
        if let eventsPublished { fields["events_published"] = .int(eventsPublished) }
        if let overdueHandovers { fields["overdue_handovers"] = .array(overdueHandovers.map(\.json)) }
        return fields
    }

    /// Prometheus text exposition format 0.0.4.
    var prometheus: String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                out += "\(name)\(sample.labels) \(Self.format(sample.value))\n"
            }
        }
        func byState(_ counts: [String: Int]) -> [(labels: String, value: Double)] {
            counts.keys.sorted().map { (labels: "{state=\"\($0)\"}", value: Double(counts[$0] ?? 0)) }
        }
        metric("schakel_build_info", "gauge", "The running version.", [("{version=\"\(version)\"}", 1)])
        metric("schakel_uptime_seconds", "gauge", "Seconds since the daemon started.", [("", uptimeSeconds)])
        metric("schakel_referrals", "gauge", "Referrals by state.", byState(referralsByState))
        metric("schakel_handovers", "gauge", "Handovers by state.", byState(handoversByState))
        metric(
            "schakel_outbox_pending", "gauge", "Outbox messages not yet confirmed by their peer.",
            [("", Double(outboxPending))])
        metric(
            "schakel_outbox_oldest_age_seconds", "gauge", "Age of the oldest unconfirmed outbox message.",
            [("", outboxOldestAgeSeconds)])
        metric("schakel_peers_connected", "gauge", "Peers with a session (said HELLO).", [("", Double(peersConnected))])
        metric(
            "schakel_peers_dropped_total", "counter", "Sessions ended because the peer did not read its answers.",
            [("", Double(peersDropped))])
        metric(
            "schakel_citizen_code_refusals_total", "counter", "Citizen codes from portals that opened no referral.",
            [("", Double(citizenCodeRefusals))])
        metric(
            "schakel_citizen_rate_limited_total", "counter",
            "Citizen commands refused because their portal (or all portals) tried too many wrong codes.",
            [("", Double(citizenRateLimited))])
        metric(
            "schakel_connections_closed_total", "counter",
            "Connections closed to keep within the file-descriptor budget, by endpoint and reason.",
            connectionsClosed.map {
                (labels: "{endpoint=\"\($0.endpoint)\",reason=\"\($0.reason)\"}", value: Double($0.count))
            })
        metric("schakel_overdue_handovers", "gauge", "Handovers past their deadline.", [("", Double(overdue))])
        metric(
            "schakel_needs_unheld", "gauge",
            "Needs nobody holds (waiting or unowned) by how far they escalated; level 3 means the operator is alerted.",
            ["waiting", "unowned"].flatMap { state in
                (0...3).map { level in
                    (
                        labels: "{state=\"\(state)\",level=\"\(level)\"}",
                        value: Double(unheldNeeds.first { $0.state == state && $0.level == level }?.count ?? 0)
                    )
                }
            })
        metric("schakel_timers_pending", "gauge", "Timers waiting to fire.", [("", Double(timersPending))])
        let latency = commitLatency.quantiles(Self.quantiles)
        metric(
            "schakel_commit_latency_seconds", "summary", "Duration of one batch commit (recent window).",
            zip(Self.quantiles, latency).map { (labels: "{quantile=\"\(Self.format($0))\"}", value: $1) })
        out += "schakel_commit_latency_seconds_sum \(Self.format(commitLatency.totalSeconds))\n"
        out += "schakel_commit_latency_seconds_count \(commitLatency.count)\n"
        if let intake {
            metric(
                "schakel_intake_submissions_total", "counter",
                "SUBMITs from publish-only adapters by what became of them.",
                ["accepted", "duplicates", "rejected"].map {
                    (labels: "{result=\"\($0)\"}", value: Double(intake[$0] ?? 0))
                })
        }
        if let eventsPublished {
            metric(
                "schakel_events_published_total", "counter", "Events handed to the event stream.",
                [("", Double(eventsPublished))])
        }
        metric(
            "schakel_social_map_contacts", "gauge", "Contact persons on the loaded social map.",
            [("", Double(contacts))])
        metric(
            "schakel_social_map_reloads_total", "counter", "Social map reloads by result.",
            [("{result=\"ok\"}", Double(mapReloads)), ("{result=\"failed\"}", Double(mapReloadFailures))])
        if let signals { out += signals.prometheus }
        return out
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

extension ReferralStore.OverdueHandover {
    /// One entry of `overdue_handovers` (schemas/admin/stats.reply.schema.json).
    var json: JSONValue {
        var fields: [String: JSONValue] = [
            "handover_id": .string(handoverID), "referral_id": .string(referralID),
            "need": ["index": .int(needIndex), "domain": .string(domain)], "state": .string(state.rawValue),
            "since": .string(since),
        ]
        if let contact { fields["contact"] = .string(contact) }
        if let coordinator { fields["coordinator"] = .string(coordinator) }
        return .object(fields)
    }
}
