import Deadlines
import Foundation
import SchakelProtocol
import Signals

/// Signals (issue 19): where referrals stall, for the region's policy table. The admin command `signals` answers a
/// report of pseudonymous counts with every row of fewer than five referrals hidden (Protocols/ADMIN.md).
extension BrokerServer {
    func registerSignalsCommands() {
        adminCommands.register(
            "signals",
            summary: "where referrals stall, per period, domain and municipality; rows under 5 referrals hidden"
        ) { [unowned self] request throws(AdminError) in
            let query: SignalsQuery
            do throws(SignalsQueryError) {
                query = try SignalsQuery(json: request)
            } catch {
                throw .invalid(error.message)
            }
            do {
                return try signalsReport(query).json
            } catch {
                throw AdminError("failed", "could not read the signals: \(error)")
            }
        }
    }

    /// The report for `query`, with the map's names for the codes in it.
    func signalsReport(_ query: SignalsQuery) throws -> SignalsReport {
        let policy = desk.policy
        let facts = try desk.store.needFacts(from: query.from, to: query.to, calendar: policy.calendar) {
            urgency, organisation, offeredAt in
            let rules = policy.policy(for: urgency, organisation: organisation)
            return policy.calendar.deadline(
                from: offeredAt, adding: rules.acknowledgeWithin, clock: rules.acknowledgeClock)
        }
        var report = Signals.report(facts, query: query, generatedAt: RFC3339.format(clock.now()))
        let document = desk.map.document
        report.labels = [
            "domains": Dictionary(document.domains.map { ($0.id, $0.labelNL) }) { first, _ in first },
            "municipalities": Dictionary(document.municipalities.map { ($0.code, $0.name) }) { first, _ in first },
            "organisations": desk.map.organizations.mapValues(\.name),
        ]
        return report
    }
}
