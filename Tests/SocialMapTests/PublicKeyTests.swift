import Foundation
import SchakelProtocol
import SocialMap
import Testing

/// CURVE public keys on the social map: who a key is, who may act for whom, and the problems a key can have.
@Suite struct PublicKeyTests {
    static let keyA = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
    static let keyB = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let keyC = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

    /// The demo map as JSON with `change` applied.
    static func map(_ change: (inout [String: JSONValue]) throws -> Void) throws -> Data {
        var json = try #require(try JSONValue.parse(Data(contentsOf: DemoMapTests.demoURL)).objectValue)
        try change(&json)
        return JSONValue.object(json).canonicalData()
    }

    /// Sets `field` on the organisation or contact with `id`.
    static func set(_ json: inout [String: JSONValue], _ id: String, _ field: String, _ value: JSONValue) throws {
        let list = id.hasPrefix("org:") ? "organizations" : "contacts"
        var entries = try #require(json[list]?.arrayValue)
        let index = try #require(entries.firstIndex { $0["id"]?.stringValue == id })
        var entry = try #require(entries[index].objectValue)
        entry[field] = value
        entries[index] = .object(entry)
        json[list] = .array(entries)
    }

    static func index(of id: String) throws -> String {
        let json = try #require(try JSONValue.parse(Data(contentsOf: DemoMapTests.demoURL)).objectValue)
        let list = id.hasPrefix("org:") ? "organizations" : "contacts"
        let entries = try #require(json[list]?.arrayValue)
        return "\(list)[\(try #require(entries.firstIndex { $0["id"]?.stringValue == id }))]"
    }

    @Test func aListedKeyNamesItsPrincipalAndAnUnlistedOneNobody() throws {
        let data = try Self.map { json in
            try Self.set(&json, "org:huisarts-de-brug", "public_keys", [.string(Self.keyA), .string(Self.keyB)])
            try Self.set(&json, "contact:schuldhulp-anna", "public_keys", [.string(Self.keyC)])
        }
        let map = try SocialMap(data: data)
        #expect(map.principal(forKey: Self.keyA) == "org:huisarts-de-brug")
        #expect(map.principal(forKey: Self.keyB) == "org:huisarts-de-brug")
        #expect(map.principal(forKey: Self.keyC) == "contact:schuldhulp-anna")
        #expect(map.principal(forKey: "0000000000000000000000000000000000000000") == nil)
    }

    @Test func anAdapterActsForItsOwnContactsOnlyWithTheFlag() throws {
        let without = try SocialMap(data: try Self.map { _ in })
        #expect(without.allowsSession(authenticated: "org:schuldhulp-utrecht", as: "org:schuldhulp-utrecht"))
        #expect(!without.allowsSession(authenticated: "org:schuldhulp-utrecht", as: "contact:schuldhulp-anna"))
        #expect(!without.allowsSession(authenticated: "org:schuldhulp-utrecht", as: "org:huisarts-de-brug"))
        #expect(!without.allowsSession(authenticated: "contact:schuldhulp-anna", as: "org:schuldhulp-utrecht"))
        #expect(!without.allowsSession(authenticated: "contact:schuldhulp-anna", as: "contact:wonen-bram"))

        let with = try SocialMap(
            data: try Self.map { json in
                try Self.set(&json, "org:schuldhulp-utrecht", "adapter_acts_for_contacts", .bool(true))
            })
        #expect(with.allowsSession(authenticated: "org:schuldhulp-utrecht", as: "contact:schuldhulp-anna"))
        #expect(!with.allowsSession(authenticated: "org:schuldhulp-utrecht", as: "contact:wonen-bram"))
        #expect(!with.allowsSession(authenticated: "org:schuldhulp-utrecht", as: "org:huisarts-de-brug"))
        #expect(!with.allowsSession(authenticated: "contact:schuldhulp-anna", as: "org:schuldhulp-utrecht"))
        #expect(!with.allowsSession(authenticated: "org:nobody", as: "org:nobody"))
    }

    @Test(arguments: [
        ("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hI", "39 characters"),
        ("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hI~", "a tilde, outside Z85"),
        ("#####Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[Ia", "a group above 32 bits"),
    ])
    func aMalformedKeyIsAProblemAtItsPath(key: String, why: String) throws {
        let data = try Self.map { json in
            try Self.set(&json, "contact:schuldhulp-anna", "public_keys", [.string(Self.keyA), .string(key)])
        }
        let problems = SocialMap.problems(data: data)
        let path = "\(try Self.index(of: "contact:schuldhulp-anna")).public_keys[1]"
        #expect(problems.map(\.path) == [path], "\(why)")
        #expect(problems.first?.message.contains("CURVE public key in Z85") == true, "\(why)")
        #expect(!SocialMap.isCurveKey(key), "\(why)")
    }

    @Test func aKeyListedForTwoPrincipalsIsAProblemAtTheSecond() throws {
        let data = try Self.map { json in
            try Self.set(&json, "org:huisarts-de-brug", "public_keys", [.string(Self.keyA)])
            try Self.set(&json, "contact:schuldhulp-anna", "public_keys", [.string(Self.keyB), .string(Self.keyA)])
        }
        let problems = SocialMap.problems(data: data)
        let organisation = try Self.index(of: "org:huisarts-de-brug")
        #expect(problems.map(\.path) == ["\(try Self.index(of: "contact:schuldhulp-anna")).public_keys[1]"])
        #expect(problems.first?.message.contains("already listed for org:huisarts-de-brug at \(organisation)") == true)
        #expect(throws: SocialMapError.self) { try SocialMap(data: data) }
    }

    @Test func aKeyListedTwiceForOnePrincipalAndAnEmptyListAreProblems() throws {
        let twice = try Self.map { json in
            try Self.set(&json, "org:huisarts-de-brug", "public_keys", [.string(Self.keyA), .string(Self.keyA)])
        }
        let organisation = try Self.index(of: "org:huisarts-de-brug")
        #expect(SocialMap.problems(data: twice).map(\.path) == ["\(organisation).public_keys[1]"])
        let empty = try Self.map { json in try Self.set(&json, "org:huisarts-de-brug", "public_keys", []) }
        #expect(SocialMap.problems(data: empty).map(\.path) == ["\(organisation).public_keys"])
        let notABool = try Self.map { json in
            try Self.set(&json, "org:huisarts-de-brug", "adapter_acts_for_contacts", "yes")
        }
        #expect(SocialMap.problems(data: notABool).first?.path == "\(organisation).adapter_acts_for_contacts")
    }

    @Test func socialmapCheckWarnsOfAnActingAdapterWithoutAKey() throws {
        let data = try Self.map { json in
            try Self.set(&json, "org:schuldhulp-utrecht", "adapter_acts_for_contacts", .bool(true))
        }
        let findings = MapCheck.findings(data: data, today: "2026-11-23").filter {
            $0.path.hasSuffix("adapter_acts_for_contacts")
        }
        #expect(findings.count == 1)
        #expect(findings.first?.severity == .warning)
    }
}
