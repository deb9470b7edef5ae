import SchakelProtocol

/// Broker messages as text for people: the command first (so `grep ^ACCEPTED` still finds a receipt), then one
/// aligned line per field, nested fields by their dotted path, times in Europe/Amsterdam with the offset.
enum MessageText {
    /// Fields that only machines need: the outbox id RECEIVED confirms.
    static let hidden: Set<String> = ["message_id"]

    static func text(_ message: WireMessage) -> String {
        if message.command == Command.referral.rawValue { return referral(message.body) }
        let title = headline(message).map { "\(message.command)  \($0)" } ?? message.command
        return block(title, fields(message.body))
    }

    /// What the message means for the person reading it, in a few words after the command.
    static func headline(_ message: WireMessage) -> String? {
        let b = message.body
        let id = b["handover_id"]?.stringValue ?? "?"
        let need = "need \(Int(b["need"]?["index"]?.numberValue ?? 0)) (\(b["need"]?["domain"]?.stringValue ?? "?"))"
        func time(_ key: String) -> String { AmsterdamTime.text(b[key]?.stringValue ?? "?") }
        switch Command(rawValue: message.command) {
        case .handover:
            return "an offer of \(need), \(b["urgency"]?.stringValue ?? "?"): take or decline it by \(time("ack_by"))"
        case .notice:
            var text = "\(b["event"]?.stringValue ?? "?")"
            if b["need"] != nil { text += ": \(need)" }
            if let name = b["contact"]?["name"]?.stringValue {
                text += ", \(name) (\(b["contact"]?["organisation_name"]?.stringValue ?? "?"))"
            }
            return text
        case .reminder:
            switch b["about"]?.stringValue {
            case "acknowledge": return "the offer \(id) waits: take or decline it by \(time("due"))"
            case "first_contact": return "reach the citizen of \(id): contact_by was \(time("due"))"
            default: return "nazorg for \(id) waits for your outcome by \(time("due"))"
            }
        case .cancelled:
            let reason = b["reason"]?.stringValue ?? "?"
            let delete = reason == "withdrawn" || reason == "erased" ? "; delete what you hold of the citizen" : ""
            return "\(id) is no longer yours (\(reason))\(delete)"
        case .escalation:
            return
                "\(b["reason"]?.stringValue ?? "?"): \(need) of \(b["referrer"]?["organisation_name"]?.stringValue ?? "?")"
        case .nazorg:
            return "what came of \(need)? schakelctl outcome \(id) RESULT, by \(time("answer_by"))"
        case .acked:
            return "\(need) is yours: reach \(b["citizen"]?["display_name"]?.stringValue ?? "the citizen")"
        default:
            return nil
        }
    }

    /// `title`, then `  key   value` lines with the values aligned.
    static func block(_ title: String, _ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        let lines = rows.map { "  " + $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
        return ([title] + lines).joined(separator: "\n")
    }

    /// The leaves of `value` as (path, text), in the order the keys sort.
    static func fields(_ value: JSONValue, prefix: String = "") -> [(String, String)] {
        switch value {
        case .object(let object):
            return object.keys.sorted().filter { !hidden.contains($0) }.flatMap { key in
                fields(object[key] ?? .null, prefix: prefix.isEmpty ? key : "\(prefix).\(key)")
            }
        case .array(let items):
            if items.allSatisfy({ $0.objectValue == nil && $0.arrayValue == nil }) {
                return [(prefix, items.map(scalar).joined(separator: ", "))]
            }
            return items.enumerated().flatMap { fields($1, prefix: "\(prefix)[\($0)]") }
        default:
            return [(prefix, scalar(value))]
        }
    }

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): AmsterdamTime.text(text)
        case .bool(let flag): flag ? "yes" : "no"
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
        case .null: "-"
        default: value.canonicalString()
        }
    }

    /// STATUS's answer: the referral, then its handovers and its timeline as aligned tables.
    static func referral(_ body: JSONValue) -> String {
        var head: [(String, String)] = [("referral_id", body["referral_id"]?.stringValue ?? "?")]
        if let external = body["external_id"]?.stringValue { head.append(("external_id", external)) }
        head.append(("state", body["state"]?.stringValue ?? "?"))
        head.append(("urgency", body["urgency"]?.stringValue ?? "?"))
        var text = block("REFERRAL", head)
        let handovers = (body["handovers"]?.arrayValue ?? []).map { h -> [String] in
            let contact = h["contact"]
            var who = contact?["id"]?.stringValue ?? "-"
            if let phone = contact?["phone"]?.stringValue {
                who += " (\(contact?["name"]?.stringValue ?? ""), \(phone))"
            }
            var due: [String] = []
            for key in ["ack_by", "contact_by", "nazorg_at", "answer_by"] {
                if let at = h[key]?.stringValue { due.append("\(key) \(AmsterdamTime.text(at))") }
            }
            if let outcome = h["outcome"]?.stringValue { due.append("outcome \(outcome)") }
            return [
                h["handover_id"]?.stringValue ?? "?",
                "\(Int(h["need"]?["index"]?.numberValue ?? 0)) \(h["need"]?["domain"]?.stringValue ?? "?")",
                (h["state"]?.stringValue ?? "?") + (h["lead"] == true ? ", lead" : ""), who,
                due.joined(separator: "; "),
            ]
        }
        text += "\n\nhandovers\n" + table(["HANDOVER", "NEED", "STATE", "CONTACT", "DEADLINES"], handovers)
        let timeline = (body["timeline"]?.arrayValue ?? []).map { e -> [String] in
            [
                AmsterdamTime.text(e["at"]?.stringValue ?? "?"), e["event"]?.stringValue ?? "?",
                e["handover_id"]?.stringValue ?? "", e["contact"]?.stringValue ?? "",
            ]
        }
        text += "\n\ntimeline\n" + table(["AT", "EVENT", "HANDOVER", "CONTACT"], timeline)
        return text
    }

    /// Columns padded to their widest cell, two spaces apart, indented by two.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            var line = "  "
            for (column, cell) in row.enumerated() {
                let last = column == row.count - 1
                line += last ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }
            return String(line.reversed().drop { $0 == " " }.reversed())
        }.joined(separator: "\n")
    }
}
