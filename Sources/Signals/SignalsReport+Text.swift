/// The report for people at a terminal: each table under a heading, "< 5" where a row holds fewer than five
/// referrals and "x" where a row is hidden so that a total cannot give such a row away.
extension SignalsReport {
    /// Each table's heading for people.
    public static let headings: [String: String] = [
        "needs_by_domain": "Needs per domain (the whole span)",
        "needs_by_period": "Needs per period and domain",
        "gaps": "The gap map: needs per municipality and domain",
        "declines": "Declines per domain and reason",
        "declines_by_organisation":
            "Declines per receiving organisation (not_our_service and wrong_contact point at the social map)",
        "acknowledgement": "Time to acknowledge (from the first offer) and first contact, per domain and urgency",
        "nazorg_by_domain": "Nazorg outcomes recorded, per domain",
        "nazorg": "Nazorg outcomes per domain and result",
        "nazorg_citizen": "The citizens' own nazorg answers per domain and result",
        "needs": "Every period, municipality and domain",
    ]

    public var text: String {
        var out = "signals \(query.from) to \(query.to) per \(query.period.rawValue)"
        if !query.municipalities.isEmpty { out += ", municipalities \(query.municipalities.joined(separator: " "))" }
        if !query.domains.isEmpty { out += ", domains \(query.domains.joined(separator: " "))" }
        if let organisation = query.organisation { out += ", for \(organisation)" }
        out += "\n< 5: fewer than 5 referrals, hidden; x: hidden so that a total cannot reveal a \"< 5\"\n"
        for table in tables {
            out += "\n\(Self.headings[table.name] ?? table.name)\n"
            guard !table.rows.isEmpty else {
                out += "  (nothing in this span)\n"
                continue
            }
            var header = table.keys.map { $0.uppercased() }
            var rows = table.rows.map { row in row.key }
            for (index, figure) in table.figures.enumerated() {
                let hours = figure.hasSuffix("_seconds")
                header.append(
                    hours ? figure.replacingOccurrences(of: "_seconds", with: "").uppercased() : figure.uppercased())
                for r in rows.indices {
                    let row = table.rows[r]
                    if hours, !row.isSuppressed, let seconds = row.values[index] {
                        rows[r].append(Self.hours(seconds))
                    } else {
                        rows[r].append(row.text(index))
                    }
                }
            }
            if table.name == "acknowledgement" {
                header.append("IN TIME")
                for r in rows.indices {
                    rows[r].append(Self.percentText(table, table.rows[r], "within_deadline", of: "offered"))
                }
            }
            out += Self.layout(header, rows)
        }
        return out
    }

    /// `3.5 h` for 12 600 seconds.
    public static func hours(_ seconds: Int) -> String {
        let tenths = (Double(seconds) / 360).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)) h" : "\(tenths) h"
    }

    /// `part` as a whole percentage of `whole` in the same row, or "-" when either is hidden or the whole is 0.
    public static func percent(_ table: SignalsTable, _ row: SignalsRow, _ part: String, of whole: String) -> Int? {
        guard !row.isSuppressed, let p = table.column(part), let w = table.column(whole), let n = row.values[p],
            let d = row.values[w], d > 0
        else { return nil }
        return Int((Double(n) * 100 / Double(d)).rounded())
    }

    static func percentText(_ table: SignalsTable, _ row: SignalsRow, _ part: String, of whole: String) -> String {
        percent(table, row, part, of: whole).map { "\($0)%" } ?? "-"
    }

    /// Columns padded to their widest cell, two spaces apart, indented by two.
    static func layout(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { cells in
            "  "
                + cells.enumerated().map { c, cell in
                    c == cells.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
