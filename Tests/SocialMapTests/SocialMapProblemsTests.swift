import Foundation
import SocialMap
import Testing

@Suite struct SocialMapProblemsTests {
    @Test func everyProblemIsListedWithItsPathNotOnlyTheFirst() throws {
        var doc = try SocialMap(contentsOf: DemoMapTests.demoURL).document
        doc.contacts[0].organization = "org:missing"
        doc.contacts[1].capacity = 0
        let problems = SocialMap.problems(in: doc)
        #expect(problems.map(\.path).contains("contacts[0].organization"))
        #expect(problems.map(\.path).contains("contacts[1].capacity"))
        #expect(SocialMap.problems(contentsOf: DemoMapTests.demoURL).isEmpty)
    }

    @Test func anUnreadableFileIsOneProblem() {
        let problems = SocialMap.problems(contentsOf: URL(fileURLWithPath: "/nonexistent/map.json"))
        #expect(problems.count == 1)
    }
}
