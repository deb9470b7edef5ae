import SchakelProtocol

/// The `stats` reply of the admin socket as a few lines for people, then the overdue handovers as a table.
enum StatsReport {
    static func text(_ stats: JSONValue) -> String {
        if stats["role"] == "standby" {
            // A standby holds no state of its own (Protocols/ADMIN.md): who is active is all there is to say.
            return """
                version          \(stats["version"]?.stringValue ?? "-")
                role             standby: waiting for the lease of \(stats["active"]?.stringValue ?? "-")
                """
        }
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
            role             \(stats["role"]?.stringValue ?? "active") (\(stats["database"]?.stringValue ?? "sqlite"))
            referrals        \(states(stats["referrals"]))
            handovers        \(states(stats["handovers"]))
            overdue          \(number(stats["overdue"])) (timers pending \(number(stats["timers_pending"])))
            outbox           \(number(stats["outbox"]?["pending"])) pending, oldest \(number(stats["outbox"]?["oldest_age_seconds"])) s
            peers            \(number(stats["peers_connected"])) connected
            commit latency   p50 \(number(latency?["p50"])) ms, p90 \(number(latency?["p90"])) ms, p99 \(number(latency?["p99"])) ms (\(number(latency?["samples"])) batches)
            social map       \(number(stats["social_map"]?["organisations"])) organisations, \(number(stats["social_map"]?["contacts"])) contacts, \(number(stats["social_map"]?["reloads"])) reloads\(optional)
            """ + overdueTable(stats)
    }

    /// The overdue and unowned handovers, oldest first, with who holds each (or let it lapse), the coordinator it
    /// went to and since when; "" when there are none.
    static func overdueTable(_ stats: JSONValue) -> String {
        guard let listed = stats["overdue_handovers"]?.arrayValue, !listed.isEmpty else { return "" }
        let rows = listed.map { entry -> [String] in
            let need = entry["need"]
            let index = need?["index"]?.numberValue.map { String(Int($0)) } ?? "?"
            let state = entry["state"]?.stringValue ?? "?"
            return [
                AmsterdamTime.text(entry["since"]?.stringValue ?? "-"),
                state == "accepted" ? "accepted, overdue" : state,
                entry["handover_id"]?.stringValue ?? "?", entry["referral_id"]?.stringValue ?? "?",
                "\(index) \(need?["domain"]?.stringValue ?? "?")", entry["contact"]?.stringValue ?? "-",
                entry["coordinator"]?.stringValue ?? "-",
            ]
        }
        let total = Int(stats["overdue"]?.numberValue ?? Double(listed.count))
        let heading =
            total > listed.count
            ? "overdue and unowned, the \(listed.count) oldest of \(total)" : "overdue and unowned"
        return "\n\n\(heading)\n"
            + MessageText.table(
                ["SINCE", "STATE", "HANDOVER", "REFERRAL", "NEED", "CONTACT", "ESCALATED TO"], rows)
    }
}
