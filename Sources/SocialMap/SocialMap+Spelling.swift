/// The social map spells `organizations` and `organization` with a z, as HSDS (Open Referral) does, and existing
/// maps do; Schakel's prose, the daemon config (`subscribe[].organisation`) and the policy (`organisations`) are
/// British. A map written with the other spelling gets a hint instead of a bare "unknown field".
extension SocialMap {
    /// The message for a field `key` the map format does not have, with a did-you-mean when only the spelling of
    /// "organisation" is off.
    static func unknownFieldMessage(_ key: String, allowed: Set<String>) -> String {
        let respelled = key.replacingOccurrences(of: "organis", with: "organiz")
        guard respelled != key, allowed.contains(respelled) else { return "unknown field" }
        return "unknown field; did you mean \"\(respelled)\"? The social map spells it with a z, as HSDS does"
    }
}
