import Foundation
import SchakelProtocol
import SocialMap

#if canImport(Glibc)
    import Glibc
#endif

/// The scale figures of issue 3: a generated national map (``NationalMap``) loaded and validated from its JSON bytes,
/// its resident memory, and the latency of pure `Matcher.match` against it with a realistic load table.
enum MapBench {
    /// This process's user and system CPU time so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func run(smoke: Bool, into table: inout Table) throws {
        let sizes =
            smoke ? NationalMap.Sizes(municipalities: 20, organizations: 200, contacts: 1_000) : NationalMap.Sizes()
        progress("social map: generating \(sizes.contacts.formatted()) contacts")
        let document = NationalMap.generate(seed: 20_261_123, sizes: sizes)
        let data = try JSONEncoder().encode(document)
        let label =
            "\(sizes.municipalities) municipalities, \(sizes.organizations.formatted()) organisations, "
            + "\(sizes.contacts.formatted()) contacts"

        progress("social map: load+validate \(data.count / 1_048_576) MiB of JSON")
        let before = TimerBench.ownResidentBytes()
        let started = Clock.nanoseconds()
        let cpuBefore = Self.cpuSeconds()
        let map = try SocialMap(data: data)
        let seconds = Double(Clock.nanoseconds() - started) / 1e9
        let cpu = Self.cpuSeconds() - cpuBefore
        let memory = TimerBench.ownResidentBytes() - before
        table.add(
            "social map: load+validate (\(label)) from \(data.count / 1_048_576) MiB of JSON", seconds, "s",
            note:
                "target < 2 s; \(String(format: "%.2f", cpu)) s of CPU (wall time suffers on a busy machine, CPU less)")
        table.add(
            "social map: resident memory of the loaded map", Double(memory) / 1_048_576, "MiB",
            note:
                "VmRSS delta over the load: an upper bound (the parse's freed memory may stay mapped); target < 500 MB")

        // A load table like a busy day's: 60% of contacts hold open handovers (some full), 70% had an offer.
        var rng = NationalMap.Generator(seed: 42)
        let now = Date(timeIntervalSince1970: 1_796_119_200)  // 2026-12-01T10:00:00Z, among the absences
        var load = ContactLoad(map: map)
        for contact in document.contacts {
            if Int.random(in: 0..<100, using: &rng) < 60 {
                load.setOpen(Int.random(in: 0...contact.capacity, using: &rng), for: contact.id)
            }
            if Int.random(in: 0..<100, using: &rng) < 70 {
                load.setLastOffered(
                    now.addingTimeInterval(-Double.random(in: 0..<2_592_000, using: &rng)), for: contact.id)
            }
        }
        // Requests where referrals come from: the municipality of a random local organisation (so big cities get
        // more), a domain of that organisation, mostly normal urgency, mostly Dutch.
        let local = document.organizations.filter { $0.municipalities.count == 1 && $0.municipalities != ["*"] }
        let consent = Consent(givenAt: "2026-11-30T09:00:00Z", recordedBy: "bench", shareWith: [.everyone])
        let languages = ["nl", "nl", "nl", "nl", "nl", "nl", "en", "ar", "tr", "pl"]
        let count = smoke ? 1_000 : 100_000
        let requests = (0..<count).map { _ -> MatchRequest in
            let org = local[Int.random(in: 0..<local.count, using: &rng)]
            let urgency: Urgency = Int.random(in: 0..<10, using: &rng) == 0 ? .urgent : .normal
            return MatchRequest(
                domain: org.domains[Int.random(in: 0..<org.domains.count, using: &rng)],
                municipality: org.municipalities[0], consent: consent, urgency: urgency,
                language: languages[Int.random(in: 0..<languages.count, using: &rng)])
        }
        progress("social map: \(count.formatted()) matches")
        let matcher = Matcher(map: map)
        for request in requests.prefix(1_000) { _ = matcher.match(request, load: load, now: now) }  // warm-up
        var samples: [UInt64] = []
        samples.reserveCapacity(count)
        var chosen = 0
        var candidates = 0
        for request in requests {
            let t0 = Clock.nanoseconds()
            let result = matcher.match(request, load: load, now: now)
            samples.append(Clock.nanoseconds() - t0)
            if result.chosen != nil { chosen += 1 }
            candidates += result.explanation.considered - result.explanation.removed.values.reduce(0, +)
        }
        let p = Percentiles(samples)
        let note =
            "\(count.formatted()) requests, \(chosen * 100 / count)% matched, "
            + "\(candidates / count) qualified candidates on average"
        table.add("social map: Matcher.match p50, national map", p.p50 * 1_000, "µs", note: note)
        table.add("social map: Matcher.match p99, national map", p.p99 * 1_000, "µs", note: "target < 100 µs")
        table.add("social map: Matcher.match p99.9, national map", p.p999 * 1_000, "µs")
    }
}
