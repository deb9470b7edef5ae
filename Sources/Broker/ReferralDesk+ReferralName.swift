import SchakelProtocol

/// How a referral is named by whoever asks about it: the broker's `referral_id`, or the `external_id` the referring
/// organisation chose.
///
/// Every command that names a referral resolves it here, so STATUS, WITHDRAW, REOPEN and the admin commands accept
/// the same two ids and answer the same way when neither is known.
extension ReferralDesk {
    /// The `referral_id` that a peer's `query` names. An `external_id` is known only to the organisation that chose
    /// it, so for anyone else it names nothing (`not_found`, as an unknown referral_id would be).
    func referralID(_ query: StatusQuery, namedBy principal: String) throws -> String {
        switch query {
        case .referralID(let id):
            return id
        case .externalID(let id):
            guard principal.hasPrefix("org:"),
                let referralID = try store.referralID(organisation: principal, externalID: id)
            else {
                throw Rejection(
                    .notFound, "\(principal) submitted no referral with external_id \(id)", field: "external_id")
            }
            return referralID
        }
    }

    /// The referrals whose referring organisation chose `externalID` (only `organisation`'s when given), as
    /// `(organisation, referral_id)` pairs: an operator names a referral by the id the caller quoted, and two
    /// organisations may have chosen the same one.
    func referrals(withExternalID externalID: String, organisation: String?) throws -> [(String, String)] {
        try store.referrals(withExternalID: externalID, organisation: organisation)
    }
}
