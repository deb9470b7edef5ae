import Foundation
import SchakelProtocol
import SocialMap
import Testing

/// `schakelctl socialmap check`: the loader's problems as errors, and the warnings a loadable map can deserve.
@Suite struct MapCheckTests {
    static func demo() throws -> SocialMapDocument {
        try SocialMap(contentsOf: DemoMapTests.demoURL).document
    }

    static func data(_ document: SocialMapDocument) throws -> Data {
        try JSONEncoder().encode(document)
    }

    @Test func theDemoMapHasOnlyGapsAsOfItsVerificationDates() throws {
        let findings = MapCheck.findings(data: try Data(contentsOf: DemoMapTests.demoURL), today: "2026-11-23")
        #expect(
            findings.allSatisfy {
                $0.severity == .warning && ($0.message.hasPrefix("gap:") || $0.message.hasPrefix("escalation:"))
            })
        // Anna coordinates her organisation and takes its debt needs: the check says where her lapses go.
        let anna = findings.filter { $0.message.hasPrefix("escalation: contact:schuldhulp-anna coordinates") }
        #expect(anna.count == 1)
        #expect(anna.first?.message.contains("referring organisation's coordinator") == true)
        #expect(findings.map(\.path).contains("municipalities[3]"))
        #expect(MapCheck.exitCode(findings) == 1)
    }

    @Test func everyLoaderProblemIsAnErrorWithItsPath() throws {
        var doc = try Self.demo()
        doc.contacts[0].deputy = "contact:nobody"
        doc.contacts[1].id = doc.contacts[2].id
        doc.contacts[3].absences = [Absence(from: "2027-02-10", to: "2027-02-01")]
        doc.contacts[4].onCall = [OnCallWindow(days: ["weekend"], from: "17:00", to: "09:00")]
        doc.organizations[0].domains.append("astrology")
        let findings = MapCheck.findings(data: try Self.data(doc), today: "2026-11-23")
        #expect(findings.allSatisfy { $0.severity == .error })
        let paths = Set(findings.map(\.path))
        #expect(
            paths.isSuperset(of: [
                "contacts[0].deputy", "contacts[2].id", "contacts[3].absences[0]", "contacts[4].on_call[0].days[0]",
            ]))
        #expect(paths.contains("organizations[0].domains"))
        #expect(MapCheck.exitCode(findings) == 2)
    }

    @Test func aMalformedCBSCodeIsAnError() throws {
        var doc = try Self.demo()
        doc.municipalities[0].code = "GM34"
        let findings = MapCheck.findings(data: try Self.data(doc), today: "2026-11-23")
        #expect(findings.contains { $0.severity == .error && $0.path == "municipalities[0].code" })
    }

    @Test func anEntryVerifiedMoreThanAYearAgoIsStale() throws {
        var doc = try Self.demo()
        doc.contacts[0].lastVerified = "2025-11-22"
        doc.contacts[1].lastVerified = "2025-11-23"
        let warnings = MapCheck.warnings(in: doc, today: "2026-11-23")
        #expect(warnings.contains { $0.path == "contacts[0].last_verified" })
        #expect(!warnings.contains { $0.path == "contacts[1].last_verified" })
    }

    @Test func twelveMonthsBeforeALeapDayIsTheLastOfFebruary() {
        #expect(MapCheck.monthsBefore("2028-02-29", 12) == "2027-02-28")
        #expect(MapCheck.monthsBefore("2026-01-15", 12) == "2025-01-15")
        #expect(MapCheck.monthsBefore("2026-1-15", 12) == nil)
    }

    @Test func aContactWithTheOrganisationsGeneralNumberHasNoDirectLine() throws {
        var doc = try Self.demo()
        let org = try #require(doc.organizations.first { $0.id == doc.contacts[0].organization })
        doc.contacts[0].phone = try #require(org.phone).replacingOccurrences(of: " ", with: "")
        let warnings = MapCheck.warnings(in: doc, today: "2026-11-23")
        #expect(warnings.contains { $0.path == "contacts[0].phone" && $0.message.contains("not a direct line") })
        #expect(!warnings.contains { $0.path == "contacts[1].phone" })
    }

    @Test func aMunicipalityWithoutADomainIsAGapAndANationalContactFillsIt() throws {
        var doc = try Self.demo()
        doc.domains = doc.domains.filter { ["debt", "housing"].contains($0.id) }
        for i in doc.organizations.indices {
            doc.organizations[i].domains.removeAll { !["debt", "housing"].contains($0) }
        }
        for i in doc.organizations.indices { doc.organizations[i].services = nil }
        doc.contacts.removeAll { $0.domains.allSatisfy { !["debt", "housing"].contains($0) } }
        for i in doc.contacts.indices { doc.contacts[i].domains.removeAll { !["debt", "housing"].contains($0) } }
        doc.contacts.removeAll { $0.domains.contains("debt") }
        for i in doc.organizations.indices where doc.organizations[i].coordinator != nil {
            doc.organizations[i].coordinator = nil
        }
        for i in doc.contacts.indices { doc.contacts[i].deputy = nil }
        #expect(SocialMap.problems(in: doc).isEmpty, "\(SocialMap.problems(in: doc))")
        let gaps = MapCheck.warnings(in: doc, today: "2026-11-23").filter { $0.message.hasPrefix("gap:") }
        #expect(gaps.count == doc.municipalities.count)
        #expect(gaps.allSatisfy { $0.message.contains("nobody serves debt in") })

        doc.organizations.append(
            Organization(id: "org:landelijk", name: "Landelijk", kind: "ngo", municipalities: ["*"], domains: ["debt"]))
        doc.contacts.append(
            ContactPerson(
                id: "contact:landelijk-lotte", organization: "org:landelijk", name: "Lotte", phone: "+31 20 000 0001",
                email: "lotte@example.org", domains: ["debt"], capacity: 3))
        #expect(MapCheck.warnings(in: doc, today: "2026-11-23").filter { $0.message.hasPrefix("gap:") }.isEmpty)
    }

    @Test func declinesAsNotTheirsAreEntriesToReverify() throws {
        let doc = try Self.demo()
        let bram = try #require(doc.contacts.firstIndex { $0.id == "contact:wonen-bram" })
        let findings = MapCheck.reverify(
            declines: [
                "contact:wonen-bram": ["not_our_service": 2, "wrong_contact": 1, "capacity": 5],
                "contact:wonen-carla": ["capacity": 3],
                "contact:gone": ["wrong_contact": 4],
            ], in: doc)
        #expect(findings.count == 1)
        #expect(findings.first?.path == "contacts[\(bram)]")
        #expect(findings.first?.message.contains("declined 3 need(s)") == true)
        #expect(findings.first?.message.contains("not_our_service 2, wrong_contact 1") == true)
    }
}
