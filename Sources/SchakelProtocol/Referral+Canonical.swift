extension Referral {
    /// The referral's canonical JSON, written by hand: what is stored, and what a resubmission is compared with.
    ///
    /// Every SUBMIT makes one, and through `Codable` (a keyed container per nested value) it cost about 120 k
    /// instructions: 5% of a referral's. The bytes are exactly ``CanonicalJSONEncoder/encode(_:)``'s (keys in UTF-8
    /// order, absent optionals left out, the same string writer), which `ReferralCanonicalTests` checks on generated
    /// referrals and on the spec's SUBMIT example.
    public func canonicalBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(768)
        var fields = CanonicalObjectWriter(&out)
        fields.key("citizen", into: &out)
        citizen.write(into: &out)
        fields.key("consent", into: &out)
        consent.write(into: &out)
        fields.string("external_id", externalID, into: &out)
        fields.string("life_event", lifeEvent, into: &out)
        fields.array("needs", needs, into: &out) { need, out in
            var fields = CanonicalObjectWriter(&out)
            fields.string("domain", need.domain, into: &out)
            fields.string("summary", need.summary, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        fields.string("note", note, into: &out)
        fields.key("referrer", into: &out)
        referrer.write(into: &out)
        fields.string("urgency", urgency.rawValue, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension Citizen {
    fileprivate func write(into out: inout [UInt8]) {
        var fields = CanonicalObjectWriter(&out)
        fields.string("display_name", displayName, into: &out)
        fields.string("email", email, into: &out)
        fields.string("language", language, into: &out)
        fields.string("municipality", municipality, into: &out)
        fields.string("phone", phone, into: &out)
        fields.string("postcode", postcode, into: &out)
        fields.string("preferred_channel", preferredChannel?.rawValue, into: &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension Consent {
    fileprivate func write(into out: inout [UInt8]) {
        var fields = CanonicalObjectWriter(&out)
        fields.string("expires_at", expiresAt, into: &out)
        fields.string("given_at", givenAt, into: &out)
        fields.string("recorded_by", recordedBy, into: &out)
        fields.array("share_with", shareWith, into: &out) { scope, out in
            JSONValue.writeString(scope.wireValue, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension Referrer {
    fileprivate func write(into out: inout [UInt8]) {
        var fields = CanonicalObjectWriter(&out)
        fields.string("email", email, into: &out)
        fields.string("name", name, into: &out)
        fields.string("phone", phone, into: &out)
        fields.string("role", role, into: &out)
        out.append(UInt8(ascii: "}"))
    }
}
