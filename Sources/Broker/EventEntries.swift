import Foundation
import Referrals
import SchakelProtocol

/// The events one turn records for one referral, as their one row of `event_log` keeps them (migration 14, issue
/// 22): a JSON array of `[at, event, handover_id, contact, detail]`, `null` for what an event lacks, `detail` a JSON
/// string holding the canonical JSON of the entry's detail (a string, not an object, so that it reads back byte for
/// byte on both engines). The view `events` unfolds them; only the broker writes them.
enum EventEntries {
    /// The stored text of `entries`, in order.
    static func json(_ entries: some Sequence<AuditEntry>) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(256)
        func write(_ value: String?) {
            out.append(UInt8(ascii: ","))
            if let value { JSONValue.writeString(value, into: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        for (index, entry) in entries.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            JSONValue.writeString(entry.at, into: &out)
            write(entry.event)
            write(entry.handoverID)
            write(entry.contact)
            write(entry.detail.map { JSONValue.object($0).canonicalString() })
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }
}
