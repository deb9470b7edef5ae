import Foundation
import SchakelClient
import SchakelProtocol
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Organisation adapters that keep submitting referrals, each on a thread of its own through `SchakelClient` (which
/// retries and fails over as an integrator's adapter would), until ``finish()``: the steady stream the failover tests
/// kill and promote under. What the broker answered is recorded: ACCEPTED referrals by organisation and external id,
/// and anything else as a failure.
final class SubmittingAdapters {
    /// What the threads saw; shared with them, so it is the only state they touch.
    final class Tally: Sendable {
        /// `organisation|external id` → referral id, for every ACCEPTED.
        let accepted = Mutex<[String: String]>([:])
        let failures = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
    }

    let tally = Tally()
    private var threads: [Thread] = []

    /// Starts one thread per organisation; external ids are `<prefix>-<adapter>-<n>`.
    init(endpoints: [String], organisations: [String], prefix: String, needs: [String]) {
        let tally = tally
        threads = organisations.enumerated().map { index, organisation in
            Thread {
                do {
                    let client = try SchakelClient(
                        ClientLibraryTests.configuration(endpoints, as: organisation, maxAttempts: 400))
                    defer { client.close() }
                    var n = 0
                    while !tally.stop.load(ordering: .relaxed) {
                        n += 1
                        let externalID = "\(prefix)-\(index)-\(n)"
                        let receipt = try client.submit(try Referrals.make(externalID: externalID, needs: needs))
                        switch receipt.result {
                        case .success(let body):
                            tally.accepted.withLock { $0["\(organisation)|\(externalID)"] = body.referralID }
                        case .failure(let rejection):
                            tally.failures.withLock { $0.append("\(externalID): \(rejection)") }
                        }
                    }
                } catch {
                    tally.failures.withLock { $0.append("\(organisation): \(error)") }
                }
            }
        }
        threads.forEach { $0.start() }
    }

    var acceptedCount: Int { tally.accepted.withLock { $0.count } }
    var accepted: [String: String] { tally.accepted.withLock { $0 } }
    var failures: [String] { tally.failures.withLock { $0 } }

    /// Waits until `count` referrals in all were accepted, or `limit` seconds passed; returns how many were.
    @discardableResult
    func wait(untilAccepted count: Int, within limit: TimeInterval) -> Int {
        let deadline = Date().addingTimeInterval(limit)
        while acceptedCount < count, Date() < deadline { usleep(20_000) }
        return acceptedCount
    }

    /// Stops the stream after each adapter's request in flight is answered, and waits for the threads.
    func finish() {
        tally.stop.store(true, ordering: .relaxed)
        for thread in threads { while !thread.isFinished { usleep(10_000) } }
    }

    deinit { finish() }
}
