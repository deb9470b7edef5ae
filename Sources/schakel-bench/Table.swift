import Foundation

/// The one table the bench prints: figure, value, unit, ceiling, ratio, note.
struct Table {
    private struct Row {
        var figure: String
        var value: String
        var unit: String
        var ceiling: String
        var ratio: String
        var note: String
    }

    private var rows: [Row] = []

    /// A figure; `ceiling` in the same unit gives the ratio value/ceiling, or for times
    /// (`ratioIsTime`) the ratio ceiling/value (how close to the bare round trip it is).
    mutating func add(
        _ figure: String, _ value: Double, _ unit: String, ceiling: Double? = nil, note: String = "",
        ratioIsTime: Bool = false
    ) {
        let ratio = ceiling.map { ratioIsTime ? $0 / value : value / $0 }
        rows.append(
            Row(
                figure: figure, value: Self.format(value), unit: unit, ceiling: ceiling.map(Self.format) ?? "",
                ratio: ratio.map { String(format: "%.0f%%", $0 * 100) } ?? "", note: note))
    }

    mutating func unavailable(_ figure: String, _ reason: String) {
        rows.append(Row(figure: figure, value: reason, unit: "", ceiling: "", ratio: "", note: ""))
    }

    static func format(_ value: Double) -> String {
        if value >= 100 { return Int(value.rounded()).formatted() }
        if value >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3f", value)
    }

    /// A Markdown table, so a run can be pasted into BENCHMARKS.md as it is.
    func render(title: String) -> String {
        var lines = [
            "## \(title)", "", "| figure | value | unit | ceiling | ratio | note |", "|---|---:|---|---:|---:|---|",
        ]
        for row in rows {
            lines.append("| \(row.figure) | \(row.value) | \(row.unit) | \(row.ceiling) | \(row.ratio) | \(row.note) |")
        }
        return lines.joined(separator: "\n")
    }
}

/// Percentiles in milliseconds from nanosecond samples (nearest rank).
struct Percentiles {
    var p50 = 0.0
    var p99 = 0.0
    var p999 = 0.0

    init(_ samples: [UInt64]) {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return }
        func at(_ q: Double) -> Double {
            let rank = min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[rank]) / 1e6
        }
        p50 = at(0.5)
        p99 = at(0.99)
        p999 = at(0.999)
    }
}
