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
                changed = true
                // The line's shown rows, smallest first (then by key, so that the choice never depends on order).
                var shown = line.children.filter { !isHidden($0, in: tables) && count($0, line.unit, in: tables) > 0 }
                    .map { (cell: $0, count: count($0, line.unit, in: tables), key: tables[$0.table].rows[$0.row].key) }
                    .sorted {
                        ($0.count, $0.key.joined(separator: "\u{1}")) < ($1.count, $1.key.joined(separator: "\u{1}"))
                    }
                    .map(\.cell)[...]
                repeat {
                    guard let next = shown.popFirst() else {
                        tables[line.parent.table].rows[line.parent.row].suppression = .complementary
                        break
                    }
                    tables[next.table].rows[next.row].suppression = .complementary
                } while !isSafe(line, in: tables)
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
        // Sums over the other hidden rows, in one pass: an unbounded row makes the others' upper sum unbounded.
        let lows = bounds.map(\.low).reduce(0, +)
        let unbounded = bounds.filter { $0.high == .infinity }.count
        let finiteHighs = bounds.map(\.high).filter { $0 != .infinity }.reduce(0, +)
        for bound in bounds {
            let othersLow = lows - bound.low
            let othersHigh =
                unbounded - (bound.high == .infinity ? 1 : 0) > 0
                ? Double.infinity : finiteHighs - (bound.high == .infinity ? 0 : bound.high)
            let low = max(bound.low, Double(rest) - othersHigh)
            let high = min(bound.high, Double(rest) - othersLow)
            if high - low < 1 { return false }
        }
        return true
    }
}
