import SchakelProtocol

/// `schakelctl explain`: a REFERRAL answer's explanations as sentences for people.
enum ExplainReport {
    static let filters = [
        "domain", "municipality", "consent", "declined_before", "urgency", "absent", "not_on_call", "capacity",
    ]

    static func text(_ referral: JSONValue) -> String {
        var lines = ["\(referral["referral_id"]?.stringValue ?? "?") (\(referral["state"]?.stringValue ?? "?"))"]
        for handover in referral["handovers"]?.arrayValue ?? [] {
            let need = handover["need"]
            let who = handover["contact"]?["id"]?.stringValue ?? "nobody"
            lines.append(
                "need \(Int(need?["index"]?.numberValue ?? 0)) (\(need?["domain"]?.stringValue ?? "?")): "
                    + "\(handover["state"]?.stringValue ?? "?"), \(who)\(handover["lead"] == true ? ", lead" : "")")
            guard let why = handover["explanation"] else {
                lines.append("  no explanation (assigned by hand, or you are not the referrer)")
                continue
            }
            let removed = filters.compactMap { name -> String? in
                guard let n = why["removed"]?[name]?.numberValue, n > 0 else { return nil }
                return "\(name) \(Int(n))"
            }
            lines.append(
                "  \(Int(why["considered"]?.numberValue ?? 0)) contacts on the map; removed by "
                    + (removed.isEmpty ? "no filter" : removed.joined(separator: ", ")))
            for (label, key) in [("chosen", "chosen"), ("runner-up", "runner_up")] {
                guard let keys = why[key] else { continue }
                lines.append("  \(label): \(describe(keys))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ keys: JSONValue) -> String {
        var parts = [keys["contact"]?.stringValue ?? "?"]
        if keys["same_referral"] == true { parts.append("already has another need of this referral") }
        if let covered = keys["other_needs_covered"]?.numberValue, covered > 0 {
            parts.append("could take \(Int(covered)) other need(s)")
        }
        parts.append(keys["speaks_language"] == true ? "speaks the citizen's language" : "does not speak the language")
        if let absent = keys["deputy_for"]?.stringValue { parts.append("deputy for \(absent), who is away") }
        parts.append(
            "load \(Int(keys["open"]?.numberValue ?? 0))/\(Int(keys["capacity"]?.numberValue ?? 0))")
        parts.append("last offer \(keys["last_offered_at"]?.stringValue ?? "never")")
        parts.append("order \(Int(keys["order"]?.numberValue ?? 0))")
        return parts.joined(separator: "; ")
    }
}
