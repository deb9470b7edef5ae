import SchakelProtocol

/// The `stats` reply of the admin socket as a few lines for people.
enum StatsReport {
    static func text(_ stats: JSONValue) -> String {
        func number(_ value: JSONValue?) -> String {
            guard let n = value?.numberValue else { return "-" }
            return n == n.rounded() ? String(Int(n)) : String(n)
        }
        func states(_ value: JSONValue?) -> String {
            let fields = value?.objectValue ?? [:]
            return fields.keys.sorted().map { "\($0) \(number(fields[$0]))" }.joined(separator: ", ")
        }
        let latency = stats["commit_latency_ms"]
        var optional = ""
        if let intake = stats["intake"] {
            optional +=
                "\npublish-only     \(number(intake["received"])) received: \(number(intake["accepted"])) accepted, \(number(intake["duplicates"])) duplicates, \(number(intake["rejected"])) rejected"
        }
        if let published = stats["events_published"] {
            optional += "\nevent stream     \(number(published)) events published"
        }
        return """
            version          \(stats["version"]?.stringValue ?? "-"), up \(number(stats["uptime_seconds"])) s
            referrals        \(states(stats["referrals"]))
            handovers        \(states(stats["handovers"]))
            overdue          \(number(stats["overdue"])) (timers pending \(number(stats["timers_pending"])))
            outbox           \(number(stats["outbox"]?["pending"])) pending, oldest \(number(stats["outbox"]?["oldest_age_seconds"])) s
            peers            \(number(stats["peers_connected"])) connected
            commit latency   p50 \(number(latency?["p50"])) ms, p90 \(number(latency?["p90"])) ms, p99 \(number(latency?["p99"])) ms (\(number(latency?["samples"])) batches)
            social map       \(number(stats["social_map"]?["organisations"])) organisations, \(number(stats["social_map"]?["contacts"])) contacts, \(number(stats["social_map"]?["reloads"])) reloads\(optional)
            """
    }
}
