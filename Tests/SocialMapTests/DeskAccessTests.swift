import Foundation
import SchakelProtocol
import SocialMap
import Testing

/// The desk on the social map: its key acts for the contacts of the organisations it serves and nobody else, and
/// a login names exactly one person.
@Suite struct DeskAccessTests {
    static func map(desks: JSONValue, change: (inout [String: JSONValue]) throws -> Void = { _ in }) throws -> Data {
        try PublicKeyTests.map { json in
            json["desks"] = desks
            try change(&json)
        }
    }

    static func desk(_ id: String, _ organizations: [String], keys: [String]? = nil) -> JSONValue {
        var entry: [String: JSONValue] = [
            "id": .string(id), "organizations": .array(organizations.map { .string($0) }),
        ]
        if let keys { entry["public_keys"] = .array(keys.map { .string($0) }) }
        return .object(entry)
    }

    @Test func aDeskKeyActsForTheContactsOfTheOrganisationsItServesOnly() throws {
        let data = try Self.map(
            desks: [Self.desk("desk:lekstroom", ["org:schuldhulp-utrecht"], keys: [PublicKeyTests.keyA])])
        let map = try SocialMap(data: data)
        #expect(map.principal(forKey: PublicKeyTests.keyA) == "desk:lekstroom")
        #expect(map.allowsSession(authenticated: "desk:lekstroom", as: "contact:schuldhulp-anna"))
        #expect(map.allowsSession(authenticated: "desk:lekstroom", as: "contact:schuldhulp-joost"))
        #expect(!map.allowsSession(authenticated: "desk:lekstroom", as: "contact:wonen-bram"))
        #expect(!map.allowsSession(authenticated: "desk:lekstroom", as: "org:schuldhulp-utrecht"))
        #expect(!map.allowsSession(authenticated: "desk:lekstroom", as: "desk:lekstroom"))
        #expect(!map.allowsSession(authenticated: "desk:other", as: "contact:schuldhulp-anna"))
    }

    @Test func aDeskKeyIsOneDesksOnly() throws {
        let data = try Self.map(
            desks: [Self.desk("desk:lekstroom", ["org:schuldhulp-utrecht"], keys: [PublicKeyTests.keyA])]
        ) { json in
            try PublicKeyTests.set(&json, "contact:wonen-bram", "public_keys", [.string(PublicKeyTests.keyA)])
        }
        let problems = SocialMap.problems(data: data)
        #expect(problems.contains { $0.path == "desks[0].public_keys[0]" && $0.message.contains("already listed") })
    }

    @Test func aDeskNamesOrganisationsOfTheMapAndADeskID() throws {
        let unknown = try Self.map(desks: [Self.desk("desk:lekstroom", ["org:nowhere"])])
        #expect(
            SocialMap.problems(data: unknown).map(\.description) == [
                "desks[0].organizations[0]: no organization \"org:nowhere\" on the map"
            ])
        let badID = try Self.map(desks: [Self.desk("org:lekstroom", ["org:schuldhulp-utrecht"])])
        #expect(SocialMap.problems(data: badID).first?.path == "desks[0].id")
        let empty = try Self.map(desks: [Self.desk("desk:lekstroom", [])])
        #expect(SocialMap.problems(data: empty).first?.path == "desks[0].organizations")
    }

    @Test func aLoginNamesOnePersonAndFindsThem() throws {
        let map = try SocialMap(data: try Self.map(desks: []))
        #expect(map.contact(login: "anna.visser")?.id == "contact:schuldhulp-anna")
        #expect(map.contact(login: "nobody") == nil)
        let twice = try Self.map(desks: []) { json in
            try PublicKeyTests.set(&json, "contact:wonen-bram", "login", "anna.visser")
        }
        let problems = SocialMap.problems(data: twice)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("already the login of contact:schuldhulp-anna") == true)
    }
}
