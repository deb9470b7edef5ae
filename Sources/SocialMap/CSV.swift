import Foundation

/// A comma-separated file as RFC 4180 has it: records end in CRLF or LF, a field in double quotes may hold commas,
/// line breaks and doubled quotes (`""`). Hand-written, byte by byte, so that a quoted line break is never mistaken
/// for the end of a record.
public enum CSV {
    /// What went wrong, with the line it went wrong on (1-based).
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    /// Every record of `data` as its fields; a UTF-8 byte order mark is skipped and a last empty line ignored.
    public static func parse(_ data: Data) throws(ParseError) -> [[String]] {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let (quote, comma, cr, lf) = (UInt8(ascii: "\""), UInt8(ascii: ","), UInt8(ascii: "\r"), UInt8(ascii: "\n"))
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var line = 1
        var i = 0
        var atFieldStart = true
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if atFieldStart, b == quote {
                // A quoted field: up to the closing quote, with "" for a quote.
                let opened = line
                i += 1
                var closed = false
                while i < bytes.count {
                    let c = bytes[i]
                    if c == quote {
                        if i + 1 < bytes.count, bytes[i + 1] == quote {
                            field.append(quote)
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    if c == lf { line += 1 }
                    field.append(c)
                    i += 1
                }
                guard closed else { throw ParseError(line: opened, message: "a quoted field is never closed") }
                guard i == bytes.count || bytes[i] == comma || bytes[i] == cr || bytes[i] == lf else {
                    throw ParseError(line: line, message: "text after the closing quote of a field")
                }
                atFieldStart = false
                continue
            }
            atFieldStart = false
            if b == comma {
                endField()
                atFieldStart = true
            } else if b == lf || b == cr {
                endField()
                records.append(record)
                record.removeAll()
                atFieldStart = true
                if b == cr, i + 1 < bytes.count, bytes[i + 1] == lf { i += 1 }
                line += 1
            } else if b == quote {
                throw ParseError(line: line, message: "a quote inside an unquoted field")
            } else {
                field.append(b)
            }
            i += 1
        }
        if !atFieldStart || !record.isEmpty || !field.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }

    /// The records after the header, each as header name → value; empty values are left out, so that an empty cell
    /// and a missing column mean the same.
    public static func records(_ data: Data) throws(ParseError) -> [[String: String]] {
        let rows = try parse(data)
        guard let header = rows.first else { return [] }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        var result: [[String: String]] = []
        for (n, row) in rows.dropFirst().enumerated() {
            if row == [""] { continue }  // a blank line
            guard row.count == names.count else {
                throw ParseError(
                    line: n + 2, message: "\(row.count) fields where the header has \(names.count)")
            }
            var record: [String: String] = [:]
            for (name, value) in zip(names, row) where !value.isEmpty { record[name] = value }
            result.append(record)
        }
        return result
    }
}
