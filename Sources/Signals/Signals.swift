import Deadlines

/// Works out a signals report from the facts of every need: the figures per period, municipality and domain, the
/// decline reasons, the time to acknowledge and the nazorg outcomes, with small rows hidden. Pure: the broker reads
/// the facts, this decides what they say.
public enum Signals {
    /// The figures of the tables about needs, `referrals` first.
    public static let needFigures = [
        "referrals", "needs", "unroutable", "consent_needed", "waiting", "unowned", "lapsed", "escalated", "reopened",
    ]
    public static let declineFigures = ["referrals", "declines"]
    public static let acknowledgementFigures = [
        "referrals", "offered", "acknowledged", "within_deadline", "median_seconds", "p90_seconds",
        "first_contact_within", "first_contact_late",
    ]
    public static let nazorgFigures = ["referrals", "handovers"]

    public static func report(_ facts: [NeedFacts], query: SignalsQuery, generatedAt: String) -> SignalsReport {
        let needs = facts.filter { fact in
            query.includes(day: fact.submitted, municipality: fact.municipality, domain: fact.domain)
                && (query.organisation.map { fact.organisations.contains($0) || fact.referrer == $0 } ?? true)
        }
        let period = query.period
        func needRows(_ key: (NeedFacts) -> [String]) -> [[String]: Tally] {
            var tallies: [[String]: Tally] = [:]
            for need in needs {
                tallies[key(need), default: Tally()].add(
                    need.referral,
                    [
                        1, need.unroutable ? 1 : 0, need.consentNeeded ? 1 : 0, need.waited ? 1 : 0,
                        need.unowned ? 1 : 0, need.lapsed ? 1 : 0, need.escalated ? 1 : 0, need.reopened ? 1 : 0,
                    ])
            }
            return tallies
        }
        var tables = [
            table("needs_by_domain", ["domain"], needFigures, needRows { [$0.domain] }),
            table(
                "needs_by_period", ["period", "domain"], needFigures,
                needRows { [period.key(of: $0.submitted), $0.domain] }),
            table("gaps", ["municipality", "domain"], needFigures, needRows { [$0.municipality, $0.domain] }),
            table(
                "needs", ["period", "municipality", "domain"], needFigures,
                needRows { [period.key(of: $0.submitted), $0.municipality, $0.domain] }),
        ]
        var declines: [[String]: Tally] = [:]
        var declinesByOrganisation: [[String]: Tally] = [:]
        var nazorg: [[String]: Tally] = [:]
        var nazorgByDomain: [[String]: Tally] = [:]
        var acknowledgement: [[String]: (tally: Tally, times: [Double])] = [:]
        for need in needs {
            for decline in need.declines
            where query.organisation == nil || decline.organisation == query.organisation
                || need.referrer == query.organisation
            {
                declines[[need.domain, decline.reason], default: Tally()].add(need.referral, [1])
                declinesByOrganisation[[decline.organisation, need.domain, decline.reason], default: Tally()].add(
                    need.referral, [1])
            }
            for outcome in need.outcomes {
                nazorg[[need.domain, outcome], default: Tally()].add(need.referral, [1])
                nazorgByDomain[[need.domain], default: Tally()].add(need.referral, [1])
            }
            guard need.offered else { continue }
            var entry = acknowledgement[[need.domain, need.urgency]] ?? (Tally(), [])
            entry.tally.add(
                need.referral,
                [
                    1, need.acknowledgedAfter == nil ? 0 : 1, need.acknowledgedInTime ? 1 : 0, 0, 0,
                    need.firstContact == .within ? 1 : 0, need.firstContact == .late ? 1 : 0,
                ])
            if let seconds = need.acknowledgedAfter { entry.times.append(seconds) }
            acknowledgement[[need.domain, need.urgency]] = entry
        }
        tables.append(table("declines", ["domain", "reason"], declineFigures, declines))
        tables.append(
            table(
                "declines_by_organisation", ["organisation", "domain", "reason"], declineFigures, declinesByOrganisation
            ))
        var acknowledged = table(
            "acknowledgement", ["domain", "urgency"], acknowledgementFigures, acknowledgement.mapValues(\.tally))
        for r in acknowledged.rows.indices {
            let times = acknowledgement[acknowledged.rows[r].key]?.times ?? []
            acknowledged.rows[r].values[4] = nearestRank(times, 0.5).map { Int($0.rounded()) }
            acknowledged.rows[r].values[5] = nearestRank(times, 0.9).map { Int($0.rounded()) }
        }
        tables.append(acknowledged)
        tables.append(table("nazorg_by_domain", ["domain"], nazorgFigures, nazorgByDomain))
        tables.append(table("nazorg", ["domain", "result"], nazorgFigures, nazorg))
        Suppression.apply(to: &tables, lines: lines(tables))
        tables.sort {
            (SignalsReport.order.firstIndex(of: $0.name) ?? 99) < (SignalsReport.order.firstIndex(of: $1.name) ?? 99)
        }
        return SignalsReport(
            query: query, periods: period.keys(from: query.from, to: query.to), generatedAt: generatedAt,
            tables: tables)
    }

    /// The value at quantile `q` by nearest rank (the smallest value with at least q of the values at or below
    /// it); nil without values.
    public static func nearestRank(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    /// Distinct referrals and summed counts of the rows that share a key.
    struct Tally {
        var referrals: Set<String> = []
        var counts: [Int] = []

        mutating func add(_ referral: String, _ values: [Int]) {
            referrals.insert(referral)
            if counts.isEmpty { counts = Array(repeating: 0, count: values.count) }
            for (i, value) in values.enumerated() { counts[i] += value }
        }
    }

    static func table(_ name: String, _ keys: [String], _ figures: [String], _ tallies: [[String]: Tally])
        -> SignalsTable
    {
        let rows = tallies.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { key in
            SignalsRow(key: key, values: [tallies[key]!.referrals.count] + tallies[key]!.counts.map { Optional($0) })
        }
        return SignalsTable(name: name, keys: keys, figures: figures, rows: rows)
    }

    /// The totals the report publishes and the rows that add up to each: per domain over periods and over
    /// municipalities, per period and per municipality over the breakdown, a decline reason over organisations,
    /// a domain's nazorg over its outcomes.
    static func lines(_ tables: [SignalsTable]) -> [Suppression.Line] {
        func index(_ name: String) -> Int { tables.firstIndex { $0.name == name }! }
        func cells(_ name: String, where match: (SignalsRow) -> Bool) -> [Suppression.Cell] {
            let t = index(name)
            return tables[t].rows.indices.filter { match(tables[t].rows[$0]) }.map {
                Suppression.Cell(table: t, row: $0)
            }
        }
        var lines: [Suppression.Line] = []
        func add(_ parent: [Suppression.Cell], _ children: [Suppression.Cell], _ unit: String) {
            guard let parent = parent.first, !children.isEmpty else { return }
            lines.append(Suppression.Line(parent: parent, children: children, unit: unit))
        }
        for row in tables[index("needs_by_domain")].rows {
            let domain = row.key[0]
            let total = cells("needs_by_domain") { $0.key == [domain] }
            add(total, cells("needs_by_period") { $0.key[1] == domain }, "referrals")
            add(total, cells("gaps") { $0.key[1] == domain }, "referrals")
        }
        for row in tables[index("needs_by_period")].rows {
            add(
                cells("needs_by_period") { $0.key == row.key },
                cells("needs") { $0.key[0] == row.key[0] && $0.key[2] == row.key[1] }, "referrals")
        }
        for row in tables[index("gaps")].rows {
            add(
                cells("gaps") { $0.key == row.key },
                cells("needs") { $0.key[1] == row.key[0] && $0.key[2] == row.key[1] }, "referrals")
        }
        for row in tables[index("declines")].rows {
            add(
                cells("declines") { $0.key == row.key },
                cells("declines_by_organisation") { Array($0.key[1...]) == row.key }, "declines")
        }
        for row in tables[index("nazorg_by_domain")].rows {
            add(
                cells("nazorg_by_domain") { $0.key == row.key }, cells("nazorg") { $0.key[0] == row.key[0] },
                "handovers")
        }
        return lines
    }
}
