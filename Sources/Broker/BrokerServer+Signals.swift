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

    /// SIGNALS (SRP1.md): an organisation's coordinator gets the report restricted to the needs the organisation
    /// referred, was offered, held or declined, with the same suppression; anyone else is refused.
    func signals(from principal: String, first: String, last: String, period: String?) throws -> WireMessage {
        guard let organisation = desk.map.organizations.values.first(where: { $0.coordinator == principal }) else {
            throw Rejection(
                .forbidden, "SIGNALS reports on an organisation's referrals for its coordinator; \(principal) is none")
        }
        var request: [String: JSONValue] = ["from": .string(first), "to": .string(last)]
        if let period { request["period"] = .string(period) }
        var query: SignalsQuery
        do throws(SignalsQueryError) {
            query = try SignalsQuery(json: .object(request))
        } catch {
            throw Rejection(.invalid, error.message.replacingOccurrences(of: "signals ", with: "SIGNALS "))
        }
        query.organisation = organisation.id
        return WireMessage(command: Command.signalReport.rawValue, body: .object(try signalsReport(query).json))
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
