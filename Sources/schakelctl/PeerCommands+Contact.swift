import SchakelClient
import SchakelProtocol

/// A contact person's view of their work: what waits (offers), what they hold (cases), and everything new (inbox).
extension PeerCommands {
    /// Every waiting message, each confirmed once shown, so none is shown twice; offers are left for take or decline
    /// (or, with `--ack`, taken here), since confirming an offer would hide it from `offers`.
    func inbox() throws -> ExitCode {
        try invocation.expect(0, "--as PRINCIPAL [--ack]", help: help)
        var status = ExitCode.ok
        try readOutbox { incoming in
            output.message(incoming.message)
            guard case .handover(let offer) = incoming.kind else {
                client.confirm(incoming)
                return
            }
            if invocation.flags.contains("--ack"), answer(try client.ack(handoverID: offer.handoverID).message) != .ok {
                status = .refused
            }
        }
        return status
    }

    /// ACK of one offer, then (for people) the deadlines the case now has, from CASES: ACKED does not carry them.
    func take(_ handoverID: String) throws -> ExitCode {
        let status = answer(try client.ack(handoverID: handoverID).message)
        guard status == .ok, !output.json, case .success(let list) = try client.cases().result,
            let held = list.cases.first(where: { $0.handoverID == handoverID })
        else { return status }
        var rows: [(String, String)] = []
        if let at = held.contactBy {
            rows.append(("contact_by", "\(AmsterdamTime.text(at))  (then: schakelctl contacted \(handoverID))"))
        }
        if let at = held.nazorgAt { rows.append(("nazorg_at", AmsterdamTime.text(at))) }
        if let at = held.answerBy { rows.append(("answer_by", AmsterdamTime.text(at))) }
        if !rows.isEmpty { print(MessageText.block("deadlines", rows)) }
        return status
    }

    /// The offers waiting for this contact, with their deadlines; nothing confirmed, nobody named.
    func offers() throws -> ExitCode {
        try invocation.expect(0, "--as contact:ID", help: help)
        var offers: [(WireMessage, HandoverOffer)] = []
        try readOutbox { incoming in
            if case .handover(let offer) = incoming.kind { offers.append((incoming.message, offer)) }
        }
        if output.json {
            for (message, _) in offers { output.message(message) }
            return .ok
        }
        guard !offers.isEmpty else {
            print("no offers waiting")
            return .ok
        }
        let rows = offers.map { _, offer -> [String] in
            [
                offer.handoverID, "\(offer.need.index) \(offer.need.domain)", offer.urgency.rawValue,
                offer.citizen.municipality, offer.citizen.language ?? "-", offer.ackBy.map(AmsterdamTime.text) ?? "-",
                offer.need.summary ?? "",
            ]
        }
        print(
            MessageText.table(
                ["HANDOVER", "NEED", "URGENCY", "MUNICIPALITY", "LANGUAGE", "ANSWER BY", "SUMMARY"], rows))
        print("take one with: schakelctl take HANDOVER_ID; or decline HANDOVER_ID --reason REASON")
        return .ok
    }

    /// The handovers this contact holds, with the next deadline of each (CASES).
    func cases() throws -> ExitCode {
        try invocation.expect(0, "--as contact:ID", help: help)
        let reply = try client.cases()
        guard case .success(let list) = reply.result, !output.json else { return answer(reply.message) }
        guard !list.cases.isEmpty else {
            print("no cases: you hold no acknowledged handover that waits for contact or nazorg")
            return .ok
        }
        let rows = list.cases.map { held -> [String] in
            var next = "-"
            if let due = held.next {
                next = "\(due.deadline) \(AmsterdamTime.text(due.at))\(due.overdue ? " OVERDUE" : "")"
            }
            return [
                held.handoverID, "\(held.need.index) \(held.need.domain)", held.urgency.rawValue,
                held.state.rawValue + (held.lead ? ", lead" : ""), AmsterdamTime.text(held.acknowledgedAt), next,
            ]
        }
        print(MessageText.table(["HANDOVER", "NEED", "URGENCY", "STATE", "TAKEN", "NEXT DEADLINE"], rows))
        return .ok
    }

    /// What the coordinator's organisation must act on (PENDING): overdue and unowned first.
    func pending() throws -> ExitCode {
        try invocation.expect(0, "--as contact:COORDINATOR", help: help)
        let reply = try client.pending()
        guard case .success(let list) = reply.result, !output.json else { return answer(reply.message) }
        guard !list.handovers.isEmpty else {
            print("nothing pending at \(list.organisation): no open offer, overdue case, waiting or unowned need")
            return .ok
        }
        let rows = list.handovers.map { item -> [String] in
            [
                item.kind.rawValue.uppercased(), item.handoverID, "\(item.need.index) \(item.need.domain)",
                item.urgency.rawValue, item.municipality, item.contact ?? "-",
                item.due.map { AmsterdamTime.text($0) } ?? "-", AmsterdamTime.text(item.since),
            ]
        }
        print(
            MessageText.table(["WHAT", "HANDOVER", "NEED", "URGENCY", "MUNICIPALITY", "CONTACT", "DUE", "SINCE"], rows))
        print(
            "assign one to a colleague: schakelctl assign HANDOVER_ID contact:COLLEAGUE --as \(invocation.options["--as"] ?? "contact:…")"
        )
        return .ok
    }
}
