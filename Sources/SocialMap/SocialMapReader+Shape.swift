/// The checks of ``SocialMap/structuralProblems(_:)`` on a document the reader has built, as one yes or no: the
/// reader hands over only a document in which the strict path would find no problem of shape. Unknown fields and
/// wrong types never get this far (the reader gives up on them); everything else is checked here with the same
/// predicates, on the same strings, in the same cases.
extension SocialMapReader {
    static func isWellShaped(_ document: SocialMapDocument) -> Bool {
        guard !document.name.isEmpty, document.version >= 1, !document.domains.isEmpty else { return false }
        for domain in document.domains {
            guard SocialMap.isDomainID(domain.id), !domain.labelNL.isEmpty, !domain.labelEN.isEmpty else {
                return false
            }
        }
        for municipality in document.municipalities {
            guard SocialMap.isCBSCode(municipality.code), !municipality.name.isEmpty else { return false }
        }
        for org in document.organizations where !isWellShaped(org) { return false }
        for contact in document.contacts where !isWellShaped(contact) { return false }
        for desk in document.desks ?? [] {
            guard SocialMap.isID(desk.id, prefix: "desk:"), !desk.organizations.isEmpty,
                isList(desk.organizations, { SocialMap.isID($0, prefix: "org:") }),
                desk.publicKeys?.isEmpty != true, isList(desk.publicKeys, SocialMap.isCurveKey),
                desk.portal.map({ SocialMap.isID($0, prefix: "portal:") }) != false
            else { return false }
        }
        for portal in document.portals ?? [] {
            guard SocialMap.isID(portal.id, prefix: "portal:"), !portal.name.isEmpty,
                portal.publicKeys?.isEmpty != true, isList(portal.publicKeys, SocialMap.isCurveKey)
            else { return false }
        }
        return true
    }

    private static func isWellShaped(_ org: Organization) -> Bool {
        guard !org.name.isEmpty, !org.kind.isEmpty, org.phone?.isEmpty != true, org.email?.isEmpty != true,
            !org.municipalities.isEmpty,
            isList(org.municipalities, { $0 == "*" || SocialMap.isCBSCode($0) }),
            isList(org.domains, SocialMap.isDomainID),
            org.coordinator.map({ SocialMap.isID($0, prefix: "contact:") }) != false,
            org.lastVerified.map(SocialMap.isDate) != false,
            org.publicKeys?.isEmpty != true, isList(org.publicKeys, SocialMap.isCurveKey)
        else { return false }
        for service in org.services ?? [] {
            guard !service.id.isEmpty, !service.name.isEmpty, isList(service.domains, SocialMap.isDomainID) else {
                return false
            }
        }
        return true
    }

    private static func isWellShaped(_ contact: ContactPerson) -> Bool {
        guard !contact.name.isEmpty, contact.role?.isEmpty != true, !contact.phone.isEmpty, !contact.email.isEmpty,
            SocialMap.isID(contact.organization, prefix: "org:"),
            contact.deputy.map({ SocialMap.isID($0, prefix: "contact:") }) != false,
            contact.lastVerified.map(SocialMap.isDate) != false,
            contact.publicKeys?.isEmpty != true, isList(contact.publicKeys, SocialMap.isCurveKey),
            isList(contact.domains, SocialMap.isDomainID),
            contact.municipalities?.isEmpty != true, isList(contact.municipalities, SocialMap.isCBSCode),
            isList(contact.languages, SocialMap.isLanguage),
            isList(contact.urgencies, SocialMap.urgencies.contains), contact.login?.isEmpty != true
        else { return false }
        for absence in contact.absences ?? [] {
            guard SocialMap.isMoment(absence.from), SocialMap.isMoment(absence.to) else { return false }
        }
        guard contact.onCall?.isEmpty != true else { return false }
        for window in contact.onCall ?? [] {
            guard !window.days.isEmpty, isList(window.days, OnCallWindow.isDay),
                OnCallWindow.isTimeOfDay(window.from), OnCallWindow.isTimeOfDay(window.to)
            else { return false }
        }
        return true
    }

    /// Every item valid and none twice (`String` equality, as the strict path compares them); an absent list is fine.
    private static func isList(_ items: [String]?, _ valid: (String) -> Bool) -> Bool {
        guard let items else { return true }
        for (i, item) in items.enumerated() {
            guard valid(item), !items[..<i].contains(item) else { return false }
        }
        return true
    }
}
