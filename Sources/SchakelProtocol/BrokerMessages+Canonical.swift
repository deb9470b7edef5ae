import Foundation

/// The bodies the broker writes for every referral, HANDOVER and NOTICE in the outbox and the ACCEPTED answer,
/// written to canonical JSON by hand.
///
/// Through `Codable` (a keyed container per value, an existential call per member) the first two cost about 250 k
/// instructions per referral, 9% of its intake, the ACCEPTED 14 k (issue 22). The bytes are exactly ``CanonicalJSONEncoder/encode(_:)``'s:
/// keys in UTF-8 order, absent optionals left out, the same string and number writers; `BrokerMessagesCanonicalTests`
/// compares the two on generated messages. Every member is a string, an integer, a boolean or an object of those, so
/// nothing here can fail the way a non-finite number fails `Codable`.
extension HandoverOffer {
    /// The canonical JSON text of this offer.
    public func canonicalBytes() -> [UInt8] {
        written(keepingChangeable: false).message
    }

    /// The canonical JSON text of the fields of this offer that its case may word otherwise later: who leads (`lead`,
    /// `lead_contact`) and the referrer's name on the social map, while the offer waits for its contact, and `ack_by`,
    /// which goes when the offer ends. What the outbox keeps of an offer (issue 22): the rest is the referral as
    /// submitted and the handover's need and time, which never change, so the offer worded again from them is the
    /// first one byte for byte (SRP1 "Bodies"), when it is sent again and in an export.
    public func changeableBytes() -> [UInt8] {
        written(keepingChangeable: true).changeable
    }

    /// ``canonicalBytes()`` and ``changeableBytes()`` at once, as the outbox needs them for every offer it writes:
    /// the changeable members are copied out of the offer's text as it is written, not written a second time (17 k
    /// instructions an offer, issue 22).
    public func canonicalBytesAndChangeable() -> (message: [UInt8], changeable: [UInt8]) {
        written(keepingChangeable: true)
    }

    /// The offer's text and, with `keeping`, the object of its changeable members, each member's bytes as the text
    /// has them (canonical order is the same in both, so the copies come out in order).
    private func written(keepingChangeable keeping: Bool) -> (message: [UInt8], changeable: [UInt8]) {
        var out: [UInt8] = []
        out.reserveCapacity(720)
        var kept: [UInt8] = []
        if keeping {
            kept.reserveCapacity(256)
            kept.append(UInt8(ascii: "{"))
        }
        /// Copies the member written since `start`, if one was, without the comma before it.
        func keep(from start: Int) {
            guard keeping, out.count > start else { return }
            if kept.count > 1 { kept.append(UInt8(ascii: ",")) }
            kept.append(contentsOf: out[(out[start] == UInt8(ascii: ",") ? start + 1 : start)...])
        }
        var fields = CanonicalObjectWriter(&out)
        var start = out.count
        fields.string("ack_by", ackBy, into: &out)
        keep(from: start)
        fields.key("citizen", into: &out)
        citizen.write(into: &out)
        fields.string("handover_id", handoverID, into: &out)
        start = out.count
        fields.bool("lead", lead, into: &out)
        keep(from: start)
        if let leadContact {
            start = out.count
            fields.key("lead_contact", into: &out)
            leadContact.write(into: &out)
            keep(from: start)
        }
        fields.string("life_event", lifeEvent, into: &out)
        fields.string("message_id", messageID, into: &out)
        fields.key("need", into: &out)
        need.write(into: &out)
        fields.string("offered_at", offeredAt, into: &out)
        fields.string("referral_id", referralID, into: &out)
        start = out.count
        fields.key("referrer", into: &out)
        referrer.write(into: &out)
        keep(from: start)
        fields.string("urgency", urgency.rawValue, into: &out)
        out.append(UInt8(ascii: "}"))
        if keeping { kept.append(UInt8(ascii: "}")) }
        return (out, kept)
    }

    /// This offer with the changeable fields as `kept` holds them (the text of ``changeableBytes()``); nil when
    /// `kept` is not such a text.
    public func withChangeable(_ kept: String) -> HandoverOffer? {
        guard case .object(let fields)? = try? JSONValue.parse(Data(kept.utf8)), let lead = fields["lead"]?.boolValue,
            let referrer = fields["referrer"].flatMap({ try? JSONValueDecoder.decode(ReferrerView.self, from: $0) })
        else { return nil }
        var offer = self
        offer.lead = lead
        offer.referrer = referrer
        offer.ackBy = nil
        if let ackBy = fields["ack_by"] {
            guard let text = ackBy.stringValue else { return nil }
            offer.ackBy = text
        }
        offer.leadContact = nil
        if let card = fields["lead_contact"] {
            guard let leadContact = try? JSONValueDecoder.decode(ContactCard.self, from: card) else { return nil }
            offer.leadContact = leadContact
        }
        return offer
    }
}

extension Accepted {
    /// The canonical JSON text of this answer.
    public func canonicalBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        var fields = CanonicalObjectWriter(&out)
        fields.string("citizen_code", citizenCode, into: &out)
        fields.bool("duplicate", duplicate, into: &out)
        fields.string("external_id", externalID, into: &out)
        fields.string("message_id", messageID, into: &out)
        fields.string("referral_id", referralID, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// This answer as the message that carries it.
    public var wireMessage: WireMessage { WireMessage(.accepted, canonicalBytes: canonicalBytes()) }
}

extension Notice {
    /// The canonical JSON text of this notice.
    public func canonicalBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        var fields = CanonicalObjectWriter(&out)
        if let alerted {
            fields.array("alerted", alerted, into: &out) { card, out in card.write(into: &out) }
        }
        fields.string("at", at, into: &out)
        if let contact {
            fields.key("contact", into: &out)
            contact.write(into: &out)
        }
        fields.string("escalation", escalation?.rawValue, into: &out)
        fields.string("event", event.rawValue, into: &out)
        fields.string("external_id", externalID, into: &out)
        fields.string("handover_id", handoverID, into: &out)
        if let level { fields.integer("level", level, into: &out) }
        fields.string("message_id", messageID, into: &out)
        if let need {
            fields.key("need", into: &out)
            need.write(into: &out)
        }
        if let operatorAlerted { fields.bool("operator_alerted", operatorAlerted, into: &out) }
        fields.string("reason", reason?.rawValue, into: &out)
        fields.string("referral_id", referralID, into: &out)
        fields.string("result", result?.rawValue, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension NeedRef {
    fileprivate func write(into out: inout [UInt8]) {
        var fields = CanonicalObjectWriter(&out)
        fields.string("domain", domain, into: &out)
        fields.integer("index", index, into: &out)
        fields.string("summary", summary, into: &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension ReferrerView {
    fileprivate func write(into out: inout [UInt8]) {
        var fields = CanonicalObjectWriter(&out)
        fields.string("email", email, into: &out)
        fields.string("name", name, into: &out)
        fields.string("organisation", organisation, into: &out)
        fields.string("organisation_name", organisationName, into: &out)
        fields.string("phone", phone, into: &out)
        fields.string("role", role, into: &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension ContactCard {
    /// The card's canonical JSON, as a handover stores it (`contact_card`): the bytes `Codable` would write.
    public func canonicalString() -> String {
        var out: [UInt8] = []
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The card `canonicalString()` wrote (as a handover stores it); nil when `text` is not such a card. Read on the
    /// way the outbox words a notice from its case, so without `Codable`.
    public init?(stored text: String) {
        guard case .object(let fields)? = try? JSONValue.parse(Data(text.utf8)),
            fields.keys.allSatisfy(Self.storedKeys.contains), let id = fields["id"]?.stringValue,
            let name = fields["name"]?.stringValue, let organisation = fields["organisation"]?.stringValue,
            let organisationName = fields["organisation_name"]?.stringValue
        else { return nil }
        func optional(_ key: String) -> String?? {
            guard let value = fields[key] else { return .some(nil) }
            return value.stringValue.map { .some($0) }
        }
        guard case let role? = optional("role"), case let phone? = optional("phone"),
            case let email? = optional("email")
        else { return nil }
        self.init(
            id: id, name: name, organisation: organisation, organisationName: organisationName, role: role,
            phone: phone, email: email)
    }

    /// The canonical text of the card `stored` holds (the text of ``canonicalString()``) without its direct line,
    /// taken from the text itself: the card's members but `email` and `phone`, as they are. Nil when `stored` is not a
    /// flat object of strings. No parse and no `ContactCard`: a notice is compared with its handover's card this way
    /// on every write (``NoticeReference``), and parsing cost 33 k instructions a card.
    public static func canonicalStringWithoutDirectLine(stored: String) -> String? {
        let bytes = Array(stored.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        out.append(UInt8(ascii: "{"))
        var index = 1
        /// The end (one past the closing quote) of the JSON string that opens at `start`; nil if there is none.
        func stringEnd(from start: Int) -> Int? {
            guard start < bytes.count, bytes[start] == UInt8(ascii: "\"") else { return nil }
            var i = start + 1
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\\"): i += 2
                case UInt8(ascii: "\""): return i + 1
                default: i += 1
                }
            }
            return nil
        }
        var first = true
        while index < bytes.count - 1 {
            guard let keyEnd = stringEnd(from: index), keyEnd < bytes.count, bytes[keyEnd] == UInt8(ascii: ":"),
                let valueEnd = stringEnd(from: keyEnd + 1)
            else { return nil }
            let key = bytes[(index + 1)..<(keyEnd - 1)]
            if !key.elementsEqual("email".utf8), !key.elementsEqual("phone".utf8) {
                if !first { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: bytes[index..<valueEnd])
                first = false
            }
            index = valueEnd
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                guard index < bytes.count - 1 else { return nil }  // a comma before the closing brace
            } else if index != bytes.count - 1 {
                return nil
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private static let storedKeys: Set<String> = [
        "email", "id", "name", "organisation", "organisation_name", "phone", "role",
    ]

    fileprivate func write(into out: inout [UInt8]) {
        var fields = CanonicalObjectWriter(&out)
        fields.string("email", email, into: &out)
        fields.string("id", id, into: &out)
        fields.string("name", name, into: &out)
        fields.string("organisation", organisation, into: &out)
        fields.string("organisation_name", organisationName, into: &out)
        fields.string("phone", phone, into: &out)
        fields.string("role", role, into: &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension CitizenOfferView {
    fileprivate func write(into out: inout [UInt8]) {
        var fields = CanonicalObjectWriter(&out)
        fields.string("language", language, into: &out)
        fields.string("municipality", municipality, into: &out)
        fields.string("preferred_channel", preferredChannel?.rawValue, into: &out)
        out.append(UInt8(ascii: "}"))
    }
}
