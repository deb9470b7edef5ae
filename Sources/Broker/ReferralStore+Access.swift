import Foundation
import SchakelProtocol
import Storage

/// What the citizen's rights of access read (admin `audit` and `export`): every record of one referral, personal
/// data opened.
extension ReferralStore {
    func referralExists(_ referralID: String) throws -> Bool {
        try db.queryOne("SELECT 1 AS found FROM referrals WHERE referral_id = ?", [.text(referralID)]) != nil
    }

    /// Everything held about the referral's citizen (right of access), personal data opened: the referral as
    /// submitted (absent once purged), every handover with its notes, every outbox message, every event.
    /// `word` words a message the outbox keeps in part, as for ``pendingOutbox(for:afterSeq:limit:word:)``; one its
    /// case can no longer word shows what was kept.
    func export(_ referralID: String, word: KeptWording) throws -> JSONValue? {
        guard let row = try db.queryOne("SELECT * FROM referrals WHERE referral_id = ?", [.text(referralID)]) else {
            return nil
        }
        var referral: JSONValue = .null
        if let body = row.string("body"), !body.isEmpty {
            referral = try JSONValue.parse(Data(try unseal(body).utf8))
        }
        func columns(_ r: Row, _ names: [String]) -> JSONValue {
            var out: [String: JSONValue] = [:]
            for name in names { out[name] = r.string(name).map { .string($0) } ?? .null }
            return .object(out)
        }
        let handovers = try db.query(
            "SELECT * FROM handovers WHERE referral_key = ? ORDER BY rowid", [.integer(row.int64("referral_key") ?? -1)]
        ).map { h -> JSONValue in
            var value = columns(
                h,
                [
                    "handover_id", "need_index", "domain", "contact", "state", "decline_reason", "contacted_at",
                    "contact_channel", "outcome", "outcome_referrer", "outcome_contact", "created_at", "updated_at",
                ])
            if case .object(var fields) = value {
                fields["need_index"] = .int(h.int("need_index") ?? 0)
                fields["outcome_note"] = try h.string("outcome_note").map { .string(try unseal($0)) } ?? .null
                value = .object(fields)
            }
            return value
        }
        // The outbox's rows and the offers kept in their handovers' rows (migration 16), as one list.
        let key = SQLValue.integer(row.int64("referral_key") ?? -1)
        let outbox = try db.query(
            """
            SELECT seq, message_id, principal, command, body, handover_id, created_at, confirmed_at FROM outbox
            WHERE referral_key = ?
            UNION ALL
            SELECT offer_seq, NULL, contact, 'HANDOVER', '\(Self.keptPrefix)' || offer_body, handover_id, offered_at,
                   offer_confirmed_at
            FROM handovers WHERE referral_key = ? AND offer_seq IS NOT NULL
            ORDER BY seq
            """, [key, key]
        ).map { o -> JSONValue in
            let messageID = try messageID(seq: o.int64("seq") ?? 0, stored: o.string("message_id"))
            let body =
                try o.string("body").map {
                    try JSONValue.parse(
                        Data(
                            try opened(
                                $0, command: o.string("command") ?? "", handoverID: o.string("handover_id"),
                                messageID: messageID
                            ) { try word($0, $1, $2, $3) ?? $3 }.utf8))
                } ?? .null
            var fields: [String: JSONValue] = [:]
            for name in ["principal", "command", "created_at", "confirmed_at"] {
                fields[name] = o.string(name).map { .string($0) } ?? .null
            }
            fields["message_id"] = .string(messageID)
            fields["body"] = body
            return .object(fields)
        }
        return .object([
            "referral_id": .string(referralID),
            "organisation": .string(row.string("organisation") ?? ""),
            "external_id": .string(row.string("external_id") ?? ""),
            "state": .string(row.string("state") ?? ""),
            "created_at": .string(row.string("created_at") ?? ""),
            "closed_at": row.string("closed_at").map { .string($0) } ?? .null,
            "purged_at": row.string("purged_at").map { .string($0) } ?? .null,
            "referral": referral,
            "handovers": .array(handovers),
            "outbox": .array(outbox),
            "events": .array(try auditTrail(referralID)),
        ])
    }

    /// Every event of the referral, the audit-only ones (`disclosed`, `exported`) included.
    func auditTrail(_ referralID: String) throws -> [JSONValue] {
        try db.query(
            "SELECT seq, at, event, handover_id, contact, detail FROM events WHERE referral_key = \(Self.keyOfReferral) ORDER BY seq",
            [.text(referralID)]
        ).map { e in
            var fields: [String: JSONValue] = [
                "seq": .int(e.int("seq") ?? 0), "at": .string(e.string("at") ?? ""),
                "event": .string(e.string("event") ?? ""),
            ]
            if let id = e.string("handover_id") { fields["handover_id"] = .string(id) }
            if let contact = e.string("contact") { fields["principal"] = .string(contact) }
            if let detail = e.string("detail"), let value = try? JSONValue.parse(Data(detail.utf8)) {
                fields["detail"] = value
            }
            return .object(fields)
        }
    }
}
