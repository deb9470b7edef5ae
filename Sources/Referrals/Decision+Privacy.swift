import SchakelProtocol

/// The citizen's data in the life cycle: withdrawn with the consent (WITHDRAW, `expires_at`), erased on request,
/// purged after the retention period.
extension Decision {
    /// WITHDRAW from the referring organisation: every open handover is cancelled (CANCELLED `withdrawn` to its
    /// holder) and the citizen's personal data is deleted at once. Answering again changes nothing. Returns the ids
    /// cancelled.
    mutating func withdraw(by principal: String, reason: WithdrawReason) throws(Rejection) -> [String] {
        guard referralCase.organisation == principal else {
            throw Rejection(
                .forbidden, "only the referring organisation withdraws \(referralCase.id)", field: "referral_id")
        }
        guard referralCase.state != .withdrawn else { return [] }
        let cancelled = end(reason: reason, cancel: .withdrawn)
        log(
            .info, "referral.withdrawn",
            ["referral": referralCase.id, "reason": reason.rawValue, "cancelled": "\(cancelled.count)"])
        return cancelled
    }

    /// CITIZEN_WITHDRAW: the citizen withdrew their consent through a portal. Exactly the referrer's WITHDRAW with
    /// `consent_withdrawn`, and the referrer, who did not send it, hears of it (NOTICE `consent_withdrawn`).
    /// Returns the ids cancelled.
    mutating func withdrawForCitizen(through portal: String) -> [String] {
        guard referralCase.state != .withdrawn else { return [] }
        let cancelled = end(reason: .consentWithdrawn, cancel: .withdrawn)
        send(
            to: referralCase.organisation,
            .notice(
                Notice(
                    messageID: "", referralID: referralCase.id, externalID: referralCase.externalID,
                    event: .consentWithdrawn, at: at)))
        log(
            .info, "referral.withdrawn_by_citizen",
            ["referral": referralCase.id, "portal": portal, "cancelled": "\(cancelled.count)"])
        return cancelled
    }

    /// The consent's `expires_at` passed: withdrawn as if the referrer had sent WITHDRAW.
    mutating func expireConsent() {
        guard referralCase.state != .withdrawn else { return }
        end(reason: .consentExpired, cancel: .withdrawn)
        send(
            to: referralCase.organisation,
            .notice(
                Notice(
                    messageID: "", referralID: referralCase.id, externalID: referralCase.externalID,
                    event: .consentExpired, at: at)))
        log(.info, "referral.consent_expired", ["referral": referralCase.id])
    }

    /// Right to erasure: like WITHDRAW, and every contact who holds or held a handover of it is told (CANCELLED
    /// `erased`), and the referrer gets NOTICE `erased`. Returns the ids cancelled.
    mutating func erase(by operatorName: String) -> [String] {
        let cancelled = end(reason: .erased, cancel: .erased)
        send(
            to: referralCase.organisation,
            .notice(
                Notice(
                    messageID: "", referralID: referralCase.id, externalID: referralCase.externalID, event: .erased,
                    at: at)))
        log(.info, "referral.erased", ["referral": referralCase.id, "by": operatorName])
        return cancelled
    }

    /// Ends a referral: cancels its open handovers (CANCELLED `cancel` to their holders, to the holder of an offer
    /// only if they received it; with `erased` also to the contacts who acknowledged one, so they delete what they
    /// hold), drops its timers, marks it withdrawn and purges its personal data. A referral that had closed stays
    /// closed, only purged. Returns the ids cancelled.
    @discardableResult
    mutating func end(reason: WithdrawReason, cancel: CancelReason) -> [String] {
        let wasClosed = referralCase.state == .closed
        var cancelled: [String] = []
        for handover in referralCase.handovers {
            switch handover.state {
            case .offered, .accepted, .contacted, .waiting, .unowned:
                update(handover.id) { [at] in
                    $0.state = .cancelled
                    $0.ackBy = nil
                    $0.contactBy = nil
                    $0.nazorgAt = nil
                    $0.answerBy = nil
                    $0.updatedAt = at
                }
                if let contact = handover.contact, handover.state == .offered || handover.state.isTaken {
                    changeLoad(of: contact, by: -1)
                }
                if handover.state == .offered { emit(.offerSettled(handoverID: handover.id)) }
                cancelTimers(forHandover: handover.id)
                cancelled.append(handover.id)
                if let contact = handover.contact, handover.state == .offered {
                    // Told only if they received the offer; one they never saw just leaves their outbox.
                    tellWithdrawn(handover.id, from: contact, event: "cancelled", reason: cancel)
                    continue
                }
                // A need that waited had no contact: the referral's `withdrawn` event says enough for it.
                if let contact = handover.contact {
                    record("cancelled", handoverID: handover.id, contact: contact)
                }
            case .completed where cancel == .erased:
                break  // told below: they hold the citizen's details from their ACKED
            default:
                continue
            }
            if let contact = handover.contact {
                send(
                    to: contact,
                    .cancelled(
                        Cancelled(messageID: "", handoverID: handover.id, referralID: referralCase.id, reason: cancel)))
            }
        }
        cancelAllTimers()
        if !wasClosed {
            referralCase.state = .withdrawn
            referralCase.withdrawnReason = reason
            referralCase.closedAt = referralCase.closedAt ?? at
            referralCase.updatedAt = at
            emit(.referralChanged)
            record(reason == .erased ? "erased" : "withdrawn", detail: ["reason": .string(reason.rawValue)])
        } else if reason == .erased {
            record("erased", detail: ["reason": .string(reason.rawValue)])
        }
        purge(why: reason.rawValue)
        return cancelled
    }

    /// Deletes the personal data of the referral and keeps the pseudonymous rest (states, times, domains, outcome
    /// codes, the timeline). Once only: a purge is final.
    mutating func purge(why: String) {
        guard !referralCase.isPurged else { return }
        referralCase.purgedAt = at
        referralCase.referral = nil
        referralCase.canonicalBody = nil
        emit(.purged)
        cancelTimer(.retention, subject: referralCase.id)
        record("purged", detail: ["reason": .string(why)])
        log(.info, "referral.purged", ["referral": referralCase.id, "reason": why])
    }
}
