import SchakelProtocol

/// The checks of social-map.schema.json that the decoder does not make: unknown fields, id and code syntax,
/// empty strings, repeated list entries. Hand-written rather than regular expressions, because a national map
/// has a hundred thousand contacts.
extension SocialMap {
    static let topFields: Set<String> = [
        "version", "name", "description", "domains", "municipalities", "organizations", "contacts", "desks",
        "portals",
    ]
    static let deskFields: Set<String> = ["id", "organizations", "public_keys", "portal"]
    static let portalFields: Set<String> = ["id", "name", "public_keys"]
    static let domainFields: Set<String> = ["id", "label_nl", "label_en"]
    static let municipalityFields: Set<String> = ["code", "name"]
    static let organizationFields: Set<String> = [
        "id", "name", "kind", "municipalities", "domains", "phone", "email", "coordinator", "services",
        "last_verified", "public_keys", "adapter_acts_for_contacts",
    ]
    static let serviceFields: Set<String> = ["id", "name", "domains", "description"]
    static let contactFields: Set<String> = [
        "id", "organization", "name", "role", "phone", "email", "domains", "municipalities", "languages",
        "urgencies", "capacity", "absences", "deputy", "on_call", "last_verified", "public_keys", "login",
        "email_notices",
    ]
    static let absenceFields: Set<String> = ["from", "to"]
    static let onCallFields: Set<String> = ["days", "from", "to"]
    static let urgencies: Set<String> = ["crisis", "urgent", "normal"]

    /// Every problem of shape in the parsed file, each with its JSON path.
    static func structuralProblems(_ json: JSONValue) -> [SocialMapError] {
        var problems: [SocialMapError] = []
        // Paths are autoclosures: a national map has a million fields and only the broken ones need a path.
        func unknown(_ value: JSONValue?, _ allowed: Set<String>, _ path: @autoclosure () -> String) {
            guard let fields = value?.objectValue, fields.keys.contains(where: { !allowed.contains($0) }) else {
                return
            }
            let path = path()
            for key in fields.keys.sorted() where !allowed.contains(key) {
                problems.append(
                    SocialMapError(
                        path: path.isEmpty ? key : "\(path).\(key)", message: unknownFieldMessage(key, allowed: allowed)
                    ))
            }
        }
        func text(_ value: JSONValue?, _ path: @autoclosure () -> String, _ valid: (String) -> Bool, _ what: String) {
            guard let s = value?.stringValue else { return }
            if !valid(s) { problems.append(SocialMapError(path: path(), message: "\"\(s)\" is not \(what)")) }
        }
        func list(_ value: JSONValue?, _ path: @autoclosure () -> String, _ valid: (String) -> Bool, _ what: String) {
            guard let items = value?.arrayValue else { return }
            // Lists are short (a few domains, languages, codes): a linear look back beats hashing into a set.
            for (i, item) in items.enumerated() {
                guard let s = item.stringValue else { continue }
                if !valid(s) {
                    problems.append(SocialMapError(path: "\(path())[\(i)]", message: "\"\(s)\" is not \(what)"))
                }
                if items[..<i].contains(where: { $0.stringValue == s }) {
                    problems.append(SocialMapError(path: "\(path())[\(i)]", message: "\"\(s)\" appears twice"))
                }
            }
        }
        func nonEmpty(_ value: JSONValue?, _ path: @autoclosure () -> String) {
            if value?.stringValue == "" { problems.append(SocialMapError(path: path(), message: "must not be empty")) }
        }
        unknown(json, topFields, "")
        nonEmpty(json["name"], "name")
        if let version = json["version"]?.numberValue, version < 1 {
            problems.append(SocialMapError(path: "version", message: "must be at least 1"))
        }
        if json["domains"]?.arrayValue?.isEmpty == true {
            problems.append(SocialMapError(path: "domains", message: "needs at least one domain"))
        }
        for (i, domain) in (json["domains"]?.arrayValue ?? []).enumerated() {
            let path = "domains[\(i)]"
            unknown(domain, domainFields, path)
            text(domain["id"], "\(path).id", isDomainID, "a domain id (lower-case letters and _)")
            nonEmpty(domain["label_nl"], "\(path).label_nl")
            nonEmpty(domain["label_en"], "\(path).label_en")
        }
        for (i, municipality) in (json["municipalities"]?.arrayValue ?? []).enumerated() {
            let path = "municipalities[\(i)]"
            unknown(municipality, municipalityFields, path)
            text(municipality["code"], "\(path).code", isCBSCode, "a CBS code (GM and four digits)")
            nonEmpty(municipality["name"], "\(path).name")
        }
        for (i, org) in (json["organizations"]?.arrayValue ?? []).enumerated() {
            let path = "organizations[\(i)]"
            unknown(org, organizationFields, path)
            for field in ["name", "kind", "phone", "email"] { nonEmpty(org[field], "\(path).\(field)") }
            if org["municipalities"]?.arrayValue?.isEmpty == true {
                problems.append(SocialMapError(path: "\(path).municipalities", message: "needs at least one entry"))
            }
            list(org["municipalities"], "\(path).municipalities", { $0 == "*" || isCBSCode($0) }, "a CBS code or *")
            list(org["domains"], "\(path).domains", isDomainID, "a domain id")
            text(org["coordinator"], "\(path).coordinator", { isID($0, prefix: "contact:") }, "a contact id")
            text(org["last_verified"], "\(path).last_verified", isDate, "a date (YYYY-MM-DD)")
            if org["public_keys"]?.arrayValue?.isEmpty == true {
                problems.append(SocialMapError(path: "\(path).public_keys", message: "needs at least one key"))
            }
            list(org["public_keys"], "\(path).public_keys", isCurveKey, curveKeyDescription)
            for (j, service) in (org["services"]?.arrayValue ?? []).enumerated() {
                let servicePath = "\(path).services[\(j)]"
                unknown(service, serviceFields, servicePath)
                nonEmpty(service["id"], "\(servicePath).id")
                nonEmpty(service["name"], "\(servicePath).name")
                list(service["domains"], "\(servicePath).domains", isDomainID, "a domain id")
            }
        }
        /// A contact's on-call windows; each message names the contact, as an operator looks them up by id.
        func onCall(_ contact: JSONValue, _ path: String) {
            guard let windows = contact["on_call"]?.arrayValue else { return }
            let who = contact["id"]?.stringValue ?? path
            if windows.isEmpty {
                problems.append(
                    SocialMapError(
                        path: "\(path).on_call",
                        message: "\(who) has an empty on_call: give at least one window, or leave on_call out"))
            }
            for (j, window) in windows.enumerated() {
                let windowPath = "\(path).on_call[\(j)]"
                unknown(window, onCallFields, windowPath)
                if window["days"]?.arrayValue?.isEmpty == true {
                    problems.append(
                        SocialMapError(
                            path: "\(windowPath).days",
                            message: "\(who)'s on-call window has no days: list at least one of \(dayList)"))
                }
                let days = window["days"]?.arrayValue ?? []
                for (k, day) in days.enumerated() {
                    guard let name = day.stringValue else { continue }
                    if !OnCallWindow.isDay(name) {
                        problems.append(
                            SocialMapError(
                                path: "\(windowPath).days[\(k)]",
                                message: "\"\(name)\" is not a day for \(who)'s on-call window: write \(dayList)"))
                    } else if days[..<k].contains(day) {
                        problems.append(
                            SocialMapError(
                                path: "\(windowPath).days[\(k)]",
                                message: "\"\(name)\" appears twice in \(who)'s on-call window: list each day once"))
                    }
                }
                for end in ["from", "to"] {
                    text(
                        window[end], "\(windowPath).\(end)", OnCallWindow.isTimeOfDay,
                        "a time of day for \(who)'s on-call window: write HH:MM, from 00:00 to 23:59")
                }
            }
        }
        for (i, contact) in (json["contacts"]?.arrayValue ?? []).enumerated() {
            let path = "contacts[\(i)]"
            unknown(contact, contactFields, path)
            for field in ["name", "role", "phone", "email"] { nonEmpty(contact[field], "\(path).\(field)") }
            text(contact["organization"], "\(path).organization", { isID($0, prefix: "org:") }, "an organization id")
            text(contact["deputy"], "\(path).deputy", { isID($0, prefix: "contact:") }, "a contact id")
            text(contact["last_verified"], "\(path).last_verified", isDate, "a date (YYYY-MM-DD)")
            if contact["public_keys"]?.arrayValue?.isEmpty == true {
                problems.append(SocialMapError(path: "\(path).public_keys", message: "needs at least one key"))
            }
            list(contact["public_keys"], "\(path).public_keys", isCurveKey, curveKeyDescription)
            list(contact["domains"], "\(path).domains", isDomainID, "a domain id")
            if contact["municipalities"]?.arrayValue?.isEmpty == true {
                problems.append(SocialMapError(path: "\(path).municipalities", message: "needs at least one entry"))
            }
            list(contact["municipalities"], "\(path).municipalities", isCBSCode, "a CBS code (GM and four digits)")
            list(contact["languages"], "\(path).languages", isLanguage, "a language tag such as nl or ar")
            list(contact["urgencies"], "\(path).urgencies", urgencies.contains, "crisis, urgent or normal")
            for (j, absence) in (contact["absences"]?.arrayValue ?? []).enumerated() {
                let absencePath = "\(path).absences[\(j)]"
                unknown(absence, absenceFields, absencePath)
                for end in ["from", "to"] {
                    text(absence[end], "\(absencePath).\(end)", isMoment, "an RFC 3339 time or a date")
                }
            }
            onCall(contact, path)
            nonEmpty(contact["login"], "\(path).login")
        }
        for (i, desk) in (json["desks"]?.arrayValue ?? []).enumerated() {
            let path = "desks[\(i)]"
            unknown(desk, deskFields, path)
            text(desk["id"], "\(path).id", { isID($0, prefix: "desk:") }, "a desk id (desk: and a lowercase name)")
            if desk["organizations"]?.arrayValue?.isEmpty == true {
                problems.append(SocialMapError(path: "\(path).organizations", message: "needs at least one entry"))
            }
            list(desk["organizations"], "\(path).organizations", { isID($0, prefix: "org:") }, "an organization id")
            if desk["public_keys"]?.arrayValue?.isEmpty == true {
                problems.append(SocialMapError(path: "\(path).public_keys", message: "needs at least one key"))
            }
            list(desk["public_keys"], "\(path).public_keys", isCurveKey, curveKeyDescription)
            text(desk["portal"], "\(path).portal", { isID($0, prefix: "portal:") }, "a portal id (portal: and a name)")
        }
        for (i, portal) in (json["portals"]?.arrayValue ?? []).enumerated() {
            let path = "portals[\(i)]"
            unknown(portal, portalFields, path)
            text(portal["id"], "\(path).id", { isID($0, prefix: "portal:") }, "a portal id (portal: and a name)")
            nonEmpty(portal["name"], "\(path).name")
            if portal["public_keys"]?.arrayValue?.isEmpty == true {
                problems.append(SocialMapError(path: "\(path).public_keys", message: "needs at least one key"))
            }
            list(portal["public_keys"], "\(path).public_keys", isCurveKey, curveKeyDescription)
        }
        return problems
    }

    /// The days an on-call window may name, as its messages list them.
    static let dayList = "mon, tue, wed, thu, fri, sat or sun"

    static let curveKeyDescription = "a CURVE public key in Z85 (40 characters, as schakelctl keygen prints it)"

    /// A Z85-encoded 32-byte key (ZeroMQ RFC 32): 40 characters of the Z85 alphabet, each 5-character group a value
    /// below 2^32. Pure Swift, so the domain checks keys without libzmq.
    public static func isCurveKey(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count == 40 else { return false }
        var group: UInt64 = 0
        for (i, byte) in b.enumerated() {
            guard let digit = z85Digits[byte] else { return false }
            group = group * 85 + UInt64(digit)
            if i % 5 == 4 {
                guard group <= UInt64(UInt32.max) else { return false }
                group = 0
            }
        }
        return true
    }

    private static let z85Digits: [UInt8: Int] = Dictionary(
        uniqueKeysWithValues: Array(
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8
        ).enumerated().map { ($0.element, $0.offset) })

    static func isCBSCode(_ s: String) -> Bool {
        utf8(s) { b in
            b.count == 6 && b[0] == UInt8(ascii: "G") && b[1] == UInt8(ascii: "M") && b[2...].allSatisfy(isDigit)
        }
    }

    /// `^(org|contact):[a-z0-9][a-z0-9-]{0,99}$` for the given prefix.
    static func isID(_ s: String, prefix: String) -> Bool {
        guard s.hasPrefix(prefix) else { return false }
        return utf8(s) { b in
            let rest = b.dropFirst(prefix.utf8.count)
            guard let first = rest.first, rest.count <= 100, isLowerOrDigit(first) else { return false }
            return rest.allSatisfy { isLowerOrDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// `^[a-z][a-z_]*$`, at most 64 characters.
    static func isDomainID(_ s: String) -> Bool {
        utf8(s) { b in
            guard let first = b.first, b.count <= 64, isLower(first) else { return false }
            return b.allSatisfy { isLower($0) || $0 == UInt8(ascii: "_") }
        }
    }

    /// `^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`
    static func isLanguage(_ s: String) -> Bool {
        // One pass over the bytes: splitting into arrays cost more than the rest of a contact's checks.
        utf8(s) { b in
            var length = 0  // of the part being read
            var first = true  // whether that is the language, before any '-'
            for byte in b {
                if byte == UInt8(ascii: "-") {
                    guard first ? (2...3).contains(length) : (2...8).contains(length) else { return false }
                    first = false
                    length = 0
                } else {
                    guard isLetter(byte) || (!first && isDigit(byte)) else { return false }
                    length += 1
                }
            }
            return first ? (2...3).contains(length) : (2...8).contains(length)
        }
    }

    /// `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
    static func isDate(_ s: String) -> Bool {
        utf8(s) { b in
            b.count == 10 && b[4] == UInt8(ascii: "-") && b[7] == UInt8(ascii: "-")
                && b.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 || isDigit($0.element) }
        }
    }

    static func isMoment(_ s: String) -> Bool {
        isDate(s) ? Absence.moment(s, endOfDay: false) != nil : RFC3339.parse(s) != nil
    }

    /// `body` over the UTF-8 of `s` in place: the checks run for every field of a national map, and copying each
    /// string into an array first was most of their cost.
    private static func utf8(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var s = s
        return s.withUTF8(body)
    }

    private static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    private static func isLower(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b) }
    private static func isLetter(_ b: UInt8) -> Bool { isLower(b) || (0x41...0x5A).contains(b) }
    private static func isLowerOrDigit(_ b: UInt8) -> Bool { isLower(b) || isDigit(b) }
}
