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
        var citizenAnswers: [[String]: Tally] = [:]
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
            for answer in need.citizenAnswers {
                citizenAnswers[[need.domain, answer], default: Tally()].add(need.referral, [1])
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
        tables.append(table("nazorg_citizen", ["domain", "result"], nazorgFigures, citizenAnswers))
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
        var lines: [Suppression.Line] = []
        /// One line per row of `parent`: the rows of `child` whose key `parentKey` maps onto it (one pass over each).
        func add(_ parent: String, _ child: String, _ unit: String, _ parentKey: ([String]) -> [String]) {
            guard let p = tables.firstIndex(where: { $0.name == parent }),
                let c = tables.firstIndex(where: { $0.name == child })
            else { return }
            var children: [[String]: [Suppression.Cell]] = [:]
            for (r, row) in tables[c].rows.enumerated() {
                children[parentKey(row.key), default: []].append(Suppression.Cell(table: c, row: r))
            }
            for (r, row) in tables[p].rows.enumerated() {
                guard let cells = children[row.key], !cells.isEmpty else { continue }
                lines.append(Suppression.Line(parent: Suppression.Cell(table: p, row: r), children: cells, unit: unit))
            }
        }
        add("needs_by_domain", "needs_by_period", "referrals") { [$0[1]] }
        add("needs_by_domain", "gaps", "referrals") { [$0[1]] }
        add("needs_by_period", "needs", "referrals") { [$0[0], $0[2]] }
        add("gaps", "needs", "referrals") { [$0[1], $0[2]] }
        add("declines", "declines_by_organisation", "declines") { Array($0[1...]) }
        add("nazorg_by_domain", "nazorg", "handovers") { [$0[0]] }
        return lines
    }
}
