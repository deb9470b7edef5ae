import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

/// Every forbidden cell of the authorization matrix in Protocols/SRP1.md ("Authorization"), one visible case each,
/// against the real daemon. Each case has a referral of the GP practice De Brug: the debt need acknowledged by Anna,
/// the housing need offered to Bram. The principal of the case then tries the command on them.
@Suite(.serialized) struct AuthorizationMatrixTests {
    /// The ids a case aims at.
    struct Fixture {
        var referralID: String
        var externalID: String
        /// Anna's, acknowledged.
        var annaHandover: String
        /// Bram's, offered.
        var bramHandover: String
    }

    /// One forbidden cell: who (nil: no session), what, and the answer it must get.
    struct Cell: CustomTestStringConvertible, Sendable {
        var who: String?
        var command: Command
        var body: @Sendable (Fixture) -> JSONValue
        var code: String
        var field: String?

        var testDescription: String {
            "\(command.rawValue) by \(who ?? "a peer without a session") → \(code)\(field.map { " (\($0))" } ?? "")"
        }
    }

    static let gp = "org:huisarts-de-brug"
    static let otherOrganisation = "org:gemeente-utrecht"
    static let anna = "contact:schuldhulp-anna"
    static let bram = "contact:wonen-bram"
    static let carla = "contact:wonen-carla"
    /// The coordinators of Bram's organisation (Domstad Wonen) and of Carla's (Vechtzicht, which also serves housing).
    static let sandra = "contact:domstad-sandra"
    static let youri = "contact:vechtzicht-youri"

    static func submit(_ f: Fixture) -> JSONValue { ["referral": (try? Referrals.make()) ?? [:]] }
    static func ack(_ id: String) -> JSONValue { ["handover_id": .string(id)] }
    static func decline(_ id: String) -> JSONValue { ["handover_id": .string(id), "reason": "capacity"] }
    static func outcome(_ id: String) -> JSONValue { ["handover_id": .string(id), "result": "resolved"] }
    static func reopen(_ f: Fixture) -> JSONValue { ["referral_id": .string(f.referralID), "reason": "x"] }
    static func withdraw(_ f: Fixture) -> JSONValue {
        ["referral_id": .string(f.referralID), "reason": "consent_withdrawn"]
    }
    static func byID(_ f: Fixture) -> JSONValue { ["referral_id": .string(f.referralID)] }
    static func byExternalID(_ f: Fixture) -> JSONValue { ["external_id": .string(f.externalID)] }
    static func signals(_ f: Fixture) -> JSONValue { ["from": "2026-01-01", "to": "2026-12-31"] }
    static func assign(_ id: String, to contact: String) -> JSONValue {
        ["handover_id": .string(id), "contact": .string(contact)]
    }

    static let cells: [Cell] = [
        // An organisation that is not the referrer, or any organisation for a contact's command.
        Cell(who: gp, command: .ack, body: { ack($0.bramHandover) }, code: "forbidden"),
        Cell(who: gp, command: .decline, body: { decline($0.bramHandover) }, code: "forbidden"),
        Cell(who: gp, command: .contacted, body: { ack($0.annaHandover) }, code: "forbidden"),
        Cell(
            who: otherOrganisation, command: .outcome, body: { outcome($0.annaHandover) }, code: "forbidden",
            field: "handover_id"),
        Cell(who: otherOrganisation, command: .reopen, body: reopen, code: "forbidden", field: "referral_id"),
        Cell(who: otherOrganisation, command: .withdraw, body: withdraw, code: "forbidden", field: "referral_id"),
        Cell(who: otherOrganisation, command: .status, body: byID, code: "forbidden", field: "referral_id"),
        Cell(who: otherOrganisation, command: .status, body: byExternalID, code: "not_found"),
        Cell(who: gp, command: .cases, body: { _ in [:] }, code: "forbidden"),
        Cell(who: gp, command: .pending, body: { _ in [:] }, code: "forbidden"),
        Cell(who: gp, command: .assign, body: { assign($0.bramHandover, to: sandra) }, code: "forbidden"),
        Cell(who: gp, command: .signals, body: signals, code: "forbidden"),
        // A contact person: nothing of an organisation's, and only their own handovers.
        Cell(who: anna, command: .submit, body: submit, code: "forbidden"),
        Cell(who: anna, command: .reopen, body: reopen, code: "forbidden", field: "referral_id"),
        Cell(who: anna, command: .withdraw, body: withdraw, code: "forbidden", field: "referral_id"),
        Cell(who: anna, command: .status, body: byExternalID, code: "not_found", field: "external_id"),
        Cell(who: anna, command: .ack, body: { ack($0.bramHandover) }, code: "forbidden", field: "handover_id"),
        Cell(who: anna, command: .decline, body: { decline($0.bramHandover) }, code: "forbidden", field: "handover_id"),
        Cell(who: bram, command: .contacted, body: { ack($0.annaHandover) }, code: "forbidden", field: "handover_id"),
        Cell(who: bram, command: .outcome, body: { outcome($0.annaHandover) }, code: "forbidden", field: "handover_id"),
        Cell(who: carla, command: .status, body: byID, code: "forbidden", field: "referral_id"),
        // Coordinators only, each for their own organisation: a need of it, to a colleague.
        Cell(who: bram, command: .pending, body: { _ in [:] }, code: "forbidden"),
        Cell(who: bram, command: .signals, body: signals, code: "forbidden"),
        Cell(who: bram, command: .assign, body: { assign($0.bramHandover, to: bram) }, code: "forbidden"),
        Cell(
            who: anna, command: .assign, body: { assign($0.bramHandover, to: anna) }, code: "forbidden",
            field: "handover_id"),
        Cell(
            who: youri, command: .assign, body: { assign($0.bramHandover, to: youri) }, code: "forbidden",
            field: "handover_id"),
        Cell(
            who: sandra, command: .assign, body: { assign($0.bramHandover, to: carla) }, code: "forbidden",
            field: "contact"),
        // No session: nothing but HELLO and PING.
        Cell(who: nil, command: .submit, body: submit, code: "hello_required"),
        Cell(who: nil, command: .ack, body: { ack($0.bramHandover) }, code: "hello_required"),
        Cell(who: nil, command: .decline, body: { decline($0.bramHandover) }, code: "hello_required"),
        Cell(who: nil, command: .contacted, body: { ack($0.annaHandover) }, code: "hello_required"),
        Cell(who: nil, command: .outcome, body: { outcome($0.annaHandover) }, code: "hello_required"),
        Cell(who: nil, command: .reopen, body: reopen, code: "hello_required"),
        Cell(who: nil, command: .withdraw, body: withdraw, code: "hello_required"),
        Cell(who: nil, command: .status, body: byID, code: "hello_required"),
        Cell(who: nil, command: .cases, body: { _ in [:] }, code: "hello_required"),
        Cell(who: nil, command: .pending, body: { _ in [:] }, code: "hello_required"),
        Cell(who: nil, command: .signals, body: signals, code: "hello_required"),
        Cell(who: nil, command: .assign, body: { assign($0.bramHandover, to: sandra) }, code: "hello_required"),
        Cell(who: nil, command: .received, body: { _ in ["message_ids": ["msg-x"]] }, code: "hello_required"),
    ]

    /// A daemon with the case's referral: Anna acknowledged the debt need, Bram has the housing need on offer.
    static func fixture(_ daemon: Daemon, connect: (String) throws -> Peer) throws -> Fixture {
        let gp = try connect(Self.gp)
        let externalID = "AUTH-\(UUID().uuidString.prefix(8))"
        let accepted = try gp.submit(try Referrals.make(externalID: externalID, needs: ["debt", "housing"]))
        let referralID = try #require(accepted.body["referral_id"]?.stringValue)
        let anna = try connect(Self.anna)
        let annaHandover = try #require(try anna.next(.handover).body["handover_id"]?.stringValue)
        #expect(try anna.request(.ack, ack(annaHandover), expect: .acked).command == "ACKED")
        let bram = try connect(Self.bram)
        let bramHandover = try #require(try bram.next(.handover).body["handover_id"]?.stringValue)
        return Fixture(
            referralID: referralID, externalID: externalID, annaHandover: annaHandover, bramHandover: bramHandover)
    }

    static func expect(_ answer: WireMessage, _ cell: Cell) {
        #expect(answer.command == "REJECTED", "\(cell.testDescription): \(answer.body.canonicalString())")
        #expect(answer.body["code"]?.stringValue == cell.code, "\(answer.body.canonicalString())")
        #expect(answer.body["field"]?.stringValue == cell.field, "\(answer.body.canonicalString())")
        #expect(answer.body["command"]?.stringValue == cell.command.rawValue)
    }

    static func expected(_ command: Command) -> Command {
        switch command {
        case .submit: .accepted
        case .ack: .acked
        case .decline: .declined
        case .status: .referral
        case .pending: .pendingList
        case .signals: .signalReport
        case .hello: .welcome
        case .received: .pong  // no answer on success; only REJECTED can come
        default: .noted
        }
    }

    @Test(arguments: cells)
    func aForbiddenCellIsRefusedAndChangesNothing(_ cell: Cell) throws {
        let daemon = try Daemon()
        try daemon.start()
        let fixture = try Self.fixture(daemon) { try daemon.connect(as: $0) }
        let before = try daemon.connect(as: Self.gp).request(.status, Self.byID(fixture), expect: .referral)
        let peer = try cell.who.map { try daemon.connect(as: $0) } ?? daemon.peer()
        Self.expect(try peer.request(cell.command, cell.body(fixture), expect: Self.expected(cell.command)), cell)
        // Nothing changed: the referral's handovers and timeline are as they were.
        let after = try daemon.connect(as: Self.gp).request(.status, Self.byID(fixture), expect: .referral)
        #expect(after.body["handovers"] == before.body["handovers"])
        #expect(after.body["timeline"] == before.body["timeline"])
        #expect(peer.violations.isEmpty, "\(peer.violations)")
    }

    /// The allowed cells next to the forbidden ones, so the refusals above are about who asks, not about the ids.
    @Test func theRightfulPrincipalsMayDoWhatOthersMayNot() throws {
        let daemon = try Daemon()
        try daemon.start()
        let fixture = try Self.fixture(daemon) { try daemon.connect(as: $0) }
        let gp = try daemon.connect(as: Self.gp)
        #expect(try gp.request(.status, Self.byExternalID(fixture), expect: .referral).command == "REFERRAL")
        let anna = try daemon.connect(as: Self.anna)
        #expect(try anna.request(.status, Self.byID(fixture), expect: .referral).command == "REFERRAL")
        #expect(try anna.request(.contacted, Self.ack(fixture.annaHandover), expect: .noted).command == "NOTED")
        #expect(try gp.request(.outcome, Self.outcome(fixture.annaHandover), expect: .noted).command == "NOTED")
        #expect(try anna.request(.outcome, Self.outcome(fixture.annaHandover), expect: .noted).command == "NOTED")
        // A coordinator lists their organisation's handovers: Bram's offer is on Sandra's list.
        let list = try daemon.connect(as: Self.sandra).request(.pending, [:], expect: .pendingList)
        #expect(list.body["handovers"]?[0]?["handover_id"] == .string(fixture.bramHandover), "\(list.body)")
        let bram = try daemon.connect(as: Self.bram)
        #expect(
            try bram.request(.decline, Self.decline(fixture.bramHandover), expect: .declined).command == "DECLINED")
        // Having declined, Bram holds nothing in the referral any more and may no longer see it.
        let refused = try bram.request(.status, Self.byID(fixture), expect: .referral)
        #expect(refused.body["code"]?.stringValue == "forbidden")
        // A coordinator re-offers a colleague's unanswered offer: Carla has the housing need now.
        let status = try gp.request(.status, Self.byID(fixture), expect: .referral)
        let toCarla = try #require(status.body["handovers"]?.arrayValue?.last)
        #expect(toCarla["contact"]?["id"] == .string(Self.carla) && toCarla["state"] == "offered", "\(toCarla)")
        let youri = try daemon.connect(as: Self.youri)
        let reoffered = try youri.request(
            .assign, Self.assign(toCarla["handover_id"]?.stringValue ?? "", to: Self.youri), expect: .noted)
        #expect(reoffered.command == "NOTED" && reoffered.body["event"] == "assigned", "\(reoffered.body)")
        // And the referrer may withdraw what it submitted.
        let withdrawn = try gp.request(.withdraw, Self.withdraw(fixture), expect: .noted)
        #expect(withdrawn.command == "NOTED" && withdrawn.body["event"] == "withdrawn", "\(withdrawn.body)")
    }

    @Test func receivedForAnotherPrincipalsMessagesConfirmsNothing() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: Self.gp)
        _ = try gp.submit(try Referrals.make(needs: ["debt"]))
        let notice = try gp.next(.notice)
        let messageID = try #require(notice.body["message_id"]?.stringValue)
        let anna = try daemon.connect(as: Self.anna)
        try anna.send(.received, ["message_ids": [.string(messageID)]])
        #expect(try anna.request(.ping, [:], expect: .pong).command == "PONG")  // no REJECTED: ignored
        // The GP's notice is still unconfirmed: the next HELLO sends it again.
        let again = try daemon.connect(as: Self.gp)
        #expect(try again.next(.notice).body["message_id"]?.stringValue == messageID)
    }

    // MARK: An adapter acting for its contact (CURVE mode)

    /// The forbidden cells of the column "adapter acting for its contact": the debt organisation's adapter, allowed
    /// by the map to act for Anna, holds a session as Anna and may do exactly what she may.
    static let actingCells: [Cell] = [
        Cell(who: anna, command: .submit, body: submit, code: "forbidden"),
        Cell(who: anna, command: .reopen, body: reopen, code: "forbidden", field: "referral_id"),
        Cell(who: anna, command: .withdraw, body: withdraw, code: "forbidden", field: "referral_id"),
        Cell(who: anna, command: .ack, body: { ack($0.bramHandover) }, code: "forbidden", field: "handover_id"),
        Cell(who: anna, command: .decline, body: { decline($0.bramHandover) }, code: "forbidden", field: "handover_id"),
        Cell(who: anna, command: .status, body: byExternalID, code: "not_found", field: "external_id"),
        Cell(
            who: anna, command: .assign, body: { assign($0.bramHandover, to: anna) }, code: "forbidden",
            field: "handover_id"),
        Cell(who: bram, command: .hello, body: { _ in ["as": .string(bram)] }, code: "forbidden", field: "as"),
        Cell(who: gp, command: .hello, body: { _ in ["as": .string(gp)] }, code: "forbidden", field: "as"),
    ]

    @Test(arguments: actingCells)
    func anAdapterActingForItsContactMayDoOnlyWhatTheContactMay(_ cell: Cell) throws {
        let keys = [Self.gp, Self.anna, Self.bram, "org:schuldhulp-utrecht"].map { ($0, try! CurveKeyPair.generate()) }
        let pairs = Dictionary(uniqueKeysWithValues: keys)
        let daemon = try Daemon(curve: true)
        try daemon.useSocialMap(
            try SocialMaps.demo(
                keys: pairs.mapValues { [$0] }, actingAdapters: ["org:schuldhulp-utrecht"]))
        try daemon.start()
        let fixture = try Self.fixture(daemon) { try daemon.connect(as: $0, keys: pairs[$0]!) }
        let adapterKeys = pairs["org:schuldhulp-utrecht"]!
        let adapter: Peer
        if cell.command == .hello {
            adapter = try daemon.peer(keys: adapterKeys)
        } else {
            adapter = try daemon.connect(as: Self.anna, keys: adapterKeys)
        }
        Self.expect(
            try adapter.request(cell.command, cell.body(fixture), expect: Self.expected(cell.command)), cell)
        #expect(adapter.violations.isEmpty, "\(adapter.violations)")
    }
}
