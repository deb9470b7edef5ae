/// The name of a domain as Dutch text shows it.
///
/// Messages written in Dutch (the NAZORG question) would otherwise show the vocabulary id, an English word
/// ("voor housing"); the map's own `label_nl` is what the region calls the domain.
extension SocialMap {
    /// The map's `label_nl` for `domain` in lower case ("wonen", "schulden"), or the id itself when the map no longer
    /// lists the domain (it was removed by a reload after the handover began).
    public func dutchName(ofDomain domain: String) -> String {
        guard let label = document.domains.first(where: { $0.id == domain })?.labelNL, !label.isEmpty else {
            return domain
        }
        return label.lowercased()
    }
}
