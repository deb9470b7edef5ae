import Foundation

extension MatchExplanation {
    /// The text a handover keeps of this explanation: a JSON array of its values in a fixed order, without the keys
    /// (``init(stored:)`` reads it back). Nil when a load is not a finite number, which JSON cannot hold.
    ///
    /// Every offer stores one, and as a JSON object it was 577 bytes of a referral's 7.7 KB, two per referral, each
    /// written twice by the WAL (issue 22): the keys were two thirds of it. The order is fixed here and in
    /// ``init(stored:)``: `[considered, removed, chosen, runner_up]`, `removed` as the counts in ``MatchFilter`` order
    /// when it names exactly those filters (as the matcher's does; any other as an object), a candidate as
    /// `[contact, same_referral, other_needs_covered, speaks_language, deputy_for, load, open, capacity,
    /// last_offered_at, order]`, an absent value as `null`. What STATUS shows is built from the value read back, so
    /// the wire is unchanged.
    public func storedBytes() -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(200)
        out.append(UInt8(ascii: "["))
        JSONValue.writeInteger(considered, into: &out)
        out.append(UInt8(ascii: ","))
        if let counts = countsInFilterOrder() {
            out.append(UInt8(ascii: "["))
            for (index, count) in counts.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeInteger(count, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        } else {
            _ = JSONValue.object(removed.mapValues { .number(Double($0)) }).write(into: &out)
        }
        for keys in [chosen, runnerUp] {
            out.append(UInt8(ascii: ","))
            guard let keys else {
                out.append(contentsOf: JSONValue.nullBytes)
                continue
            }
            guard keys.write(into: &out) else { return nil }
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// `removed`'s counts in ``MatchFilter`` order when it names exactly those filters; nil otherwise. One look-up
    /// per filter, in a list made once (`allCases` builds a new array on every call).
    private func countsInFilterOrder() -> [Int]? {
        guard removed.count == Self.filterNames.count else { return nil }
        var counts: [Int] = []
        counts.reserveCapacity(Self.filterNames.count)
        for name in Self.filterNames {
            guard let count = removed[name] else { return nil }
            counts.append(count)
        }
        return counts
    }

    private static let filterNames = MatchFilter.allCases.map(\.rawValue)

    /// The explanation a handover keeps: the array of ``storedBytes()``, or the JSON object (the explanation's
    /// canonical form) that handovers written before it hold. Nil for anything else.
    public init?(stored text: String) {
        guard let value = try? JSONValue.parse(Data(text.utf8)) else { return nil }
        guard case .array(let slots) = value else {
            guard case .object = value, let decoded = try? JSONValueDecoder.decode(Self.self, from: value) else {
                return nil
            }
            self = decoded
            return
        }
        guard slots.count == 4, let considered = slots[0].integer else { return nil }
        var removed: [String: Int] = [:]
        switch slots[1] {
        case .array(let counts) where counts.count == MatchFilter.allCases.count:
            for (filter, count) in zip(MatchFilter.allCases, counts) {
                guard let count = count.integer else { return nil }
                removed[filter.rawValue] = count
            }
        case .object(let fields):
            for (name, count) in fields {
                guard let count = count.integer else { return nil }
                removed[name] = count
            }
        default:
            return nil
        }
        var candidates: [RankingKeys?] = []
        for slot in slots[2...] {
            if case .null = slot {
                candidates.append(nil)
            } else {
                guard let keys = RankingKeys(stored: slot) else { return nil }
                candidates.append(keys)
            }
        }
        self.init(considered: considered, removed: removed, chosen: candidates[0], runnerUp: candidates[1])
    }
}

extension RankingKeys {
    /// The keys as the array ``MatchExplanation/storedBytes()`` keeps them; false for a load that is not finite.
    fileprivate func write(into out: inout [UInt8]) -> Bool {
        out.append(UInt8(ascii: "["))
        JSONValue.writeString(contact, into: &out)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: sameReferral ? JSONValue.trueBytes : JSONValue.falseBytes)
        out.append(UInt8(ascii: ","))
        JSONValue.writeInteger(otherNeedsCovered, into: &out)
        out.append(UInt8(ascii: ","))
        out.append(contentsOf: speaksLanguage ? JSONValue.trueBytes : JSONValue.falseBytes)
        out.append(UInt8(ascii: ","))
        Self.write(deputyFor, into: &out)
        out.append(UInt8(ascii: ","))
        guard JSONValue.writeNumber(load, into: &out) else { return false }
        out.append(UInt8(ascii: ","))
        JSONValue.writeInteger(open, into: &out)
        out.append(UInt8(ascii: ","))
        JSONValue.writeInteger(capacity, into: &out)
        out.append(UInt8(ascii: ","))
        Self.write(lastOfferedAt, into: &out)
        out.append(UInt8(ascii: ","))
        JSONValue.writeInteger(order, into: &out)
        out.append(UInt8(ascii: "]"))
        return true
    }

    /// A string, or `null` when there is none.
    private static func write(_ string: String?, into out: inout [UInt8]) {
        if let string {
            JSONValue.writeString(string, into: &out)
        } else {
            out.append(contentsOf: JSONValue.nullBytes)
        }
    }

    /// The keys from the array ``write(into:)`` made; nil when it is not such an array.
    fileprivate init?(stored value: JSONValue) {
        guard case .array(let v) = value, v.count == 10, let contact = v[0].stringValue,
            let sameReferral = v[1].boolValue, let otherNeedsCovered = v[2].integer,
            let speaksLanguage = v[3].boolValue, let load = v[5].numberValue, let open = v[6].integer,
            let capacity = v[7].integer, let order = v[9].integer
        else { return nil }
        guard case let deputyFor? = Self.optionalString(v[4]), case let lastOfferedAt? = Self.optionalString(v[8])
        else { return nil }
        self.init(
            contact: contact, sameReferral: sameReferral, otherNeedsCovered: otherNeedsCovered,
            speaksLanguage: speaksLanguage, deputyFor: deputyFor, load: load, open: open, capacity: capacity,
            lastOfferedAt: lastOfferedAt, order: order)
    }

    /// A string or `null` (`.some(nil)`); nil for anything else.
    private static func optionalString(_ value: JSONValue) -> String?? {
        if case .null = value { return .some(nil) }
        return value.stringValue.map { .some($0) }
    }
}

extension JSONValue {
    /// The number as an `Int` when it is a whole one that fits; nil otherwise.
    fileprivate var integer: Int? {
        guard case .number(let n) = self, n.rounded() == n, abs(n) < 9.0e15 else { return nil }
        return Int(n)
    }
}
