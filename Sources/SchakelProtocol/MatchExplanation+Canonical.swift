extension MatchExplanation {
    /// The canonical JSON text of this explanation, written by hand.
    ///
    /// Every offer stores one, and through `Codable` (a keyed container per value, the `removed` dictionary key by
    /// key) it cost about 110 k instructions each: 8% of a referral's, the largest single body. The bytes are
    /// exactly ``CanonicalJSONEncoder/encode(_:)``'s (keys in UTF-8 order, absent optionals left out, the same
    /// number and string writers), which `MatchExplanationCanonicalTests` checks on generated explanations; a
    /// number that is not finite goes the `Codable` way, for its `EncodingError`.
    public func canonicalBytes() throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(640)
        guard write(into: &out) else { return try CanonicalJSONEncoder.encode(self) }
        return out
    }

    private func write(into out: inout [UInt8]) -> Bool {
        var fields = CanonicalObjectWriter(&out)
        if let chosen {
            fields.key("chosen", into: &out)
            guard chosen.write(into: &out) else { return false }
        }
        fields.key("considered", into: &out)
        _ = JSONValue.writeNumber(Double(considered), into: &out)
        fields.key("removed", into: &out)
        var filters = CanonicalObjectWriter(&out)
        for name in removed.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            filters.key(name, into: &out)
            _ = JSONValue.writeNumber(Double(removed[name] ?? 0), into: &out)
        }
        out.append(UInt8(ascii: "}"))
        if let runnerUp {
            fields.key("runner_up", into: &out)
            guard runnerUp.write(into: &out) else { return false }
        }
        out.append(UInt8(ascii: "}"))
        return true
    }
}

extension RankingKeys {
    /// The keys in UTF-8 order, as ``MatchExplanation/canonicalBytes()`` needs them; false for a load that is not
    /// finite.
    fileprivate func write(into out: inout [UInt8]) -> Bool {
        var fields = CanonicalObjectWriter(&out)
        fields.key("capacity", into: &out)
        _ = JSONValue.writeNumber(Double(capacity), into: &out)
        fields.key("contact", into: &out)
        JSONValue.writeString(contact, into: &out)
        if let deputyFor {
            fields.key("deputy_for", into: &out)
            JSONValue.writeString(deputyFor, into: &out)
        }
        if let lastOfferedAt {
            fields.key("last_offered_at", into: &out)
            JSONValue.writeString(lastOfferedAt, into: &out)
        }
        fields.key("load", into: &out)
        guard JSONValue.writeNumber(load, into: &out) else { return false }
        fields.key("open", into: &out)
        _ = JSONValue.writeNumber(Double(open), into: &out)
        fields.key("order", into: &out)
        _ = JSONValue.writeNumber(Double(order), into: &out)
        fields.key("other_needs_covered", into: &out)
        _ = JSONValue.writeNumber(Double(otherNeedsCovered), into: &out)
        fields.key("same_referral", into: &out)
        out.append(contentsOf: sameReferral ? JSONValue.trueBytes : JSONValue.falseBytes)
        fields.key("speaks_language", into: &out)
        out.append(contentsOf: speaksLanguage ? JSONValue.trueBytes : JSONValue.falseBytes)
        out.append(UInt8(ascii: "}"))
        return true
    }
}
