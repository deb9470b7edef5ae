import SchakelProtocol

/// Picks the contact person for one need: the first cut of matching.
///
/// Candidates serve the need's domain, belong to an organisation that serves the citizen's
/// municipality and lies within the citizen's consent, and have not declined this need before.
/// Among them the one with the fewest open handovers wins; ties go to the lowest id, so the
/// choice is the same every time for the same state.
public struct Matcher: Sendable {
    public let map: SocialMap

    public init(map: SocialMap) {
        self.map = map
    }

    /// The ranked candidates, best first.
    ///
    /// - Parameters:
    ///   - openHandovers: the number of open handovers per contact id (missing = 0).
    ///   - excluding: contacts that must not get this need again (they declined it).
    public func candidates(
        domain: String, municipality: String, consent: Consent, excluding: Set<String> = [],
        openHandovers: [String: Int] = [:]
    ) -> [ContactPerson] {
        map.contacts(serving: domain, in: municipality)
            .filter { !excluding.contains($0.id) && consent.permits(organisation: $0.organization, domain: domain) }
            .enumerated()
            .sorted { a, b in
                let (la, lb) = (openHandovers[a.element.id] ?? 0, openHandovers[b.element.id] ?? 0)
                return la != lb ? la < lb : a.offset < b.offset
            }
            .map(\.element)
    }

    /// The best candidate, or nil when the need is unroutable.
    public func choose(
        domain: String, municipality: String, consent: Consent, excluding: Set<String> = [],
        openHandovers: [String: Int] = [:]
    ) -> ContactPerson? {
        candidates(
            domain: domain, municipality: municipality, consent: consent, excluding: excluding,
            openHandovers: openHandovers
        ).first
    }
}
