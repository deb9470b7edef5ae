import SchakelProtocol

/// Which personal fields a message discloses, for the audit trail: names, never values.
public enum Disclosure {
    /// The names of the personal fields an ACKED of `referral` discloses.
    public static func acknowledgedFields(_ referral: Referral) -> [String] {
        var fields = ["citizen.display_name", "citizen.municipality"]
        let citizen = referral.citizen
        if citizen.postcode != nil { fields.append("citizen.postcode") }
        if citizen.phone != nil { fields.append("citizen.phone") }
        if citizen.email != nil { fields.append("citizen.email") }
        if citizen.language != nil { fields.append("citizen.language") }
        if citizen.preferredChannel != nil { fields.append("citizen.preferred_channel") }
        fields.append("referrer.name")
        if referral.referrer.phone != nil { fields.append("referrer.phone") }
        if referral.referrer.email != nil { fields.append("referrer.email") }
        if referral.referrer.role != nil { fields.append("referrer.role") }
        fields.append("need.summary")
        if referral.lifeEvent != nil { fields.append("life_event") }
        if referral.note != nil { fields.append("note") }
        return fields
    }

    /// The names of what a HANDOVER offer tells its contact: nothing that identifies, but the need in the
    /// citizen's words is theirs too, so the offer is on the record as well.
    public static func offeredFields(_ referral: Referral) -> [String] {
        var fields = ["citizen.municipality"]
        if referral.citizen.language != nil { fields.append("citizen.language") }
        if referral.citizen.preferredChannel != nil { fields.append("citizen.preferred_channel") }
        fields.append("need.summary")
        if referral.lifeEvent != nil { fields.append("life_event") }
        return fields
    }
}
