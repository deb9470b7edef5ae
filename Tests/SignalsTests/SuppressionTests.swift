import Deadlines
import SchakelProtocol
import Testing

@testable import Signals

/// The rules that keep a citizen from being singled out, on hand-made facts: rows under five referrals are hidden,
/// and no total can be subtracted back to one of them.
@Suite struct SuppressionTests {
    static let january = LocalDate(2026, 1, 15)
    static let february = LocalDate(2026, 2, 15)
    static let query = SignalsQuery(from: LocalDate(2026, 1, 1), to: LocalDate(2026, 2, 28))

    /// `count` referrals, one debt need each, in `municipality` on `day`.
    static func needs(_ count: Int, _ municipality: String, _ day: LocalDate, domain: String = "debt") -> [NeedFacts] {
        (0..<count).map {
            NeedFacts(
                referral: "ref-\(municipality)-\(day)-\(domain)-\($0)", submitted: day, municipality: municipality,
                urgency: "normal", domain: domain, referrer: "org:gp")
        }
    }

    @Test func aRowUnderFiveIsHiddenAndItsLoneLineGetsASecondHiddenRow() {
        let facts = Self.needs(3, "GM0356", Self.january) + Self.needs(20, "GM0344", Self.january)
        let report = Signals.report(facts, query: Self.query, generatedAt: "2026-03-01T00:00:00Z")
        let needs = report.table("needs")
        #expect(needs.row(["2026-01", "GM0356", "debt"])?.suppression == .underThreshold)
        // The month's total (23) would give the 3 away: the other row of the line is hidden too.
        #expect(needs.row(["2026-01", "GM0344", "debt"])?.suppression == .complementary)
        #expect(report.table("needs_by_period").row(["2026-01", "debt"])?.values.first == 23)
        // And the gap map's rows, each of them alone in a line over periods with the shown domain total.
        #expect(report.table("gaps").row(["GM0356", "debt"])?.isSuppressed == true)
        #expect(report.table("gaps").row(["GM0344", "debt"])?.isSuppressed == true)
        // Hidden rows carry no figures at all.
        #expect(needs.row(["2026-01", "GM0356", "debt"])?.values.allSatisfy { $0 == nil } == true)
    }

    @Test func everyLineWithAShownTotalLeavesEachHiddenRowTwoPossibleValues() {
        var facts: [NeedFacts] = []
        for (i, municipality) in ["GM0344", "GM0356", "GM0353", "GM0321"].enumerated() {
            facts += Self.needs([1, 7, 2, 12][i], municipality, Self.january)
            facts += Self.needs([9, 4, 6, 2][i], municipality, Self.february)
            facts += Self.needs([5, 1, 3, 8][i], municipality, Self.february, domain: "housing")
        }
        let report = Signals.report(facts, query: Self.query, generatedAt: "2026-03-01T00:00:00Z")
        let tables = report.tables
        for line in Signals.lines(tables) where !Suppression.isHidden(line.parent, in: tables) {
            #expect(Suppression.isSafe(line, in: tables), "\(tables[line.parent.table].rows[line.parent.row].key)")
        }
        for table in tables {
            for row in table.rows where !row.isSuppressed {
                #expect((row.values[0] ?? 0) >= 5, "\(table.name) \(row.key) shows \(row.values[0] ?? 0)")
            }
        }
    }

    @Test func twoRowsOfOneEachAreNotEnough() {
        // Hidden 1 and 1 under a shown total leave one answer each: a third row must go.
        let facts =
            Self.needs(1, "GM0356", Self.january) + Self.needs(1, "GM0353", Self.january)
            + Self.needs(30, "GM0344", Self.january)
        let report = Signals.report(facts, query: Self.query, generatedAt: "2026-03-01T00:00:00Z")
        #expect(report.table("needs").row(["2026-01", "GM0344", "debt"])?.suppression == .complementary)
    }

    @Test func periodsAreAmsterdamMonthsOrIsoWeeks() {
        #expect(SignalsQuery.Period.month.key(of: LocalDate(2026, 11, 23)) == "2026-11")
        #expect(SignalsQuery.Period.week.key(of: LocalDate(2026, 11, 23)) == "2026-W48")
        #expect(SignalsQuery.Period.week.key(of: LocalDate(2027, 1, 1)) == "2026-W53")
        #expect(SignalsQuery.Period.week.key(of: LocalDate(2025, 12, 29)) == "2026-W01")
        #expect(SignalsQuery.Period.month.keys(from: LocalDate(2026, 1, 31), to: LocalDate(2026, 3, 1)).count == 3)
    }

    @Test func nearestRankQuantiles() {
        #expect(Signals.nearestRank([5, 1, 3, 2, 4], 0.5) == 3)
        #expect(Signals.nearestRank([5, 1, 3, 2, 4], 0.9) == 5)
        #expect(Signals.nearestRank([], 0.5) == nil)
    }

    @Test func theReportSurvivesItsOwnJSONAndPrintsHiddenRowsAsTheySay() throws {
        let facts = Self.needs(3, "GM0356", Self.january) + Self.needs(20, "GM0344", Self.january)
        let report = Signals.report(facts, query: Self.query, generatedAt: "2026-03-01T00:00:00Z")
        let decoded = try SignalsReport(json: .object(report.json))
        #expect(decoded.tables == report.tables)
        let csv = try #require(report.csvFiles["needs.csv"])
        #expect(csv.contains("2026-01,GM0356,debt,< 5,< 5"))
        #expect(csv.contains("2026-01,GM0344,debt,x,x"))
        #expect(report.text.contains("< 5"))
    }

    @Test func aMistakenRequestIsRefusedInOneSentence() {
        #expect(throws: SignalsQueryError.self) { try SignalsQuery(json: ["from": "2026-13-01", "to": "2026-12-31"]) }
        #expect(throws: SignalsQueryError.self) { try SignalsQuery(json: ["from": "2026-02-01", "to": "2026-01-01"]) }
        #expect(throws: SignalsQueryError.self) {
            try SignalsQuery(json: ["from": "2026-01-01", "to": "2026-12-31", "municipalities": ["Utrecht"]])
        }
    }
}
