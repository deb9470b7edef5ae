import Foundation
import Referrals
import SchakelProtocol
import SocialMap
import Testing

/// Protocols/SRP1.md "Life cycle: every transition" against the machine: every row is driven through it, and every
/// other pair of state and event must leave the handover as it was. The page cannot drift from the code.
@Suite struct LifeCyclePageTests {
    struct Row: Hashable {
        var from: String
        var event: String
        var to: String
    }

    static let page = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocols/SRP1.md")

    /// The rows of the table, backticks removed.
    static func rows() throws -> [Row] {
        let text = try String(contentsOf: page, encoding: .utf8)
        guard let start = text.range(of: "### Life cycle: every transition") else { return [] }
        var rows: [Row] = []
        var inTable = false
        for line in text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("| From | Event | To |") {
                inTable = true
                continue
            }
            guard inTable else { continue }
            guard line.hasPrefix("|") else { break }
            if line.hasPrefix("|---") { continue }
            let cells = line.split(separator: "|").map {
                $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "`", with: "")
            }
            // For a state's own rows the event is its first word ("ASSIGN by a coordinator" is ASSIGN).
            let event = cells[0] == "(new)" ? cells[1] : String(cells[1].split(separator: " ").first ?? "")
            rows.append(Row(from: cells[0], event: event, to: cells[2]))
        }
        return rows
    }

    /// Events that act on an existing handover, by the names the page uses.
    static let events = [
        "ACK", "DECLINE", "CONTACTED", "OUTCOME", "WITHDRAW", "ASSIGN", "REOPEN", "ack_reminder", "ack_expiry",
        "contact_due", "nazorg", "nazorg_answer", "nazorg_final", "removed_from_map", "room_freed", "escalation",
        "contact_escalation",
    ]

    /// A fixture and a case whose handover `id` is in `state`, reached through the machine itself.
    static func scenario(_ state: HandoverState) throws -> (Fixture, ReferralCase, String) {
        var fixture = try Fixture()
        switch state {
        case .offered, .accepted, .contacted, .completed, .declined, .expired, .cancelled:
            let submitted = try fixture.submit(needs: ["housing"])
            var referralCase = submitted.referralCase
            let offer = submitted.handover(need: 0)
            let contact = offer.contact!
            switch state {
            case .accepted, .contacted, .completed:
                referralCase = try fixture.handle(.acknowledge(handoverID: offer.id, by: contact), referralCase)
                    .referralCase
                if state == .contacted {
                    referralCase = try fixture.handle(
                        .contacted(handoverID: offer.id, by: contact, at: nil, channel: nil), referralCase
                    ).referralCase
                }
                if state == .completed {
                    referralCase = try fixture.handle(
                        .outcome(handoverID: offer.id, by: contact, result: .resolved, note: nil), referralCase
                    ).referralCase
                }
            case .declined:
                referralCase = try fixture.handle(
                    .decline(handoverID: offer.id, by: contact, reason: .capacity), referralCase
                ).referralCase
            case .expired:
                referralCase = try fixture.fire(.ackExpiry, of: offer.id, in: referralCase).referralCase
            case .cancelled:
                referralCase = try fixture.handle(
                    .withdraw(by: "org:huisarts", reason: .consentWithdrawn), referralCase
                ).referralCase
            default:
                break
            }
            return (fixture, referralCase, offer.id)
        case .waiting:
            _ = try fixture.submit(needs: ["debt"])
            let second = try fixture.submit(needs: ["debt"])
            return (fixture, second.referralCase, second.handover(need: 0).id)
        case .unowned:
            // A crisis at night: Anna lets it lapse off duty, so she may have it again in the morning.
            fixture.now = RFC3339.parse("2026-11-23T21:00:00Z")!
            let submitted = try fixture.submit(needs: ["debt"], urgency: "crisis")
            let lapsed = try fixture.fire(.ackExpiry, of: submitted.handover(need: 0).id, in: submitted.referralCase)
            return (fixture, lapsed.referralCase, lapsed.handover(need: 0).id)
        case .unroutable:
            let submitted = try fixture.submit(needs: ["health"])
            return (fixture, submitted.referralCase, submitted.handover(need: 0).id)
        }
    }

    /// Applies the page's `event` to handover `id`; a refusal changes nothing.
    static func apply(_ event: String, to id: String, in referralCase: ReferralCase, _ fixture: inout Fixture) throws
        -> ReferralCase
    {
        let handover = referralCase.handover(id)!
        let holder = handover.contact ?? "contact:anna"
        let timers: [String: TimerKind] = [
            "ack_reminder": .ackReminder, "ack_expiry": .ackExpiry, "contact_due": .contactDue, "nazorg": .nazorg,
            "nazorg_answer": .nazorgAnswer, "nazorg_final": .nazorgFinal, "escalation": .escalation,
            "contact_escalation": .contactEscalation,
        ]
        do {
            if event == "escalation" {
                // The clock of a need nobody holds runs when someone could take it: next morning, with room.
                fixture.load = ContactLoad(map: fixture.machine.map)
                fixture.now = max(fixture.now, RFC3339.parse("2026-11-24T08:30:00Z")!)
            }
            if let kind = timers[event] { return try fixture.fire(kind, of: id, in: referralCase).referralCase }
            let machineEvent: ReferralEvent
            switch event {
            case "ACK": machineEvent = .acknowledge(handoverID: id, by: holder)
            case "DECLINE": machineEvent = .decline(handoverID: id, by: holder, reason: .capacity)
            case "CONTACTED": machineEvent = .contacted(handoverID: id, by: holder, at: nil, channel: nil)
            case "OUTCOME":
                machineEvent = .outcome(handoverID: id, by: holder, result: .resolved, note: nil)
            case "WITHDRAW": machineEvent = .withdraw(by: "org:huisarts", reason: .consentWithdrawn)
            case "ASSIGN":
                // A coordinator names themselves: the holder's organisation's, or the need's domain's.
                let map = fixture.machine.map
                let organisation =
                    handover.contact.flatMap { map.contacts[$0]?.organization }
                    ?? (handover.domain == "housing" ? "org:wonen-a" : "org:schuld")
                let coordinator = map.organizations[organisation]?.coordinator ?? "contact:schuld-coord"
                machineEvent = .coordinatorAssign(handoverID: id, to: coordinator, by: coordinator)
            case "REOPEN": machineEvent = .reopen(by: "org:huisarts", reason: "test")
            case "removed_from_map":
                guard let contact = handover.contact else { return referralCase }
                var document = fixture.machine.map.document
                document.contacts.removeAll { $0.id == contact }
                var smaller = try Fixture(map: try SocialMap(document: document))
                return try smaller.handle(.contactLeftMap(handoverID: id), referralCase).referralCase
            case "room_freed":
                fixture.load = ContactLoad(map: fixture.machine.map)
                machineEvent = .capacityFreed(handoverID: id)
            default:
                Issue.record("the page names an event the test does not know: \(event)")
                return referralCase
            }
            return try fixture.handle(machineEvent, referralCase).referralCase
        } catch let refusal as Rejection {
            _ = refusal
            return referralCase
        }
    }

    @Test func everyTransitionOfTheStateMachineIsOnThePageAndNoOther() throws {
        let rows = try Self.rows()
        #expect(rows.count > 20, "the table was not found")
        let onPage = Set(rows.filter { $0.from != "(new)" })
        var seen: Set<Row> = []
        for state in HandoverState.allCases {
            for event in Self.events {
                var (fixture, referralCase, id) = try Self.scenario(state)
                #expect(referralCase.handover(id)?.state == state, "scenario for \(state)")
                let after = try Self.apply(event, to: id, in: referralCase, &fixture)
                let now = after.handover(id)?.state ?? state
                if now != state {
                    let row = Row(from: state.rawValue, event: event, to: now.rawValue)
                    seen.insert(row)
                    #expect(onPage.contains(row), "not on the page: \(state.rawValue) --\(event)--> \(now.rawValue)")
                }
            }
        }
        for row in onPage where !seen.contains(row) {
            Issue.record("the page says \(row.from) --\(row.event)--> \(row.to), the machine does not")
        }
    }

    /// The rows that make a new handover, each with the scenario that shows it.
    static let newHandovers: [String: @Sendable (inout Fixture) throws -> HandoverState] = [
        "SUBMIT, a candidate qualifies": { try $0.submit(needs: ["housing"]).handover(need: 0).state },
        "SUBMIT, every candidate is away or full": {
            _ = try $0.submit(needs: ["debt"])
            return try $0.submit(needs: ["debt"]).handover(need: 0).state
        },
        "SUBMIT, nobody on the map can take it": { try $0.submit(needs: ["health"]).handover(need: 0).state },
        "DECLINE, a candidate qualifies": { fixture in
            let offer = try fixture.submit(needs: ["housing"])
            let h = offer.handover(need: 0)
            return try fixture.handle(
                .decline(handoverID: h.id, by: h.contact!, reason: .capacity), offer.referralCase
            ).handover(need: 0).state
        },
        "DECLINE, nobody is left": { fixture in
            let offer = try fixture.submit(needs: ["debt"])
            let h = offer.handover(need: 0)
            return try fixture.handle(
                .decline(handoverID: h.id, by: h.contact!, reason: .capacity), offer.referralCase
            ).handover(need: 0).state
        },
        "ack_expiry, a candidate qualifies": { fixture in
            let offer = try fixture.submit(needs: ["housing"], urgency: "normal")
            return try fixture.fire(.ackExpiry, of: offer.handover(need: 0).id, in: offer.referralCase)
                .handover(need: 0).state
        },
        "ack_expiry, nobody is left": { fixture in
            let offer = try fixture.submit(needs: ["debt"], urgency: "normal")
            return try fixture.fire(.ackExpiry, of: offer.handover(need: 0).id, in: offer.referralCase)
                .handover(need: 0).state
        },
        "ASSIGN of an unowned or unroutable need": { fixture in
            let offer = try fixture.submit(needs: ["debt"], urgency: "normal")
            let lapsed = try fixture.fire(.ackExpiry, of: offer.handover(need: 0).id, in: offer.referralCase)
            return try fixture.handle(
                .assign(handoverID: lapsed.handover(need: 0).id, to: "contact:anna", by: "org:huisarts"),
                lapsed.referralCase
            ).handover(need: 0).state
        },
        "REOPEN of an unresolved or unowned need": { fixture in
            let offer = try fixture.submit(needs: ["debt"])
            let id = offer.handover(need: 0).id
            let taken = try fixture.handle(.acknowledge(handoverID: id, by: "contact:anna"), offer.referralCase)
            let unresolved = try fixture.handle(
                .outcome(handoverID: id, by: "contact:anna", result: .notResolved, note: nil), taken.referralCase)
            return try fixture.handle(.reopen(by: "org:huisarts", reason: "test"), unresolved.referralCase)
                .handover(need: 0).state
        },
    ]

    @Test func everyNewHandoverOnThePageIsWhatTheMachineMakes() throws {
        let rows = try Self.rows().filter { $0.from == "(new)" }
        #expect(Set(rows.map(\.event)) == Set(Self.newHandovers.keys))
        for row in rows {
            guard let scenario = Self.newHandovers[row.event] else { continue }
            var fixture = try Fixture()
            #expect(try scenario(&fixture).rawValue == row.to, "\(row.event)")
        }
    }
}
