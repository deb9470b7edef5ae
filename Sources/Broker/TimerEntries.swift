import Foundation

/// The pending timers of one referral, as its one row of `referral_timers` keeps them (migration 13, issue 22): a
/// JSON array of `[timer_id, due, sequence]`, due in seconds since 1970 and sequence the order the timers were
/// scheduled in across all referrals, which breaks ties of equal due times at start as the event loop's queue broke
/// them while running (``TimerQueue``).
///
/// One row per referral instead of one per timer: a referral with two offers wrote four timer rows into two
/// b-trees, each its own entry to find, change and log; now it writes one row, at the end of a table keyed by the
/// growing referral key.
struct TimerEntries: Equatable {
    struct Entry: Equatable {
        var id: String
        var due: Date
        var sequence: Int64
    }

    private(set) var entries: [Entry] = []

    init() {}

    /// Reads the stored JSON: ``forEach(in:_:)``.
    init(json: String) {
        Self.forEach(in: json) { entries.append($0) }
    }

    /// Each entry of the stored JSON, in order, without an array of them. The broker writes it without spaces
    /// (``json``); migration 13 on PostgreSQL writes it with them, so whitespace is skipped. Timer ids are the
    /// broker's own (`subject:kind`, ASCII), never escaped; a value that is not three items long is passed over
    /// rather than guessed at. Read byte by byte: a start reads every referral's row (a million open referrals, two
    /// million timers).
    static func forEach(in json: String, _ body: (Entry) -> Void) {
        var values: [Substring.UTF8View] = []
        let bytes = Substring(json).utf8
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let start = bytes.index(after: index)
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) ?? bytes.endIndex
                values.append(bytes[start..<end])
                index = end < bytes.endIndex ? bytes.index(after: end) : end
            } else if Self.startsNumber(byte) {
                let end = bytes[index...].firstIndex { !Self.continuesNumber($0) } ?? bytes.endIndex
                values.append(bytes[index..<end])
                index = end
            } else {
                if byte == UInt8(ascii: "]"), values.count == 3, let due = Double(Substring(values[1])),
                    let sequence = Int64(Substring(values[2]))
                {
                    body(
                        Entry(
                            id: String(Substring(values[0])), due: Date(timeIntervalSince1970: due), sequence: sequence)
                    )
                }
                if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "[") { values.removeAll(keepingCapacity: true) }
                index = bytes.index(after: index)
            }
        }
    }

    private static func startsNumber(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func continuesNumber(_ byte: UInt8) -> Bool {
        startsNumber(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
            || byte == UInt8(ascii: "+")
    }

    var isEmpty: Bool { entries.isEmpty }

    /// The largest sequence among the entries, 0 when there are none: what the row's `sequence` column holds.
    var largestSequence: Int64 { entries.map(\.sequence).max() ?? 0 }

    /// The JSON the row keeps: the entries in the order they were scheduled. A due time is written as the shortest
    /// decimal that reads back as the same `Double`, so a timer loaded at start is due at exactly the time it was.
    /// Written as bytes, not by string interpolation, which cost 12 k instructions a referral (issue 22).
    var json: String {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 72 + 2)
        out.append(UInt8(ascii: "["))
        for (index, entry) in entries.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"[""#.utf8)
            out.append(contentsOf: entry.id.utf8)
            out.append(contentsOf: #"","#.utf8)
            out.append(contentsOf: entry.due.timeIntervalSince1970.description.utf8)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: String(entry.sequence).utf8)
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Schedules `id` at `due` as the latest timer (`sequence`), replacing an earlier schedule of the same id: as
    /// ``TimerQueue/schedule(_:at:)`` does in memory.
    mutating func schedule(_ id: String, at due: Date, sequence: Int64) {
        cancel(id)
        entries.append(Entry(id: id, due: due, sequence: sequence))
    }

    mutating func cancel(_ id: String) {
        entries.removeAll { $0.id == id }
    }

    func due(of id: String) -> Date? {
        entries.first { $0.id == id }?.due
    }
}
