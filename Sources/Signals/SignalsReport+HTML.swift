import Foundation
import SchakelProtocol

/// The report as one self-contained HTML page for policy readers: five charts as inline SVG, each with a short
/// reading guide in plain Dutch (B1), then every table. No script, font, image or style sheet comes from anywhere
/// else, so the file can be mailed, archived and printed to PDF as it is; `@media print` keeps every chart whole.
extension SignalsReport {
    /// Dutch words for the codes in the tables.
    static let dutch: [String: String] = [
        "capacity": "Geen ruimte", "not_eligible": "Komt niet in aanmerking",
        "outside_service_area": "Buiten het werkgebied", "not_our_service": "Dit doen wij niet",
        "wrong_contact": "Niet de juiste persoon", "conflict_of_interest": "Belangenconflict", "other": "Andere reden",
        "resolved": "Opgelost", "partly_resolved": "Deels opgelost", "not_resolved": "Niet opgelost",
        "citizen_unreachable": "Inwoner niet bereikt", "no_longer_needed": "Niet meer nodig",
        "citizen_declined": "Inwoner wilde geen hulp", "referred_on": "Verder doorverwezen",
        "no_answer": "Geen antwoord", "crisis": "crisis", "urgent": "spoed", "normal": "gewoon",
        "period": "Periode", "municipality": "Gemeente", "domain": "Onderwerp", "reason": "Reden",
        "organisation": "Organisatie", "urgency": "Urgentie", "result": "Uitkomst", "referrals": "Verwijzingen",
        "needs": "Hulpvragen", "unroutable": "Niet te plaatsen", "consent_needed": "Toestemming nodig",
        "waiting": "Wachtte", "unowned": "Zonder eigenaar", "lapsed": "Aanbod verlopen", "escalated": "Geëscaleerd",
        "reopened": "Heropend", "declines": "Afwijzingen", "offered": "Aangeboden", "acknowledged": "Aangenomen",
        "within_deadline": "Binnen termijn", "median_seconds": "Mediaan", "p90_seconds": "p90",
        "first_contact_within": "Contact binnen 5 werkdagen", "first_contact_late": "Contact te laat",
        "handovers": "Overdrachten",
    ]

    static let outcomeColors: [String: String] = [
        "resolved": "#009E73", "partly_resolved": "#7FCDBB", "not_resolved": "#D55E00",
        "citizen_unreachable": "#E69F00", "no_longer_needed": "#56B4E9", "citizen_declined": "#CC79A7",
        "referred_on": "#0072B2", "no_answer": "#555555",
    ]

    static let titles: [String: String] = [
        "needs_by_domain": "Hulpvragen per onderwerp", "needs_by_period": "Hulpvragen per periode en onderwerp",
        "gaps": "Hulpvragen per gemeente en onderwerp", "declines": "Afwijzingen per onderwerp en reden",
        "declines_by_organisation": "Afwijzingen per organisatie",
        "acknowledgement": "Aannemen en eerste contact per onderwerp en urgentie",
        "nazorg_by_domain": "Nazorg per onderwerp", "nazorg": "Nazorg per onderwerp en uitkomst",
        "nazorg_citizen": "Wat inwoners zelf antwoordden (Bent u geholpen?)",
        "needs": "Alle cijfers per periode, gemeente en onderwerp",
    ]

    func words(_ code: String) -> String { Self.dutch[code] ?? code }

    /// `23-11-2027 10:00` (Europe/Amsterdam) for `2027-11-23T09:00:00Z`; the text itself when it is no timestamp.
    static func amsterdam(_ text: String) -> String {
        guard let moment = RFC3339.parse(text), let zone = TimeZone(identifier: "Europe/Amsterdam") else { return text }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: moment)
        return String(
            format: "%02d-%02d-%04d %02d:%02d", c.day ?? 0, c.month ?? 0, c.year ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// The whole page.
    public var html: String {
        let span = "\(query.from) tot en met \(query.to)"
        var scope: [String] = []
        if !query.municipalities.isEmpty {
            scope.append(
                "gemeenten " + query.municipalities.map { label("municipalities", $0) }.joined(separator: ", "))
        }
        if !query.domains.isEmpty {
            scope.append("onderwerpen " + query.domains.map { label("domains", $0) }.joined(separator: ", "))
        }
        if let organisation = query.organisation { scope.append("voor " + label("organisations", organisation)) }
        let e = SVGChart.escape
        return """
            <!DOCTYPE html>
            <html lang="nl">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Signalen \(e(span))</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; color: #1a1a1a; line-height: 1.45; }
            h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
            figure { margin: 1.5rem 0; padding: 0.75rem; border: 1px solid #ddd; border-radius: 6px; }
            figcaption { margin-top: 0.5rem; }
            .legend { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; padding: 0; font-size: 0.9rem; }
            .swatch { display: inline-block; width: 0.9rem; height: 0.9rem; margin-right: 0.3rem; vertical-align: -0.1rem; border-radius: 2px; }
            .table-wrap { overflow-x: auto; max-width: 100%; }
            table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.85rem; }
            th, td { border: 1px solid #ccc; padding: 0.2rem 0.45rem; text-align: right; }
            th:first-child, td.key { text-align: left; }
            .note { color: #444; font-size: 0.9rem; }
            @media print {
              body { max-width: none; padding: 0; font-size: 10pt; }
              figure { break-inside: avoid; page-break-inside: avoid; border: none; }
              h2 { break-after: avoid; page-break-after: avoid; }
              tr { break-inside: avoid; page-break-inside: avoid; }
              .table-wrap { overflow: visible; }
              table { font-size: 7.5pt; }
              svg { max-width: 100%; height: auto; }
            }
            </style>
            </head>
            <body>
            <h1>Signalen: waar verwijzingen vastlopen</h1>
            <p>Verwijzingen van \(e(span)), per \(query.period == .month ? "maand" : "week")\(scope.isEmpty ? "" : "; " + e(scope.joined(separator: "; "))). Gemaakt op \(e(Self.amsterdam(generatedAt))).</p>
            <p class="note">Alle cijfers tellen gebeurtenissen, nooit personen. Staat er <strong>&lt; 5</strong>, dan ging het om minder dan 5 verwijzingen: dat getal laten we weg, zodat niemand herkenbaar is. Staat er <strong>x</strong>, dan laten we ook dat getal weg, zodat u een weggelaten getal niet kunt terugrekenen uit een totaal.</p>
            \(needsOverTime)
            \(gapMap)
            \(declineReasons)
            \(acknowledgementChart)
            \(nazorgOutcomes)
            <h2>De cijfers</h2>
            \(tables.map(htmlTable).joined(separator: "\n"))
            </body>
            </html>

            """
    }

    func figure(_ chart: String, legend: [(String, String)] = [], guide: String) -> String {
        let items = legend.map {
            "<li><span class=\"swatch\" style=\"background:\($0.1)\"></span>\(SVGChart.escape($0.0))</li>"
        }
        return
            "<figure>\(chart)\(items.isEmpty ? "" : "<ul class=\"legend\">\(items.joined())</ul>")<figcaption>\(guide)</figcaption></figure>"
    }

    /// The domains that occur in `table` (its `domain` key), in the order of the map's labels, then the rest.
    func domains(in table: SignalsTable) -> [String] {
        guard let k = table.keys.firstIndex(of: "domain") else { return [] }
        return Array(Set(table.rows.map { $0.key[k] })).sorted()
    }

    func color(ofDomain domain: String, among all: [String]) -> String {
        SVGChart.palette[(all.firstIndex(of: domain) ?? 0) % SVGChart.palette.count]
    }

    var needsOverTime: String {
        let table = table("needs_by_period")
        let all = domains(in: self.table("needs_by_domain"))
        let column = table.column("needs") ?? 1
        let series = all.map { domain in
            SVGChart.Series(
                label: label("domains", domain), color: color(ofDomain: domain, among: all),
                values: periods.map { table.row([$0, domain])?.values[column] ?? nil })
        }
        let chart = SVGChart.stackedColumns(
            id: "needs-over-time", title: "Hulpvragen per onderwerp door de tijd", categories: periods, series: series)
        return "<h2>Hulpvragen door de tijd</h2>"
            + figure(
                chart, legend: all.map { (label("domains", $0), color(ofDomain: $0, among: all)) },
                guide: """
                    Hoeveel hulpvragen kwamen er binnen, per \(query.period == .month ? "maand" : "week")? Elke kleur is een onderwerp. Hoe hoger de staaf, hoe meer hulpvragen. Een onderwerp met minder dan 5 verwijzingen in een periode tekenen we niet: zo is niemand herkenbaar. De tabel onderaan geeft de getallen.
                    """)
    }

    var gapMap: String {
        let table = table("gaps")
        let municipalities = Array(Set(table.rows.map { $0.key[0] })).sorted()
        let all = domains(in: table)
        let needs = table.column("needs") ?? 1
        let unroutable = table.column("unroutable") ?? 2
        let unowned = table.column("unowned") ?? 5
        let cells = municipalities.map { municipality in
            all.map { domain -> SVGChart.HeatCell? in
                guard let row = table.row([municipality, domain]) else { return nil }
                let place = "\(label("municipalities", municipality)), \(label("domains", domain))"
                guard !row.isSuppressed, let total = row.values[needs] else {
                    let text = row.suppression == .underThreshold ? "< 5" : "x"
                    return SVGChart.HeatCell(
                        text: text, value: nil, shade: nil, title: "\(place): \(text) verwijzingen")
                }
                let stuck = (row.values[unroutable] ?? 0) + (row.values[unowned] ?? 0)
                return SVGChart.HeatCell(
                    text: "\(stuck)/\(total)", value: stuck,
                    shade: total > 0 ? min(1, Double(stuck) / Double(total)) : 0,
                    title: "\(place): \(stuck) van de \(total) hulpvragen niet te plaatsen of zonder eigenaar")
            }
        }
        let chart = SVGChart.heatMap(
            id: "gap-map", title: "Gaten in de sociale kaart: per gemeente en onderwerp",
            rows: municipalities.map { label("municipalities", $0) }, columns: all.map { label("domains", $0) },
            cells: cells)
        return "<h2>Gaten in de sociale kaart</h2>"
            + figure(
                chart,
                guide: """
                    Waar vond niemand een hulpverlener? Elke rij is een gemeente, elke kolom een onderwerp. In het vakje staat hoeveel hulpvragen niemand oppakte, van het totaal: niemand op de sociale kaart kon ze aannemen (niet te plaatsen), of iedereen zei nee of reageerde niet (zonder eigenaar). Hoe donkerder oranje, hoe groter dat deel. Een donker vakje is een gat: daar ontbreekt hulp, of de sociale kaart klopt niet. Een gestreept vakje is weggelaten (minder dan 5 verwijzingen).
                    """)
    }

    var declineReasons: String {
        let table = table("declines")
        let reasons = [
            "capacity", "not_eligible", "outside_service_area", "not_our_service", "wrong_contact",
            "conflict_of_interest", "other",
        ].filter { reason in table.rows.contains { $0.key[1] == reason } }
        let all = domains(in: self.table("needs_by_domain"))
        let column = table.column("declines") ?? 1
        let series = all.map { domain in
            SVGChart.Series(
                label: label("domains", domain), color: color(ofDomain: domain, among: all),
                values: reasons.map { table.row([domain, $0])?.values[column] ?? nil })
        }
        let chart = SVGChart.stackedBars(
            id: "decline-reasons", title: "Redenen om een hulpvraag af te wijzen", categories: reasons.map(words),
            series: series)
        let mapErrors = self.table("declines_by_organisation").rows.filter {
            ["not_our_service", "wrong_contact", "outside_service_area"].contains($0.key[2])
        }
        let list =
            mapErrors.isEmpty
            ? ""
            : "<p>Afwijzingen die op de sociale kaart wijzen:</p><ul>"
                + mapErrors.map { row in
                    "<li>\(SVGChart.escape(label("organisations", row.key[0]))), \(SVGChart.escape(label("domains", row.key[1]))): \(SVGChart.escape(words(row.key[2]))), \(row.text(1)) keer</li>"
                }.joined() + "</ul>"
        return "<h2>Waarom hulpverleners nee zeiden</h2>"
            + figure(
                chart, legend: all.map { (label("domains", $0), color(ofDomain: $0, among: all)) },
                guide: """
                    Hoe vaak zei een hulpverlener nee tegen een aangeboden hulpvraag, en waarom? Elke balk is een reden, de kleuren zijn de onderwerpen. "Dit doen wij niet", "Niet de juiste persoon" of "Buiten het werkgebied" betekent meestal dat de sociale kaart niet klopt: kijk dan bij die organisatie of haar gegevens nog goed zijn. "Geen ruimte" wijst op te weinig capaciteit.\(list)
                    """)
    }

    var acknowledgementChart: String {
        let table = table("acknowledgement")
        let rows = table.rows
        let categories = rows.map { "\(label("domains", $0.key[0])), \(words($0.key[1]))" }
        let within = table.column("within_deadline") ?? 3
        let offered = table.column("offered") ?? 1
        let series = [
            SVGChart.Series(
                label: "binnen de termijn", color: "#009E73",
                values: rows.map { $0.isSuppressed ? nil : $0.values[within] }),
            SVGChart.Series(
                label: "later of niet", color: "#D55E00",
                values: rows.map { row in
                    guard !row.isSuppressed, let o = row.values[offered], let w = row.values[within] else { return nil }
                    return o - w
                }),
        ]
        let notes = rows.map { row -> String in
            guard !row.isSuppressed else { return row.text(0) }
            let share = Self.percent(table, row, "within_deadline", of: "offered").map { "\($0)%" } ?? "-"
            let median = row.values[table.column("median_seconds") ?? 4].map { Self.hours($0) } ?? "-"
            let p90 = row.values[table.column("p90_seconds") ?? 5].map { Self.hours($0) } ?? "-"
            return "\(share) · mediaan \(median) · p90 \(p90)".replacingOccurrences(of: " h", with: " uur")
        }
        let chart = SVGChart.stackedBars(
            id: "time-to-acknowledge", title: "Op tijd aangenomen, per onderwerp en urgentie", categories: categories,
            series: series, percent: true, notes: notes)
        return "<h2>Hoe snel iemand een hulpvraag aannam</h2>"
            + figure(
                chart, legend: [("binnen de termijn", "#009E73"), ("later of niet", "#D55E00")],
                guide: """
                    Welk deel van de hulpvragen nam iemand aan binnen de termijn van het eerste aanbod? Groen is op tijd, oranje is later of nooit. Rechts staat de mediaan (de helft ging sneller) en p90 (9 van de 10 gingen sneller), in uren vanaf het eerste aanbod. De termijn hangt af van de urgentie: bij crisis 2 uur, bij spoed 8 werkuren, gewoon 3 werkdagen. In de tabel onderaan staat ook hoe vaak het eerste contact met de inwoner binnen 5 werkdagen lukte.
                    """)
    }

    var nazorgOutcomes: String {
        let totals = table("nazorg_by_domain")
        let table = table("nazorg")
        let all = totals.rows.map { $0.key[0] }
        let results = [
            "resolved", "partly_resolved", "referred_on", "no_longer_needed", "not_resolved",
            "citizen_declined", "citizen_unreachable", "no_answer",
        ]
        let column = table.column("handovers") ?? 1
        let series = results.map { result in
            SVGChart.Series(
                label: words(result), color: Self.outcomeColors[result] ?? "#999",
                values: all.map { table.row([$0, result])?.values[column] ?? nil })
        }
        let notes = all.map { domain -> String in
            guard let total = totals.row([domain]), !total.isSuppressed, let count = total.values[1] else {
                return totals.row([domain])?.text(1) ?? "-"
            }
            guard let row = table.row([domain, "no_answer"]) else { return "\(count) · geen antwoord 0%" }
            guard !row.isSuppressed, let none = row.values[column], count > 0 else {
                return "\(count) · geen antwoord \(row.text(1))"
            }
            return "\(count) · geen antwoord \(Int((Double(none) * 100 / Double(count)).rounded()))%"
        }
        let chart = SVGChart.stackedBars(
            id: "nazorg-outcomes", title: "Wat de hulp opleverde, per onderwerp",
            categories: all.map { label("domains", $0) },
            series: series, percent: true, notes: notes)
        return "<h2>Wat de hulp opleverde</h2>"
            + figure(
                chart, legend: results.map { (words($0), Self.outcomeColors[$0] ?? "#999") },
                guide: """
                    Acht weken nadat iemand een hulpvraag aannam, vragen we wat de hulp heeft opgeleverd. Elke balk is een onderwerp, verdeeld naar de uitkomst. Donkergrijs is "geen antwoord": niemand beantwoordde de vraag. Veel grijs betekent dat we niet weten of de inwoner geholpen is. Rechts staat het aantal antwoorden en het deel zonder antwoord.
                    """)
    }

    func htmlTable(_ table: SignalsTable) -> String {
        let e = SVGChart.escape
        let header = (table.keys + table.figures).map { "<th scope=\"col\">\(e(words($0)))</th>" }.joined()
        let body = table.rows.map { row -> String in
            let keys = zip(table.keys, row.key).map { kind, value -> String in
                let text =
                    switch kind {
                    case "domain": label("domains", value)
                    case "municipality": label("municipalities", value)
                    case "organisation": label("organisations", value)
                    default: words(value)
                    }
                return "<td class=\"key\">\(e(text))</td>"
            }.joined()
            let figures = table.figures.enumerated().map { index, figure -> String in
                if figure.hasSuffix("_seconds"), !row.isSuppressed, let seconds = row.values[index] {
                    return "<td>\(e(Self.hours(seconds).replacingOccurrences(of: " h", with: " uur")))</td>"
                }
                return "<td>\(e(row.text(index)))</td>"
            }.joined()
            return "<tr>\(keys)\(figures)</tr>"
        }.joined(separator: "\n")
        return """
            <h3>\(e(Self.titles[table.name] ?? table.name))</h3>
            \(table.rows.isEmpty ? "<p>Niets in deze periode.</p>" : "<div class=\"table-wrap\"><table data-table=\"\(table.name)\"><thead><tr>\(header)</tr></thead><tbody>\n\(body)\n</tbody></table></div>")
            """
    }
}
