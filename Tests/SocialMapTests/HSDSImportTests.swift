import Foundation
import SchakelProtocol
import SocialMap
import Testing

/// RFC 4180 as the tabular HSDS form needs it.
@Suite struct CSVTests {
    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let text = "id,name,description\r\n1,\"De Brug, Utrecht\",\"says \"\"hi\"\"\r\nand bye\"\r\n2,Plain,\r\n"
        let rows = try CSV.parse(Data(text.utf8))
        #expect(
            rows == [
                ["id", "name", "description"], ["1", "De Brug, Utrecht", "says \"hi\"\r\nand bye"], ["2", "Plain", ""],
            ])
    }

    @Test func lineFeedsAByteOrderMarkAndNoFinalNewlineAreFine() throws {
        let rows = try CSV.records(Data("\u{FEFF}id,name\n1,a\n\n2,\"b\"".utf8))
        #expect(rows == [["id": "1", "name": "a"], ["id": "2", "name": "b"]])
    }

    @Test func anUnclosedQuoteOrStrayQuoteIsAnErrorWithItsLine() {
        #expect(throws: CSV.ParseError.self) { try CSV.parse(Data("id\n\"open".utf8)) }
        #expect(throws: CSV.ParseError(line: 2, message: "a quote inside an unquoted field")) {
            try CSV.parse(Data("id\nab\"c".utf8))
        }
        #expect(throws: CSV.ParseError.self) { try CSV.parse(Data("\"a\"b,c".utf8)) }
        #expect(throws: CSV.ParseError.self) { try CSV.records(Data("a,b\n1,2,3\n".utf8)) }
    }
}

/// `schakelctl socialmap import-hsds` on the fictional Lekstroom publication in Fixtures/, written from the HSDS 3.0
/// specification in both forms.
@Suite struct HSDSImportTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func jsonForm() throws -> HSDSImport.Result {
        let tables = try HSDSTables.json(
            Data(contentsOf: fixtures.appendingPathComponent("hsds-json/organizations.json")))
        return HSDSImport.map(tables, name: "Lekstroom")
    }

    static func tabularForm() throws -> HSDSImport.Result {
        let base = fixtures.appendingPathComponent("hsds-tabular")
        let tables = try HSDSTables.tabular(
            datapackage: Data(contentsOf: base.appendingPathComponent("datapackage.json"))
        ) {
            try? Data(contentsOf: base.appendingPathComponent($0))
        }
        return HSDSImport.map(tables, name: "Lekstroom")
    }

    @Test func bothFormsImportToTheSameMapAndReport() throws {
        let (json, tabular) = (try Self.jsonForm(), try Self.tabularForm())
        #expect(json.document == tabular.document)
        #expect(json.notes == tabular.notes)
        #expect(json.document.organizations.count == 4)
        #expect(json.document.contacts.count == 5)
    }

    @Test func theImportedMapLoadsWithWarningsOnly() throws {
        let document = try Self.jsonForm().document
        let findings = MapCheck.findings(data: try JSONEncoder().encode(document), today: "2026-11-23")
        #expect(MapCheck.exitCode(findings) == 1, "\(findings)")
        #expect(findings.contains { $0.message.contains("not a direct line") })
        _ = try SocialMap(document: document)
    }

    @Test func termsKeywordsAreasPhonesAndLanguagesMapAsDocumented() throws {
        let document = try Self.jsonForm().document
        let organizations = Dictionary(uniqueKeysWithValues: document.organizations.map { ($0.id, $0) })
        let contacts = Dictionary(uniqueKeysWithValues: document.contacts.map { ($0.id, $0) })
        // A taxonomy code in the vocabulary; CBS codes from uri, extent and name.
        #expect(organizations["org:stichting-schuldhulp-lekstroom"]?.domains == ["debt"])
        #expect(organizations["org:stichting-schuldhulp-lekstroom"]?.municipalities == ["GM0344", "GM0356"])
        // A keyword in the service name ("Woonbegeleiding"), a keyword in a foreign taxonomy ("Legal Assistance").
        #expect(organizations["org:woonbond-lekstroom"]?.domains == ["housing"])
        #expect(organizations["org:juridisch-loket"]?.domains == ["legal"])
        #expect(organizations["org:juridisch-loket"]?.municipalities == ["*"])
        #expect(organizations["org:woonbond-lekstroom"]?.lastVerified == "2025-06-01")
        // Phone languages, the contact's own phone, the organisation's as a fallback, the location's area.
        #expect(contacts["contact:anna-visser"]?.languages == ["nl", "en"])
        #expect(contacts["contact:anna-visser"]?.phone == "+31 30 000 1001")
        #expect(contacts["contact:carla-de-wit"]?.phone == "+31 30 000 1200")
        #expect(contacts["contact:carla-de-wit"]?.municipalities == ["GM0321"])
        #expect(contacts["contact:bram-smit"]?.municipalities == nil)
        #expect(contacts["contact:dewi-kusuma"]?.capacity == HSDSImport.defaultCapacity)
        #expect(document.municipalities.map(\.name) == ["Houten", "Utrecht", "Nieuwegein"])
    }

    @Test func whatCannotBeMappedIsReported() throws {
        let notes = try Self.jsonForm().notes.map(\.description)
        #expect(notes.contains { $0.contains("\"Receptie\": no domain") })
        #expect(notes.contains { $0.contains("\"Koffie-ochtend\": no domain") })
        #expect(notes.contains { $0.contains("\"Huurteam\": no service area") })
        #expect(notes.contains { $0.contains("\"Regio Lekstroom\": not a CBS municipality code") })
        #expect(notes.contains { $0.contains("\"Buurthuis De Linde\": no service that maps") })
        #expect(notes.count == 5)
    }

    @Test func aBrokenPublicationIsAFailureNotACrash() {
        #expect(throws: HSDSImport.Failure.self) { try HSDSTables.json(Data("{".utf8)) }
        #expect(throws: HSDSImport.Failure.self) { try HSDSTables.json(Data("{\"x\": 1}".utf8)) }
        #expect(throws: HSDSImport.Failure.self) {
            try HSDSTables.tabular(datapackage: Data("{}".utf8)) { _ in Data("id,name\n\"1,a\n".utf8) }
        }
    }
}

/// The HSDS 3.0 API's two ways of serving a publication, and a tabular package that lacks a table.
@Suite struct HSDSAPIFormTests {
    static func json(_ file: String) throws -> HSDSImport.Result {
        let tables = try HSDSTables.json(
            Data(contentsOf: HSDSImportTests.fixtures.appendingPathComponent("hsds-json/\(file)")))
        return HSDSImport.map(tables, name: "Lekstroom")
    }

    /// `/services` nests each service's organization (and its areas, contacts, attributes): it reads as the same
    /// publication as `/organizations?full_service=true`, not as organizations without services.
    @Test func theServicesPageImportsTheSameMapAsTheOrganizations() throws {
        let organizations = try HSDSImportTests.jsonForm()
        let services = try Self.json("services.json")
        #expect(services.document.organizations.count == 4)
        #expect(services.document.contacts.count == 5)
        #expect(services.document == organizations.document)
        #expect(services.notes == organizations.notes)
    }

    @Test func aPageOfOrganizationsImportsTheSameMapAsTheArray() throws {
        let page = try Self.json("organizations-page.json")
        #expect(page.document == (try HSDSImportTests.jsonForm()).document)
    }

    @Test func aPackageWithoutATableTheImportNeedsIsRefusedNamingIt() throws {
        let base = HSDSImportTests.fixtures.appendingPathComponent("hsds-tabular")
        let datapackage = try Data(contentsOf: base.appendingPathComponent("datapackage.json"))
        for table in ["organization", "service", "service_area", "contact"] {
            #expect {
                _ = try HSDSTables.tabular(datapackage: datapackage) { path in
                    path.hasPrefix("\(table).") ? nil : try? Data(contentsOf: base.appendingPathComponent(path))
                }
            } throws: { error in
                let message = "\(error)"
                return message.contains("no table \(table) (\(table).csv)") && message.contains("datapackage.json")
            }
        }
        // A table the mapping can do without (languages) is not required.
        let withoutLanguages = try HSDSTables.tabular(datapackage: datapackage) { path in
            path.hasPrefix("language.") ? nil : try? Data(contentsOf: base.appendingPathComponent(path))
        }
        #expect(HSDSImport.map(withoutLanguages, name: "Lekstroom").document.organizations.count == 4)
    }
}
