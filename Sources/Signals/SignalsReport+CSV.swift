/// The report for a spreadsheet: one CSV file per table (RFC 4180, a header row, "< 5" and "x" where rows are
/// hidden), so that each opens as its own sheet.
extension SignalsReport {
    /// File name → contents, `needs_by_domain.csv` and so on.
    public var csvFiles: [String: String] {
        Dictionary(uniqueKeysWithValues: tables.map { ("\($0.name).csv", Self.csv($0)) })
    }

    static func csv(_ table: SignalsTable) -> String {
        var lines = [(table.keys + table.figures).map(field).joined(separator: ",")]
        for row in table.rows {
            let values = table.figures.indices.map { row.isSuppressed || row.values[$0] != nil ? row.text($0) : "" }
            lines.append((row.key + values).map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
