import Foundation

/// A synthetic national social map for the benchmark and scale tests: CBS-like municipality codes, organisations
/// local, regional and national, contact persons with the spreads a real map has (a few big cities, most
/// organisations in one municipality, some domains far more common than others, Dutch plus other languages, some
/// absences with deputies). Deterministic: the same seed gives the same map, byte for byte. The map loads without
/// problems.
public enum NationalMap {
    /// The sizes of issue 3: 342 municipalities, 20,000 organisations, 100,000 contact persons.
    public struct Sizes: Sendable {
        public var municipalities: Int
        public var organizations: Int
        public var contacts: Int

        public init(municipalities: Int = 342, organizations: Int = 20_000, contacts: Int = 100_000) {
            self.municipalities = municipalities
            self.organizations = organizations
            self.contacts = contacts
        }
    }

    /// SplitMix64: small, fast, and the same everywhere (the standard library's generator is not seedable).
    public struct Generator: RandomNumberGenerator, Sendable {
        var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Domains with how common they are among organisations (debt and care far more than education).
    static let domainWeights: [(String, Int)] = [
        ("debt", 14), ("income", 8), ("benefits", 8), ("housing", 14), ("care", 18), ("youth", 12), ("legal", 6),
        ("work", 8), ("health", 10), ("education", 2),
    ]
    static let otherLanguages: [(String, Int)] = [
        ("en", 300), ("ar", 80), ("tr", 60), ("pl", 40), ("uk", 30), ("ti", 10),
    ]
    static let kinds = ["municipality", "ngo", "welfare", "care_provider", "housing_corporation", "legal_aid"]

    /// The map for `seed` at `sizes`.
    public static func generate(seed: UInt64, sizes: Sizes = Sizes()) -> SocialMapDocument {
        var rng = Generator(seed: seed)
        func pick<T>(_ weighted: [(T, Int)]) -> T {
            var r = Int.random(in: 0..<weighted.reduce(0) { $0 + $1.1 }, using: &rng)
            for (value, weight) in weighted {
                if r < weight { return value }
                r -= weight
            }
            return weighted[0].0
        }
        // Municipalities: distinct codes from the CBS range, a Zipf-like size (a few big cities).
        var codes: Set<Int> = []
        while codes.count < sizes.municipalities { codes.insert(Int.random(in: 1...1999, using: &rng)) }
        let municipalities = codes.sorted().map { code in
            SocialMapDocument.Municipality(code: String(format: "GM%04d", code), name: "Gemeente \(code)")
        }
        let sizeWeights = municipalities.indices.map { _ in Double.random(in: 0..<1, using: &rng) }
            .map { 1 / pow(Double(1 + Int($0 * Double(sizes.municipalities))), 0.9) }
        var cumulative: [Double] = []
        var total = 0.0
        for w in sizeWeights {
            total += w
            cumulative.append(total)
        }
        func someMunicipality() -> Int {
            let r = Double.random(in: 0..<total, using: &rng)
            var (lo, hi) = (0, cumulative.count - 1)
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] <= r { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        func day(_ rng: inout Generator, from: Int, span: Int) -> String {
            // Days after 2025-01-01, as a date.
            var (y, m, d) = (2025, 1, 1 + Int.random(in: from..<(from + span), using: &rng))
            let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            while true {
                let length = lengths[m - 1] + (m == 2 && y % 4 == 0 ? 1 : 0)
                if d <= length { break }
                d -= length
                m += 1
                if m > 12 { (y, m) = (y + 1, 1) }
            }
            return String(format: "%04d-%02d-%02d", y, m, d)
        }

        var organizations: [Organization] = []
        organizations.reserveCapacity(sizes.organizations)
        for i in 0..<sizes.organizations {
            let scope = Int.random(in: 0..<100, using: &rng)
            let served: [String]
            if scope < 2 {
                served = ["*"]
            } else if scope < 30 {
                let first = someMunicipality()
                let count = Int.random(in: 2...12, using: &rng)
                served = (0..<count).map { municipalities[(first + $0) % municipalities.count].code }
            } else {
                served = [municipalities[someMunicipality()].code]
            }
            var domains: [String] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let d = pick(domainWeights)
                if !domains.contains(d) { domains.append(d) }
            }
            organizations.append(
                Organization(
                    id: "org:o\(i)", name: "Organisatie \(i)", kind: kinds[i % kinds.count],
                    municipalities: Array(Set(served)).sorted(), domains: domains,
                    phone: "+31 \(10 + i % 80) \(100_000 + i)", email: "info@o\(i).example",
                    lastVerified: day(&rng, from: 0, span: 700)))
        }

        // Contacts: at least one per organisation, the rest where there is more work (national and regional ones).
        var owner = Array(0..<min(sizes.organizations, sizes.contacts))
        while owner.count < sizes.contacts {
            let o = Int.random(in: 0..<sizes.organizations, using: &rng)
            let extra = organizations[o].municipalities.count > 1 ? 3 : 1
            for _ in 0..<min(extra, sizes.contacts - owner.count) { owner.append(o) }
        }
        var contacts: [ContactPerson] = []
        contacts.reserveCapacity(sizes.contacts)
        var presentByOrganization: [Int: [Int]] = [:]  // contacts never away, per organisation: deputy candidates
        for (n, o) in owner.enumerated() {
            let org = organizations[o]
            var domains = org.domains.filter { _ in Bool.random(using: &rng) }
            if domains.isEmpty { domains = [org.domains[Int.random(in: 0..<org.domains.count, using: &rng)]] }
            var narrower: [String]?
            if org.municipalities.count > 1, Int.random(in: 0..<100, using: &rng) < 25 {
                narrower = Array(org.municipalities.prefix(Int.random(in: 1..<org.municipalities.count, using: &rng)))
            }
            var languages = ["nl"]
            for _ in 0..<2 where Int.random(in: 0..<1000, using: &rng) < 250 {
                let l = pick(otherLanguages)
                if !languages.contains(l) { languages.append(l) }
            }
            var absences: [Absence]?
            if Int.random(in: 0..<100, using: &rng) < 10 {
                let from = day(&rng, from: 500, span: 300)
                let parts = from.split(separator: "-").compactMap { Int($0) }
                // Up to three weeks, within the month so the end stays after the start.
                let end = min(parts[2] + Int.random(in: 1...20, using: &rng), 28)
                absences = [
                    Absence(from: from, to: String(format: "%04d-%02d-%02d", parts[0], parts[1], max(end, parts[2])))
                ]
            } else {
                presentByOrganization[o, default: []].append(n)
            }
            contacts.append(
                ContactPerson(
                    id: "contact:c\(n)", organization: org.id, name: "Contact \(n)", role: "hulpverlener",
                    phone: "+31 6 \(10_000_000 + n)", email: "c\(n)@o\(o).example", domains: domains,
                    municipalities: narrower, languages: languages,
                    urgencies: Int.random(in: 0..<100, using: &rng) < 15 ? ["normal", "urgent"] : nil,
                    capacity: Int.random(in: 2...20, using: &rng), absences: absences,
                    lastVerified: day(&rng, from: 0, span: 700)))
        }
        // Deputies: for those who are away, a colleague of the same organisation who never is.
        for (n, o) in owner.enumerated() where contacts[n].absences != nil {
            guard let present = presentByOrganization[o], !present.isEmpty else { continue }
            contacts[n].deputy = contacts[present[Int.random(in: 0..<present.count, using: &rng)]].id
        }
        return SocialMapDocument(
            version: 1, name: "Synthetic national map (seed \(seed))",
            description: "Generated by NationalMap.generate for benchmarks; not real organisations or people.",
            domains: HSDSImport.vocabulary, municipalities: municipalities, organizations: organizations,
            contacts: contacts)
    }
}
