import Foundation

/// Reads the bytes of a social map straight into a ``SocialMapDocument``: no `JSONValue` tree, no Codable.
///
/// The strict parser, the shape checks over its tree and the decoder from the tree took two thirds of loading the
/// national map (28 MiB, 100,000 contacts). This reader does the common case, a file that loads, in one pass over
/// the bytes. It is only a shortcut: on anything it is not sure of (a key it does not know or has seen before in
/// the same object, a key with an escape, a null, a number that is not a plain integer, a wrong type, a missing
/// field, a problem of shape) it gives up and returns nil, and the caller takes the strict path, which finds the
/// problem and reports it with its JSON path exactly as before. So it must never accept a file the strict path
/// refuses, and for a file it accepts it must give the document the strict path gives (`SocialMapReaderTests`
/// holds it to both); refusing a file the strict path accepts only costs time.
struct SocialMapReader {
    /// Why the reader gave up: nothing more, the strict path says what is wrong.
    struct GiveUp: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// Reused for strings with escapes.
    private var scratch: [UInt8] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The document in `data` when it is well-formed, well-typed and well-shaped; nil when the strict path must look.
    static func read(_ data: Data) -> SocialMapDocument? {
        let document: SocialMapDocument? = data.withUnsafeBytes { raw in
            var reader = SocialMapReader(bytes: raw.bindMemory(to: UInt8.self))
            do throws(GiveUp) {
                return try reader.document()
            } catch {
                return nil
            }
        }
        guard let document, isWellShaped(document) else { return nil }
        return document
    }

    // MARK: The map's objects

    private static let topKeys = Keys([
        "version", "name", "description", "domains", "municipalities", "organizations", "contacts", "desks",
        "portals",
    ])

    private mutating func document() throws(GiveUp) -> SocialMapDocument {
        var version = 0
        var name = ""
        var description: String?
        var domains: [SocialMapDocument.Domain] = []
        var municipalities: [SocialMapDocument.Municipality] = []
        var organizations: [Organization] = []
        var contacts: [ContactPerson] = []
        var desks: [DeskAccess]?
        var portals: [PortalAccess]?
        skipWhitespace()
        try expect(UInt8(ascii: "{"))
        var seen: UInt32 = 0
        while let key = try nextKey(Self.topKeys, &seen) {
            switch key {
            case 0: version = try integer()
            case 1: name = try string()
            case 2: description = try string()
            case 3: domains = try objects { reader throws(GiveUp) in try reader.domain() }
            case 4: municipalities = try objects { reader throws(GiveUp) in try reader.municipality() }
            case 5: organizations = try objects { reader throws(GiveUp) in try reader.organization() }
            case 6: contacts = try objects { reader throws(GiveUp) in try reader.contact() }
            case 7: desks = try objects { reader throws(GiveUp) in try reader.desk() }
            default: portals = try objects { reader throws(GiveUp) in try reader.portal() }
            }
        }
        try require(seen, all: [0, 1, 3, 4, 5, 6])
        skipWhitespace()
        guard index == bytes.count else { throw GiveUp() }
        return SocialMapDocument(
            version: version, name: name, description: description, domains: domains,
            municipalities: municipalities, organizations: organizations, contacts: contacts, desks: desks,
            portals: portals)
    }

    private static let deskKeys = Keys(["id", "organizations", "public_keys", "portal"])

    private mutating func desk() throws(GiveUp) -> DeskAccess {
        var desk = DeskAccess(id: "", organizations: [])
        var seen: UInt32 = 0
        while let key = try nextKey(Self.deskKeys, &seen) {
            switch key {
            case 0: desk.id = try string()
            case 1: desk.organizations = try strings()
            case 2: desk.publicKeys = try strings()
            default: desk.portal = try string()
            }
        }
        try require(seen, all: [0, 1])
        return desk
    }

    private static let portalKeys = Keys(["id", "name", "public_keys"])

    private mutating func portal() throws(GiveUp) -> PortalAccess {
        var portal = PortalAccess(id: "", name: "")
        var seen: UInt32 = 0
        while let key = try nextKey(Self.portalKeys, &seen) {
            switch key {
            case 0: portal.id = try string()
            case 1: portal.name = try string()
            default: portal.publicKeys = try strings()
            }
        }
        try require(seen, all: [0, 1])
        return portal
    }

    private static let domainKeys = Keys(["id", "label_nl", "label_en"])

    private mutating func domain() throws(GiveUp) -> SocialMapDocument.Domain {
        var id = ""
        var labelNL = ""
        var labelEN = ""
        var seen: UInt32 = 0
        while let key = try nextKey(Self.domainKeys, &seen) {
            switch key {
            case 0: id = try string()
            case 1: labelNL = try string()
            default: labelEN = try string()
            }
        }
        try require(seen, all: [0, 1, 2])
        return SocialMapDocument.Domain(id: id, labelNL: labelNL, labelEN: labelEN)
    }

    private static let municipalityKeys = Keys(["code", "name"])

    private mutating func municipality() throws(GiveUp) -> SocialMapDocument.Municipality {
        var code = ""
        var name = ""
        var seen: UInt32 = 0
        while let key = try nextKey(Self.municipalityKeys, &seen) {
            switch key {
            case 0: code = try string()
            default: name = try string()
            }
        }
        try require(seen, all: [0, 1])
        return SocialMapDocument.Municipality(code: code, name: name)
    }

    private static let organizationKeys = Keys([
        "id", "name", "kind", "municipalities", "domains", "phone", "email", "coordinator", "services",
        "last_verified", "public_keys", "adapter_acts_for_contacts",
    ])

    private mutating func organization() throws(GiveUp) -> Organization {
        var org = Organization(id: "", name: "", kind: "", municipalities: [], domains: [])
        var seen: UInt32 = 0
        while let key = try nextKey(Self.organizationKeys, &seen) {
            switch key {
            case 0: org.id = try string()
            case 1: org.name = try string()
            case 2: org.kind = try string()
            case 3: org.municipalities = try strings()
            case 4: org.domains = try strings()
            case 5: org.phone = try string()
            case 6: org.email = try string()
            case 7: org.coordinator = try string()
            case 8: org.services = try objects { reader throws(GiveUp) in try reader.service() }
            case 9: org.lastVerified = try string()
            case 10: org.publicKeys = try strings()
            default: org.adapterActsForContacts = try bool()
            }
        }
        try require(seen, all: [0, 1, 2, 3, 4])
        return org
    }

    private static let serviceKeys = Keys(["id", "name", "domains", "description"])

    private mutating func service() throws(GiveUp) -> Service {
        var service = Service(id: "", name: "", domains: [])
        var seen: UInt32 = 0
        while let key = try nextKey(Self.serviceKeys, &seen) {
            switch key {
            case 0: service.id = try string()
            case 1: service.name = try string()
            case 2: service.domains = try strings()
            default: service.description = try string()
            }
        }
        try require(seen, all: [0, 1, 2])
        return service
    }

    private static let contactKeys = Keys([
        "id", "organization", "name", "role", "phone", "email", "domains", "municipalities", "languages",
        "urgencies", "capacity", "absences", "deputy", "last_verified", "public_keys", "on_call", "login",
        "email_notices",
    ])

    private mutating func contact() throws(GiveUp) -> ContactPerson {
        var contact = ContactPerson(
            id: "", organization: "", name: "", phone: "", email: "", domains: [], languages: [], capacity: 0)
        var seen: UInt32 = 0
        while let key = try nextKey(Self.contactKeys, &seen) {
            switch key {
            case 0: contact.id = try string()
            case 1: contact.organization = try string()
            case 2: contact.name = try string()
            case 3: contact.role = try string()
            case 4: contact.phone = try string()
            case 5: contact.email = try string()
            case 6: contact.domains = try strings()
            case 7: contact.municipalities = try strings()
            case 8: contact.languages = try strings()
            case 9: contact.urgencies = try strings()
            case 10: contact.capacity = try integer()
            case 11: contact.absences = try objects { reader throws(GiveUp) in try reader.absence() }
            case 12: contact.deputy = try string()
            case 13: contact.lastVerified = try string()
            case 14: contact.publicKeys = try strings()
            case 15: contact.onCall = try objects { reader throws(GiveUp) in try reader.onCallWindow() }
            case 16: contact.login = try string()
            default: contact.emailNotices = try bool()
            }
        }
        try require(seen, all: [0, 1, 2, 4, 5, 6, 8, 10])
        return contact
    }

    private static let absenceKeys = Keys(["from", "to"])

    private mutating func absence() throws(GiveUp) -> Absence {
        var from = ""
        var to = ""
        var seen: UInt32 = 0
        while let key = try nextKey(Self.absenceKeys, &seen) {
            switch key {
            case 0: from = try string()
            default: to = try string()
            }
        }
        try require(seen, all: [0, 1])
        return Absence(from: from, to: to)
    }

    private static let onCallKeys = Keys(["days", "from", "to"])

    private mutating func onCallWindow() throws(GiveUp) -> OnCallWindow {
        var window = OnCallWindow(days: [], from: "", to: "")
        var seen: UInt32 = 0
        while let key = try nextKey(Self.onCallKeys, &seen) {
            switch key {
            case 0: window.days = try strings()
            case 1: window.from = try string()
            default: window.to = try string()
            }
        }
        try require(seen, all: [0, 1, 2])
        return window
    }
}

// MARK: JSON, the strict parser's way

extension SocialMapReader {
    /// The keys of one kind of object, as bytes, each with its place.
    struct Keys {
        let names: [[UInt8]]

        init(_ names: [String]) {
            self.names = names.map { Array($0.utf8) }
        }

        /// The place of `key` in the list, or nil for a key this kind of object does not have.
        func place(of key: UnsafeBufferPointer<UInt8>) -> Int? {
            search: for (place, name) in names.enumerated() where name.count == key.count {
                for i in 0..<key.count where name[i] != key[i] { continue search }
                return place
            }
            return nil
        }
    }

    /// Gives up unless every key in `places` was seen: a required field is missing.
    private func require(_ seen: UInt32, all places: [Int]) throws(GiveUp) {
        for place in places where seen & (1 << UInt32(place)) == 0 { throw GiveUp() }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(GiveUp) {
        guard index < bytes.count, bytes[index] == byte else { throw GiveUp() }
        index += 1
    }

    /// After an object's `{`, or after a value in it: the place of the next key (with the `:` after it read), or
    /// nil once the closing `}` is read. Gives up on a key that is not in `keys`, that has an escape or that was
    /// seen before in this object (the strict parser refuses a duplicate key; a key it holds equal to a known one
    /// but spelt otherwise would need an escape or non-ASCII bytes, which no known key has).
    private mutating func nextKey(_ keys: Keys, _ seen: inout UInt32) throws(GiveUp) -> Int? {
        skipWhitespace()
        guard index < bytes.count else { throw GiveUp() }
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            return nil
        }
        if seen != 0 {
            try expect(UInt8(ascii: ","))
            skipWhitespace()
        }
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            guard bytes[index] != UInt8(ascii: "\\") else { throw GiveUp() }
            index += 1
        }
        guard index < bytes.count, let place = keys.place(of: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        else { throw GiveUp() }
        index += 1
        let bit: UInt32 = 1 << UInt32(place)
        guard seen & bit == 0 else { throw GiveUp() }
        seen |= bit
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
        skipWhitespace()
        return place
    }

    /// An array whose items `item` reads, each after the whitespace before it.
    private mutating func array<Item>(_ item: (inout Self) throws(GiveUp) -> Item) throws(GiveUp) -> [Item] {
        try expect(UInt8(ascii: "["))
        var items: [Item] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return items
        }
        while true {
            skipWhitespace()
            items.append(try item(&self))
            skipWhitespace()
            guard index < bytes.count else { throw GiveUp() }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"))
            return items
        }
    }

    /// An array of objects, each read by `object` from after its `{`.
    private mutating func objects<Item>(_ object: (inout Self) throws(GiveUp) -> Item) throws(GiveUp) -> [Item] {
        try array { reader throws(GiveUp) in
            try reader.expect(UInt8(ascii: "{"))
            return try object(&reader)
        }
    }

    private mutating func strings() throws(GiveUp) -> [String] {
        try array { reader throws(GiveUp) in try reader.string() }
    }

    /// `true` or `false`.
    private mutating func bool() throws(GiveUp) -> Bool {
        if matches("true") { return true }
        if matches("false") { return false }
        throw GiveUp()
    }

    private mutating func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count, memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else {
            return false
        }
        index += count
        return true
    }

    /// A plain non-negative integer of up to 15 digits (exact in the `Double` the strict path goes through): `0`
    /// or no leading zero, no sign, fraction or exponent. Anything else, even an integral `2.0` the strict path
    /// takes, gives up.
    private mutating func integer() throws(GiveUp) -> Int {
        let start = index
        var value = 0
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 {
            value = value * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
            index += 1
            guard index - start <= 15 else { throw GiveUp() }
        }
        let digits = index - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { throw GiveUp() }
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): throw GiveUp()
            default: break
            }
        }
        return value
    }

    /// A string, its UTF-8 validated as the strict parser does; escapes decoded as it does, except that a `\u`
    /// surrogate gives up.
    private mutating func string() throws(GiveUp) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        var nonASCII: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let buffer = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII is valid UTF-8 as it is, and decoding it is much cheaper than the generic validation.
                if nonASCII < 0x80 { return String(decoding: buffer, as: UTF8.self) }
                guard let text = String(validating: buffer, as: UTF8.self) else { throw GiveUp() }
                return text
            }
            nonASCII |= byte
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw GiveUp() }
            index += 1
        }
        guard index < bytes.count else { throw GiveUp() }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: scratch, as: UTF8.self) else { throw GiveUp() }
                return text
            case UInt8(ascii: "\\"):
                try escape()
            case 0..<0x20:
                throw GiveUp()
            default:
                scratch.append(byte)
                index += 1
            }
        }
        throw GiveUp()
    }

    /// One escape starting at the backslash, appended to `scratch` as UTF-8.
    private mutating func escape() throws(GiveUp) {
        index += 1
        guard index < bytes.count else { throw GiveUp() }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            guard bytes.count - index >= 4 else { throw GiveUp() }
            var scalar: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw GiveUp()
                }
                scalar = scalar << 4 | UInt32(digit)
                index += 1
            }
            // Surrogate pairs are rare in a map; the strict parser's rules for them stay in one place.
            guard let unicode = Unicode.Scalar(scalar) else { throw GiveUp() }
            UTF8.encode(unicode) { scratch.append($0) }
        default:
            throw GiveUp()
        }
    }
}
