import SchakelProtocol

/// One table of a signals report: rows keyed by a few dimensions (period, municipality, domain, …), each with the
/// same figures. Every row counts the distinct referrals behind it (`referrals`, the first figure), which is what
/// decides whether the row may be shown.
public struct SignalsTable: Sendable, Equatable {
    public var name: String
    /// The dimensions, in order: what identifies a row.
    public var keys: [String]
    /// The counts, `referrals` first.
    public var figures: [String]
    public var rows: [SignalsRow]

    public init(name: String, keys: [String], figures: [String], rows: [SignalsRow] = []) {
        self.name = name
        self.keys = keys
        self.figures = figures
        self.rows = rows
    }

    /// The row with these key values, if the table has one (a row without referrals is left out).
    public func row(_ key: [String]) -> SignalsRow? {
        rows.first { $0.key == key }
    }

    /// The index of `figure` among the figures.
    public func column(_ figure: String) -> Int? {
        figures.firstIndex(of: figure)
    }

    /// `{"keys": [...], "figures": [...], "rows": [{key: value, figure: count or {"suppressed": true}}]}`.
    public var json: JSONValue {
        .object([
            "keys": .array(keys.map { .string($0) }), "figures": .array(figures.map { .string($0) }),
            "rows": .array(
                rows.map { row in
                    var fields: [String: JSONValue] = [:]
                    for (name, value) in zip(keys, row.key) { fields[name] = .string(value) }
                    for (index, name) in figures.enumerated() {
                        switch row.suppression {
                        case .shown:
                            fields[name] = row.values[index].map { .number(Double($0)) } ?? .null
                        case .underThreshold:
                            fields[name] = ["suppressed": true]
                        case .complementary:
                            fields[name] = ["suppressed": true, "complementary": true]
                        }
                    }
                    return .object(fields)
                }),
        ])
    }

    /// Reads a table from its JSON (the client's side of the reply); nil when it is not one.
    public init?(name: String, json: JSONValue) {
        guard let keys = json["keys"]?.arrayValue?.compactMap(\.stringValue),
            let figures = json["figures"]?.arrayValue?.compactMap(\.stringValue),
            let rows = json["rows"]?.arrayValue
        else { return nil }
        self.init(name: name, keys: keys, figures: figures)
        for row in rows {
            let key = keys.map { row[$0]?.stringValue ?? "" }
            var suppression = SignalsRow.Suppression.shown
            var values: [Int?] = []
            for figure in figures {
                let value = row[figure]
                if value?["suppressed"] == true {
                    suppression = value?["complementary"] == true ? .complementary : .underThreshold
                    values.append(nil)
                } else {
                    values.append(value?.numberValue.map { Int($0) })
                }
            }
            self.rows.append(SignalsRow(key: key, values: values, suppression: suppression))
        }
    }
}

/// One row: its key values and its figures, or why they are hidden.
public struct SignalsRow: Sendable, Equatable {
    /// Why a row's figures are hidden, if they are.
    public enum Suppression: Sendable, Equatable {
        case shown
        /// Fewer than five referrals (but at least one): shown as "< 5".
        case underThreshold
        /// Five or more, hidden so that a total cannot be subtracted back to a row under five: shown as "x".
        case complementary
    }

    public var key: [String]
    /// One per figure; nil where the figure has no value (a median without any acknowledgement) or is hidden.
    public var values: [Int?]
    public var suppression: Suppression

    public init(key: [String], values: [Int?], suppression: Suppression = .shown) {
        self.key = key
        self.values = values
        self.suppression = suppression
    }

    public var isSuppressed: Bool { suppression != .shown }

    /// What a person reads in the cell of figure `index`: the number, "-" for no value, "< 5" or "x".
    public func text(_ index: Int) -> String {
        switch suppression {
        case .underThreshold: "< 5"
        case .complementary: "x"
        case .shown: values[index].map { String($0) } ?? "-"
        }
    }
}
