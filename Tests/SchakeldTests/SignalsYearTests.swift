import Foundation
import SchakelProtocol
import Testing

/// Issue 19's promise: the signals report of a year of traffic says what happened, as the test itself saw it, with
/// every row under five referrals hidden and no total that gives one away; and a purge takes none of it.
@Suite struct SignalsYearTests {
    /// A row as the test expects it: the distinct referrals behind it and its figures.
    struct Expected {
        var referrals: Set<String> = []
        var figures: [String: Int] = [:]
        var seconds: [Double] = []

        mutating func add(_ referral: String, _ counts: [String: Int]) {
            referrals.insert(referral)
            for (name, value) in counts { figures[name, default: 0] += value }
        }
    }

    /// Every table the report must have, worked out from the test's own record of the year.
    static func expected(_ year: SignalsYear) -> [String: [[String]: Expected]] {
        var tables: [String: [[String]: Expected]] = [:]
        func add(_ table: String, _ key: [String], _ referral: String, _ counts: [String: Int]) {
            tables[table, default: [:]][key, default: Expected()].add(referral, counts)
        }
        for (key, need) in year.needs {
            let month = String(need.day.prefix(7))
            let figures = year.expectedFigures(need)
            add("needs_by_domain", [need.domain], key.referral, figures)
            add("needs_by_period", [month, need.domain], key.referral, figures)
            add("gaps", [need.municipality, need.domain], key.referral, figures)
            add("needs", [month, need.municipality, need.domain], key.referral, figures)
            for decline in need.declines {
                add("declines", [need.domain, decline.reason], key.referral, ["declines": 1])
                add(
                    "declines_by_organisation", [decline.organisation, need.domain, decline.reason], key.referral,
                    ["declines": 1])
            }
            for (_, result) in need.outcomes {
                add("nazorg", [need.domain, result], key.referral, ["handovers": 1])
                add("nazorg_by_domain", [need.domain], key.referral, ["handovers": 1])
            }
            guard need.firstOffer != nil else { continue }
            let acknowledgement = year.acknowledgement(need)
            let contact = year.firstContact(need)
            add(
                "acknowledgement", [need.domain, need.urgency], key.referral,
                [
                    "offered": 1, "acknowledged": acknowledgement == nil ? 0 : 1,
                    "within_deadline": acknowledgement?.inTime == true ? 1 : 0,
                    "first_contact_within": contact == "within" ? 1 : 0,
                    "first_contact_late": contact == "late" ? 1 : 0,
                ])
            if let seconds = acknowledgement?.seconds {
                tables["acknowledgement"]?[[need.domain, need.urgency]]?.seconds.append(seconds)
            }
        }
        for (key, row) in tables["acknowledgement"] ?? [:] {
            let sorted = row.seconds.sorted()
            func rank(_ q: Double) -> Int? {
                sorted.isEmpty ? nil : Int(sorted[Int((q * Double(sorted.count)).rounded(.up)) - 1].rounded())
            }
            tables["acknowledgement"]?[key]?.figures["median_seconds"] = rank(0.5)
            tables["acknowledgement"]?[key]?.figures["p90_seconds"] = rank(0.9)
        }
        return tables
    }

    static func year() throws -> SignalsYear {
        try SignalsYear.shared.get()
    }

    @Test func signalsJSONIsWhatTheYearDidWithEveryRowUnderFiveHidden() throws {
        let year = try Self.year()
        print(year.summary)
        let report = year.report
        #expect(report["from"]?.stringValue == year.from && report["to"]?.stringValue == year.to)
        let expected = Self.expected(year)
        var hidden = 0
        var complementary = 0
        for (name, rows) in expected.sorted(by: { $0.key < $1.key }) {
            let table = try #require(report["tables"]?[name], "no table \(name)")
            let keys = table["keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let figures = table["figures"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let reported = Dictionary(
                (table["rows"]?.arrayValue ?? []).map { row in (keys.map { row[$0]?.stringValue ?? "" }, row) }
            ) { first, _ in first }
            #expect(Set(reported.keys) == Set(rows.keys), "\(name): rows differ")
            for (key, want) in rows {
                guard let row = reported[key] else { continue }
                let referrals = want.referrals.count
                if referrals < 5 {
                    hidden += 1
                    for figure in figures {
                        #expect(
                            row[figure] == ["suppressed": true],
                            "\(name) \(key) \(figure) shows \(row[figure] ?? .null)")
                    }
                } else if row["referrals"]?["complementary"] == true {
                    complementary += 1
                    for figure in figures {
                        #expect(row[figure] == ["suppressed": true, "complementary": true], "\(name) \(key) \(figure)")
                    }
                } else {
                    #expect(row["referrals"]?.numberValue == Double(referrals), "\(name) \(key) referrals")
                    for figure in figures.dropFirst() {
                        let value = want.figures[figure].map { JSONValue.number(Double($0)) } ?? .null
                        #expect(
                            row[figure] == value, "\(name) \(key) \(figure): \(row[figure] ?? .null), want \(value)")
                    }
                }
            }
        }
        print("signals year: \(hidden) rows under 5 hidden, \(complementary) more hidden so that totals keep them")
        #expect(hidden > 0 && complementary > 0, "the year never exercised suppression")
    }

    /// No total can be subtracted back to a hidden row: along every line whose total is shown, each hidden row keeps
    /// at least two possible values, given what a reader knows (a "< 5" row holds 1 to 4 referrals, an "x" row 5 or
    /// more). Checked on the report alone, as a reader would.
    @Test func noPublishedTotalGivesAHiddenRowAway() throws {
        let report = try Self.year().report
        func rows(_ name: String) -> [JSONValue] { report["tables"]?[name]?["rows"]?.arrayValue ?? [] }
        var lines: [(parent: JSONValue, children: [JSONValue], unit: String)] = []
        for total in rows("needs_by_domain") {
            lines.append((total, rows("needs_by_period").filter { $0["domain"] == total["domain"] }, "referrals"))
            lines.append((total, rows("gaps").filter { $0["domain"] == total["domain"] }, "referrals"))
        }
        for total in rows("needs_by_period") {
            lines.append(
                (
                    total, rows("needs").filter { $0["period"] == total["period"] && $0["domain"] == total["domain"] },
                    "referrals"
                ))
        }
        for total in rows("gaps") {
            lines.append(
                (
                    total,
                    rows("needs").filter {
                        $0["municipality"] == total["municipality"] && $0["domain"] == total["domain"]
                    },
                    "referrals"
                ))
        }
        for total in rows("declines") {
            lines.append(
                (
                    total,
                    rows("declines_by_organisation").filter {
                        $0["domain"] == total["domain"] && $0["reason"] == total["reason"]
                    },
                    "declines"
                ))
        }
        for total in rows("nazorg_by_domain") {
            lines.append((total, rows("nazorg").filter { $0["domain"] == total["domain"] }, "handovers"))
        }
        var checked = 0
        for line in lines {
            guard let parent = line.parent[line.unit]?.numberValue else { continue }  // the total is hidden itself
            let hidden = line.children.filter { $0[line.unit]?["suppressed"] == true }
            guard !hidden.isEmpty else { continue }
            checked += 1
            let rest = parent - line.children.compactMap { $0[line.unit]?.numberValue }.reduce(0, +)
            let bounds = hidden.map { row -> (Double, Double) in
                row[line.unit]?["complementary"] == true
                    ? (5, .infinity) : (1, line.unit == "referrals" ? 4 : .infinity)
            }
            for (i, bound) in bounds.enumerated() {
                let others = bounds.enumerated().filter { $0.offset != i }.map(\.element)
                let low = max(bound.0, rest - others.map(\.1).reduce(0, +))
                let high = min(bound.1, rest - others.map(\.0).reduce(0, +))
                #expect(high - low >= 1, "a total gives a hidden row away: \(line.parent) over \(hidden)")
            }
        }
        #expect(checked > 0, "no line had a hidden row")
    }

    @Test func theCSVFilesSayWhatTheJSONSays() throws {
        let year = try Self.year()
        let tables = try #require(year.report["tables"]?.objectValue)
        #expect(Set(year.csv.keys) == Set(tables.keys.map { "\($0).csv" }))
        for (name, table) in tables {
            let keys = table["keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let figures = table["figures"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let lines = (year.csv["\(name).csv"] ?? "").components(separatedBy: "\r\n").filter { !$0.isEmpty }
            #expect(lines.first == (keys + figures).joined(separator: ","), "\(name).csv header")
            let want = (table["rows"]?.arrayValue ?? []).map { row in
                (keys.map { row[$0]?.stringValue ?? "" }
                    + figures.map { figure -> String in
                        let value = row[figure]
                        if value?["complementary"] == true { return "x" }
                        if value?["suppressed"] == true { return "< 5" }
                        return value?.numberValue.map { String(Int($0)) } ?? ""
                    }).joined(separator: ",")
            }
            #expect(Array(lines.dropFirst()) == want, "\(name).csv rows")
        }
    }

    @Test func aPurgedPeriodStillShowsItsCounts() throws {
        let year = try Self.year()
        #expect(year.purged > 50, "the purge took only \(year.purged) referrals")
        #expect(year.reportAfterPurge["tables"] == year.report["tables"], "the purge changed the signals")
    }

    @Test func theYearExercisedEverySignal() throws {
        let needs = Array(try Self.year().needs.values)
        var counts: [(String, Int)] = []
        counts.append(("unroutable", needs.filter(\.unroutable).count))
        counts.append(("consent_needed", needs.filter(\.consentNeeded).count))
        counts.append(("waiting", needs.filter(\.waited).count))
        counts.append(("unowned", needs.filter(\.unowned).count))
        counts.append(("lapsed", needs.filter(\.lapsed).count))
        counts.append(("escalated", needs.filter(\.escalated).count))
        counts.append(("reopened", needs.filter(\.reopened).count))
        for reason in ["not_our_service", "capacity"] {
            counts.append((reason, needs.filter { $0.declines.contains { $0.reason == reason } }.count))
        }
        counts.append(("late first contact", needs.filter { !$0.contactOverdue.isEmpty }.count))
        for (what, count) in counts {
            #expect(count > 0, "no need was \(what)")
        }
        let results = Set(needs.flatMap(\.outcomes.values))
        #expect(results == Set(SignalsYear.results + ["no_answer"]), "\(results)")
    }
}
