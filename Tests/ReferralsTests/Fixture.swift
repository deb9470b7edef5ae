import Deadlines
import Foundation
import Referrals
import SchakelProtocol
import SocialMap

/// A small region for the machine's tests: two housing corporations (Bram, Carla), a debt counsellor with room for
/// one (Anna), a legal desk without a coordinator (Eva), and the GP who refers. Each organisation that takes needs
/// has its own coordinator, so an escalation can be told from an offer.
struct Fixture {
    static let mapJSON = """
        {
          "version": 1, "name": "test",
          "domains": [
            {"id": "debt", "label_nl": "Schulden", "label_en": "Debt"},
            {"id": "housing", "label_nl": "Wonen", "label_en": "Housing"},
            {"id": "legal", "label_nl": "Juridisch", "label_en": "Legal"},
            {"id": "health", "label_nl": "Gezondheid", "label_en": "Health"}
          ],
          "municipalities": [{"code": "GM0344", "name": "Utrecht"}],
          "organizations": [
            {"id": "org:huisarts", "name": "Huisarts", "kind": "gp", "municipalities": ["GM0344"],
             "domains": ["health"]},
            {"id": "org:wonen-a", "name": "Wonen A", "kind": "housing_corporation", "municipalities": ["GM0344"],
             "domains": ["housing"], "coordinator": "contact:wonen-a-coord"},
            {"id": "org:wonen-b", "name": "Wonen B", "kind": "housing_corporation", "municipalities": ["GM0344"],
             "domains": ["housing"], "coordinator": "contact:wonen-b-coord"},
            {"id": "org:schuld", "name": "Schuldhulp", "kind": "debt_counselling", "municipalities": ["GM0344"],
             "domains": ["debt"], "coordinator": "contact:schuld-coord"},
            {"id": "org:juridisch", "name": "Juridisch Loket", "kind": "legal_aid", "municipalities": ["GM0344"],
             "domains": ["legal"]}
          ],
          "contacts": [
            {"id": "contact:bram", "organization": "org:wonen-a", "name": "Bram", "domains": ["housing"],
             "capacity": 2, "phone": "+31 30 000 0001", "email": "bram@example.org", "languages": ["nl"]},
            {"id": "contact:carla", "organization": "org:wonen-b", "name": "Carla", "domains": ["housing"],
             "capacity": 2, "phone": "+31 30 000 0002", "email": "carla@example.org", "languages": ["nl"]},
            {"id": "contact:wonen-a-coord", "organization": "org:wonen-a", "name": "Coordinator A", "domains": [],
             "capacity": 5, "phone": "+31 30 000 0100", "email": "wonen-a-coord@example.org", "languages": ["nl"]},
            {"id": "contact:wonen-b-coord", "organization": "org:wonen-b", "name": "Coordinator B", "domains": [],
             "capacity": 5, "phone": "+31 30 000 0100", "email": "wonen-b-coord@example.org", "languages": ["nl"]},
            {"id": "contact:anna", "organization": "org:schuld", "name": "Anna", "domains": ["debt"],
             "capacity": 1, "phone": "+31 30 000 0003", "email": "anna@example.org", "languages": ["nl"]},
            {"id": "contact:schuld-coord", "organization": "org:schuld", "name": "Coordinator S", "domains": [],
             "capacity": 5, "phone": "+31 30 000 0100", "email": "schuld-coord@example.org", "languages": ["nl"]},
            {"id": "contact:eva", "organization": "org:juridisch", "name": "Eva", "domains": ["legal"],
             "capacity": 1, "phone": "+31 30 000 0100", "email": "eva@example.org", "languages": ["nl"]}
          ]
        }
        """

    static let referralJSON = """
        {
          "external_id": "T-1",
          "referrer": {"name": "Dr. Test", "phone": "+31 30 000 9999"},
          "citizen": {"display_name": "Burger Test", "municipality": "GM0344", "phone": "+31 6 0000 0000"},
          "needs": [
            {"domain": "debt", "summary": "Schulden regelen."},
            {"domain": "housing", "summary": "Ontruiming voorkomen."}
          ],
          "urgency": "urgent",
          "consent": {"given_at": "2026-11-23T09:30:00+01:00", "recorded_by": "Dr. Test",
                      "share_with": ["domain:debt", "domain:housing", "domain:legal"]}
        }
        """

    /// Monday 23 November 2026, 10:00 in Utrecht: a working day, so business deadlines count from here.
    static let monday = RFC3339.parse("2026-11-23T09:00:00Z")!

    var machine: ReferralMachine
    var load: ContactLoad
    var now = Fixture.monday

    init(map: SocialMap? = nil) throws {
        let map = try map ?? SocialMap(data: Data(Self.mapJSON.utf8))
        let counter = Counter()
        machine = ReferralMachine(
            map: map, policy: .standard, retention: ISODuration("P30D")!, makeID: { counter.next($0) })
        load = ContactLoad(map: map)
    }

    /// A referral with `needs` (domains, in order), otherwise the standard one; `change` edits its JSON first.
    static func referral(
        needs: [String] = ["debt", "housing"], urgency: String = "urgent",
        _ change: (inout [String: Any]) -> Void = { _ in }
    ) throws -> (Referral, String) {
        var object = try JSONSerialization.jsonObject(with: Data(referralJSON.utf8)) as! [String: Any]
        object["needs"] = needs.map { ["domain": $0, "summary": "Hulp bij \($0)."] }
        object["urgency"] = urgency
        change(&object)
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let referral = try SRPCoding.decoder.decode(Referral.self, from: data)
        return (referral, String(decoding: data, as: UTF8.self))
    }

    /// SUBMIT from the GP, with the load kept as the broker keeps it.
    mutating func submit(needs: [String] = ["debt", "housing"], urgency: String = "urgent") throws
        -> ReferralMachine.Transition
    {
        let (referral, body) = try Self.referral(needs: needs, urgency: urgency)
        let transition = try machine.submit(
            referral, from: "org:huisarts", canonicalBody: body, existing: nil, now: now, load: load)
        follow(transition)
        return transition
    }

    /// `event` on `referralCase` at the fixture's clock, with the load kept as the broker keeps it.
    mutating func handle(_ event: ReferralEvent, _ referralCase: ReferralCase) throws(Rejection)
        -> ReferralMachine.Transition
    {
        let transition = try machine.handle(event, in: referralCase, now: now, load: load)
        follow(transition)
        return transition
    }

    /// What the desk does with a transition's load effects.
    mutating func follow(_ transition: ReferralMachine.Transition) {
        for effect in transition.effects {
            switch effect {
            case .loadChanged(let contact, let delta): load.setOpen(load.open(contact) + delta, for: contact)
            case .offered(let contact, let at): load.setLastOffered(at, for: contact)
            default: break
            }
        }
    }

    /// Fires the timer `kind` of `handoverID`, at its due time.
    mutating func fire(_ kind: TimerKind, of handoverID: String, in referralCase: ReferralCase) throws(Rejection)
        -> ReferralMachine.Transition
    {
        let subject = kind.isReferralTimer ? referralCase.id : handoverID
        if let due = referralCase.timers[kind.id(for: subject)] { now = max(now, due) }
        return try handle(.timerFired(kind, handoverID: kind.isReferralTimer ? nil : handoverID), referralCase)
    }
}

/// Predictable ids: `ho-1`, `ho-2`, `ref-3`, …
final class Counter: @unchecked Sendable {
    // Only the test that owns the fixture calls it, on its own task.
    private var value = 0
    func next(_ prefix: String) -> String {
        value += 1
        return "\(prefix)-\(value)"
    }
}

extension ReferralMachine.Transition {
    /// The messages the effects send, as (principal, command, event or reason). A CANCELLED for a withdrawn offer
    /// is among them: the broker sends it when the contact received the offer (see ``withdrawnOffers``).
    var messages: [(to: String, command: String, what: String?)] {
        effects.compactMap { effect in
            let principal: String
            let body: OutboxBody
            switch effect {
            case .sent(let to, let sent, _): (principal, body) = (to, sent)
            case .offerWithdrawn(_, let contact, _, let cancelled): (principal, body) = (contact, cancelled)
            default: return nil
            }
            switch body {
            case .handover: return (principal, "HANDOVER", nil)
            case .notice(let notice): return (principal, "NOTICE", notice.event.rawValue)
            case .reminder(let reminder): return (principal, "REMINDER", reminder.about.rawValue)
            case .cancelled(let cancelled): return (principal, "CANCELLED", cancelled.reason.rawValue)
            case .escalation(let escalation): return (principal, "ESCALATION", escalation.reason.rawValue)
            case .nazorg: return (principal, "NAZORG", nil)
            }
        }
    }

    /// "to COMMAND what" lines, for readable expectations.
    var sent: [String] {
        messages.map { [$0.to, $0.command, $0.what].compactMap { $0 }.joined(separator: " ") }
    }

    /// The event-log rows the effects record, by name (a withdrawn offer's among them).
    var recorded: [String] {
        effects.compactMap {
            switch $0 {
            case .recorded(let entry, _), .offerWithdrawn(_, _, let entry, _): entry.event
            default: nil
            }
        }
    }

    /// The offers withdrawn from their contacts, whose CANCELLED goes only to a contact who received the offer:
    /// "contact handover event reason".
    var withdrawnOffers: [String] {
        effects.compactMap { effect in
            guard case .offerWithdrawn(let handoverID, let contact, let entry, .cancelled(let body)) = effect else {
                return nil
            }
            return "\(contact) \(handoverID) \(entry.event) \(body.reason.rawValue)"
        }
    }

    var scheduled: [String] {
        effects.compactMap { if case .timerScheduled(let id, _, _, _) = $0 { id } else { nil } }
    }

    var cancelled: [String] {
        effects.compactMap { if case .timerCancelled(let id) = $0 { id } else { nil } }
    }

    var loadChanges: [String] {
        effects.compactMap { if case .loadChanged(let c, let d) = $0 { "\(c) \(d > 0 ? "+" : "")\(d)" } else { nil } }
    }

    var states: [HandoverState] { referralCase.handovers.map(\.state) }

    func handover(need: Int) -> Handover { referralCase.newest(need: need)! }
}
