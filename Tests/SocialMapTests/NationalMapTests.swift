import Foundation
import SocialMap
import Testing

/// The synthetic national map of the benchmark: deterministic, and a map the loader accepts.
@Suite struct NationalMapTests {
    static let small = NationalMap.Sizes(municipalities: 30, organizations: 400, contacts: 2_000)

    @Test func theSameSeedGivesTheSameMapAndItLoads() throws {
        let a = NationalMap.generate(seed: 7, sizes: Self.small)
        #expect(a == NationalMap.generate(seed: 7, sizes: Self.small))
        #expect(a != NationalMap.generate(seed: 8, sizes: Self.small))
        #expect(SocialMap.problems(in: a).isEmpty, "\(SocialMap.problems(in: a).prefix(3))")
        let map = try SocialMap(data: try JSONEncoder().encode(a))
        #expect(map.contacts.count == 2_000)
        #expect(map.organizations.count == 400)
        #expect(a.municipalities.count == 30)
        #expect(a.municipalities.allSatisfy { $0.code.hasPrefix("GM") && $0.code.count == 6 })
    }

    @Test func theSpreadsLookLikeARealMap() {
        let doc = NationalMap.generate(seed: 1, sizes: Self.small)
        #expect(doc.organizations.contains { $0.municipalities == ["*"] })
        #expect(doc.organizations.contains { $0.municipalities.count > 1 && $0.municipalities != ["*"] })
        #expect(doc.contacts.contains { $0.absences != nil && $0.deputy != nil })
        #expect(doc.contacts.contains { $0.languages.count > 1 })
        #expect(doc.contacts.contains { $0.municipalities != nil })
        #expect(Set(doc.contacts.map(\.capacity)).count > 5)
    }
}
