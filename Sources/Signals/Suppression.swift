/// Hides what could single a citizen out: every row of fewer than ``threshold`` referrals (primary suppression),
/// and then as many more rows as it takes so that no published total can be subtracted back to one of them
/// (complementary suppression).
///
/// A *line* is a total and the rows it adds up (the year's debt needs and the debt rows of each month). For each
/// line whose total is shown, the hidden rows of the line, with what a reader knows of each (a row under the
/// threshold holds 1 to 4 referrals; a complementary row at least 5), must leave every hidden row at least two
/// possible values. When a line fails, the shown row with the smallest count in it is hidden too (complementary),
/// or, when there is none left, the total itself; this repeats over every line until all of them hold.
struct Suppression {
    /// A row of one of the report's tables.
    struct Cell: Hashable {
        var table: Int
        var row: Int
    }

    /// A total (`parent`) and the rows that add up to it, counted in the figure `unit` of both. Along lines counted
    /// in referrals a row under the threshold is known to hold at most threshold − 1; along lines counted in
    /// something else (declines, handovers) a referral may stand for several, so there is no such bound.
    struct Line {
        var parent: Cell
        var children: [Cell]
        var unit: String
    }

    static let threshold = 5

    /// Marks the rows of `tables` under the threshold, then the complementary ones along `lines`, and blanks every
    /// hidden row's figures so that they cannot leave the daemon by mistake.
    static func apply(to tables: inout [SignalsTable], lines: [Line]) {
        for t in tables.indices {
            for r in tables[t].rows.indices {
                let referrals = tables[t].rows[r].values[0] ?? 0
                if referrals > 0, referrals < threshold { tables[t].rows[r].suppression = .underThreshold }
            }
        }
        var changed = true
        while changed {
            changed = false
            for line in lines where !isHidden(line.parent, in: tables) {
                guard !isSafe(line, in: tables) else { continue }
                let shown = line.children.filter { !isHidden($0, in: tables) && count($0, line.unit, in: tables) > 0 }
                if let smallest = shown.min(by: {
                    (count($0, line.unit, in: tables), tables[$0.table].rows[$0.row].key.joined(separator: "\u{1}"))
                        < (
                            count($1, line.unit, in: tables),
                            tables[$1.table].rows[$1.row].key.joined(separator: "\u{1}")
                        )
                }) {
                    tables[smallest.table].rows[smallest.row].suppression = .complementary
                } else {
                    tables[line.parent.table].rows[line.parent.row].suppression = .complementary
                }
                changed = true
            }
        }
        for t in tables.indices {
            for r in tables[t].rows.indices where tables[t].rows[r].isSuppressed {
                tables[t].rows[r].values = tables[t].rows[r].values.map { _ in nil }
            }
        }
    }

    static func isHidden(_ cell: Cell, in tables: [SignalsTable]) -> Bool {
        tables[cell.table].rows[cell.row].isSuppressed
    }

    static func count(_ cell: Cell, _ unit: String, in tables: [SignalsTable]) -> Int {
        guard let column = tables[cell.table].column(unit) else { return 0 }
        return tables[cell.table].rows[cell.row].values[column] ?? 0
    }

    /// Whether the hidden rows of `line` each keep at least two possible values, given the shown total and rows.
    static func isSafe(_ line: Line, in tables: [SignalsTable]) -> Bool {
        let hidden = line.children.filter { isHidden($0, in: tables) }
        guard !hidden.isEmpty else { return true }
        let shownSum = line.children.filter { !isHidden($0, in: tables) }.map { count($0, line.unit, in: tables) }
            .reduce(0, +)
        let rest = count(line.parent, line.unit, in: tables) - shownSum
        let bounds = hidden.map { cell -> (low: Double, high: Double) in
            switch tables[cell.table].rows[cell.row].suppression {
            case .underThreshold: (1, line.unit == "referrals" ? Double(threshold - 1) : .infinity)
            default: (Double(threshold), .infinity)
            }
        }
        for (i, bound) in bounds.enumerated() {
            let others = bounds.indices.filter { $0 != i }
            let othersLow = others.map { bounds[$0].low }.reduce(0, +)
            let othersHigh = others.map { bounds[$0].high }.reduce(0, +)
            let low = max(bound.low, Double(rest) - othersHigh)
            let high = min(bound.high, Double(rest) - othersLow)
            if high - low < 1 { return false }
        }
        return true
    }
}
