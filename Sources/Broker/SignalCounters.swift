import Foundation
import SchakelProtocol

/// The signals for operators (issue 19): how many needs came in per domain, what happened to them, why offers were
/// declined, what nazorg found, and how long acknowledging took, as Prometheus counters and a histogram
/// (`/metrics`). Labels are domains, event names, reasons, results and urgencies only, never a municipality, a
/// contact or an organisation: a few hundred series at most, whatever the region's size.
///
/// The counts come from the append-only event log and the handovers table, read onwards from where the last read
/// stopped (the event `seq`, the handover `rowid`), so a scrape costs what happened since the previous one, and the
/// counters survive a restart (the first read after it catches up on the whole log once) without ever going down.
struct SignalCounters {
    /// The events counted per domain in `schakel_need_events_total`.
    static let events = [
        "offered", "acknowledged", "expired", "waiting", "unowned", "unroutable", "consent_needed", "escalated",
    ]
    /// Upper bounds (seconds) of the `schakel_acknowledge_seconds` buckets: a quarter of an hour to a week.
    static let buckets: [Double] = [900, 3_600, 7_200, 14_400, 28_800, 86_400, 172_800, 259_200, 432_000, 604_800]

    /// A pair of label values.
    struct Labels: Hashable, Comparable {
        var first: String
        var second: String
        static func < (a: Labels, b: Labels) -> Bool { (a.first, a.second) < (b.first, b.second) }
    }

    /// One histogram: the count in each bucket (not cumulative), the sum and the count.
    struct Histogram {
        var buckets = Array(repeating: 0, count: SignalCounters.buckets.count + 1)
        var sum = 0.0
        var count = 0

        mutating func observe(_ seconds: Double) {
            buckets[SignalCounters.buckets.firstIndex { seconds <= $0 } ?? SignalCounters.buckets.count] += 1
            sum += seconds
            count += 1
        }
    }

    private(set) var lastEvent: Int64 = 0
    private(set) var lastHandover: Int64 = 0
    private(set) var needs: [String: Int] = [:]
    private(set) var needEvents: [Labels: Int] = [:]
    private(set) var declines: [Labels: Int] = [:]
    private(set) var outcomes: [Labels: Int] = [:]
    private(set) var acknowledge: [Labels: Histogram] = [:]

    /// Counts what the store recorded since the last call.
    mutating func catchUp(_ store: ReferralStore) throws {
        let news = try store.signalsSince(event: lastEvent, handover: lastHandover)
        for domain in news.needs { needs[domain, default: 0] += 1 }
        for event in news.events {
            switch event.event {
            case "declined":
                if let reason = event.declineReason {
                    declines[Labels(first: event.domain, second: reason), default: 0] += 1
                }
            case "outcome":
                if let result = event.outcome { outcomes[Labels(first: event.domain, second: result), default: 0] += 1 }
            default:
                needEvents[Labels(first: event.domain, second: event.event), default: 0] += 1
                if event.event == "acknowledged", let seconds = event.acknowledgedAfter {
                    acknowledge[Labels(first: event.domain, second: event.urgency), default: Histogram()].observe(
                        seconds)
                }
            }
        }
        lastEvent = news.lastEvent
        lastHandover = news.lastHandover
    }

    /// The Prometheus text of these series (exposition format 0.0.4).
    var prometheus: String {
        var out = ""
        func header(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func pairs(_ name: String, _ labels: (String, String), _ counts: [Labels: Int]) {
            for key in counts.keys.sorted() {
                out += "\(name){\(labels.0)=\"\(key.first)\",\(labels.1)=\"\(key.second)\"} \(counts[key] ?? 0)\n"
            }
        }
        header("schakel_needs_total", "counter", "Needs submitted, by domain.")
        for domain in needs.keys.sorted() { out += "schakel_needs_total{domain=\"\(domain)\"} \(needs[domain] ?? 0)\n" }
        header(
            "schakel_need_events_total", "counter",
            "What happened to needs, by domain and event (offered, acknowledged, expired, waiting, unowned, unroutable, consent_needed, escalated)."
        )
        pairs("schakel_need_events_total", ("domain", "event"), needEvents)
        header("schakel_declines_total", "counter", "Offers declined, by domain and reason.")
        pairs("schakel_declines_total", ("domain", "reason"), declines)
        header(
            "schakel_nazorg_outcomes_total", "counter",
            "Nazorg outcomes (the first result of each handover), by domain and result.")
        pairs("schakel_nazorg_outcomes_total", ("domain", "result"), outcomes)
        header(
            "schakel_acknowledge_seconds", "histogram",
            "Time from an offer to its acknowledgement, by domain and urgency.")
        for key in acknowledge.keys.sorted() {
            guard let histogram = acknowledge[key] else { continue }
            let labels = "domain=\"\(key.first)\",urgency=\"\(key.second)\""
            var cumulative = 0
            for (index, bound) in Self.buckets.enumerated() {
                cumulative += histogram.buckets[index]
                out +=
                    "schakel_acknowledge_seconds_bucket{\(labels),le=\"\(BrokerStats.format(bound))\"} \(cumulative)\n"
            }
            out += "schakel_acknowledge_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "schakel_acknowledge_seconds_sum{\(labels)} \(BrokerStats.format(histogram.sum))\n"
            out += "schakel_acknowledge_seconds_count{\(labels)} \(histogram.count)\n"
        }
        return out
    }
}
