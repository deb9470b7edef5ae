import Foundation

/// The report's charts as inline SVG, drawn here rather than by a script or a library, so that the HTML file needs
/// nothing from the network and prints as it shows. Every data mark is a `<rect class="mark" data-value="…">` with a
/// `<title>` that says what it is, for a screen reader, a tooltip and the browser test.
enum SVGChart {
    static let width = 760.0
    static let palette = [
        "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F", "#332288", "#999999", "#882255",
        "#44AA99", "#117733",
    ]

    /// A series of a stacked chart: its label, colour and value per category (nil: hidden or none).
    struct Series {
        var label: String
        var color: String
        var values: [Int?]
    }

    /// Vertical stacked bars, one per category (a period), one segment per series.
    static func stackedColumns(id: String, title: String, categories: [String], series: [Series]) -> String {
        let height = 320.0
        let left = 48.0
        let bottom = 56.0
        let top = 12.0
        let totals = categories.indices.map { c in series.compactMap { $0.values[c] }.reduce(0, +) }
        let maximum = niceMaximum(totals.max() ?? 0)
        let plot = height - bottom - top
        let step = (width - left - 8) / Double(max(categories.count, 1))
        var body = axis(left: left, top: top, plot: plot, maximum: maximum, right: width - 8)
        let every = max(1, Int((Double(categories.count) / 24).rounded(.up)))
        for (c, category) in categories.enumerated() {
            var y = top + plot
            let x = left + Double(c) * step + step * 0.15
            for s in series {
                guard let value = s.values[c], value > 0 else { continue }
                let h = plot * Double(value) / Double(maximum)
                y -= h
                body += rect(
                    x: x, y: y, width: step * 0.7, height: h, fill: s.color, value: value,
                    title: "\(category), \(s.label): \(value)")
            }
            if c % every == 0 {
                let lx = x + step * 0.35
                body +=
                    "<text x=\"\(f(lx))\" y=\"\(f(top + plot + 14))\" font-size=\"11\" text-anchor=\"end\" transform=\"rotate(-45 \(f(lx)) \(f(top + plot + 14)))\">\(escape(category))</text>"
            }
        }
        return svg(id: id, title: title, height: height, body)
    }

    /// A grid of cells, rows × columns, shaded by `shade` (0…1), with each cell's text in it.
    struct HeatCell {
        var text: String
        var value: Int?
        var shade: Double?
        var title: String
    }

    static func heatMap(id: String, title: String, rows: [String], columns: [String], cells: [[HeatCell?]]) -> String {
        let left = 120.0
        let top = 124.0
        let cellWidth = min(64.0, (width - left - 8) / Double(max(columns.count, 1)))
        let cellHeight = 30.0
        let height = top + cellHeight * Double(rows.count) + 8
        var body = ""
        for (c, column) in columns.enumerated() {
            let x = left + Double(c) * cellWidth + cellWidth / 2
            body +=
                "<text x=\"\(f(x))\" y=\"\(f(top - 6))\" font-size=\"11\" transform=\"rotate(-45 \(f(x)) \(f(top - 6)))\">\(escape(column))</text>"
        }
        for (r, row) in rows.enumerated() {
            let y = top + Double(r) * cellHeight
            body +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(y + cellHeight / 2 + 4))\" font-size=\"12\" text-anchor=\"end\">\(escape(row))</text>"
            for c in columns.indices {
                let x = left + Double(c) * cellWidth
                guard let cell = cells[r][c] else {
                    body +=
                        "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cellWidth - 2))\" height=\"\(f(cellHeight - 2))\" fill=\"#f4f4f4\"/>"
                    continue
                }
                if let shade = cell.shade {
                    let fill = shade > 0 ? "rgba(213,94,0,\(f(0.12 + 0.88 * shade)))" : "#e8f3ec"
                    body += rect(
                        x: x, y: y, width: cellWidth - 2, height: cellHeight - 2, fill: fill, value: cell.value ?? 0,
                        title: cell.title)
                } else {
                    body +=
                        "<rect class=\"hidden-cell\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cellWidth - 2))\" height=\"\(f(cellHeight - 2))\" fill=\"url(#hatch-\(id))\"><title>\(escape(cell.title))</title></rect>"
                }
                let dark = (cell.shade ?? 0) > 0.55
                body +=
                    "<text x=\"\(f(x + cellWidth / 2 - 1))\" y=\"\(f(y + cellHeight / 2 + 3))\" font-size=\"11\" text-anchor=\"middle\" fill=\"\(dark ? "#fff" : "#222")\">\(escape(cell.text))</text>"
            }
        }
        return svg(id: id, title: title, height: height, body)
    }

    /// Horizontal bars, one per category, stacked by series; with `percent` each bar is scaled to 100%.
    static func stackedBars(
        id: String, title: String, categories: [String], series: [Series], percent: Bool = false,
        notes: [String] = []
    ) -> String {
        let left = 230.0
        let barHeight = 22.0
        let gap = 8.0
        let top = 8.0
        let right = notes.isEmpty ? 8.0 : 200.0
        let height = top + Double(categories.count) * (barHeight + gap) + 24
        let totals = categories.indices.map { c in series.compactMap { $0.values[c] }.reduce(0, +) }
        let maximum = percent ? 100 : niceMaximum(totals.max() ?? 0)
        let plot = width - left - right
        var body = ""
        for (c, category) in categories.enumerated() {
            let y = top + Double(c) * (barHeight + gap)
            body +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(y + barHeight / 2 + 4))\" font-size=\"12\" text-anchor=\"end\">\(escape(category))</text>"
            var x = left
            let scale = percent ? (totals[c] > 0 ? 100 / Double(totals[c]) : 0) : 1
            for s in series {
                guard let value = s.values[c], value > 0 else { continue }
                let w = plot * Double(value) * scale / Double(maximum)
                body += rect(
                    x: x, y: y, width: w, height: barHeight, fill: s.color, value: value,
                    title: "\(category), \(s.label): \(value)")
                x += w
            }
            if c < notes.count {
                body +=
                    "<text x=\"\(f(width - right + 6))\" y=\"\(f(y + barHeight / 2 + 4))\" font-size=\"11\">\(escape(notes[c]))</text>"
            }
        }
        let axisY = top + Double(categories.count) * (barHeight + gap) + 4
        body +=
            "<line x1=\"\(f(left))\" y1=\"\(f(axisY))\" x2=\"\(f(left + plot))\" y2=\"\(f(axisY))\" stroke=\"#666\"/>"
        for tick in 0...4 {
            let value = maximum * tick / 4
            let x = left + plot * Double(tick) / 4
            body +=
                "<text x=\"\(f(x))\" y=\"\(f(axisY + 14))\" font-size=\"10\" text-anchor=\"middle\">\(value)\(percent ? "%" : "")</text>"
        }
        return svg(id: id, title: title, height: height, body)
    }

    static func axis(left: Double, top: Double, plot: Double, maximum: Int, right: Double) -> String {
        var out = ""
        for tick in 0...4 {
            let y = top + plot - plot * Double(tick) / 4
            out +=
                "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"#ddd\"/><text x=\"\(f(left - 4))\" y=\"\(f(y + 4))\" font-size=\"10\" text-anchor=\"end\">\(maximum * tick / 4)</text>"
        }
        return out
    }

    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, value: Int, title: String)
        -> String
    {
        "<rect class=\"mark\" data-value=\"\(value)\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(width, 0.5)))\" height=\"\(f(max(height, 0.5)))\" fill=\"\(fill)\"><title>\(escape(title))</title></rect>"
    }

    static func svg(id: String, title: String, height: Double, _ body: String) -> String {
        """
        <svg data-chart="\(id)" viewBox="0 0 \(f(width)) \(f(height))" width="100%" role="img" aria-labelledby="\(id)-title"><title id="\(id)-title">\(escape(title))</title><defs><pattern id="hatch-\(id)" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/></pattern></defs>\(body)</svg>
        """
    }

    /// A round upper end for an axis: 1, 2, 2.5 or 5 times a power of ten, at least `value`, divisible by 4.
    static func niceMaximum(_ value: Int) -> Int {
        guard value > 4 else { return 4 }
        var magnitude = 1
        while magnitude * 10 <= value { magnitude *= 10 }
        for factor in [1, 2, 4, 5, 8, 10] where factor * magnitude >= value && (factor * magnitude) % 4 == 0 {
            return factor * magnitude
        }
        return 12 * magnitude
    }

    static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// Text for HTML and SVG: the five characters that mean something there, escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
