import Foundation
import SchakelProtocol
import Sodium
import Storage

/// The operator's side of privacy (Protocols/ADMIN.md): purge, audit, export, erase and key rotation, and an
/// audit event for every admin action.
extension BrokerServer {
    func registerPrivacyCommands() {
        adminCommands.register(
            "purge",
            summary: "delete the personal data of referrals closed longer than the retention period (\"dry_run\": list)"
        ) { [unowned self] request throws(AdminError) in
            var retention = config.retention
            if let text = request["older_than"]?.stringValue {
                guard let parsed = ISODuration(text), parsed.seconds > 0 else {
                    throw .invalid("purge \"older_than\" must be an ISO 8601 duration such as P30D")
                }
                retention = parsed
            }
            let dryRun = request["dry_run"]?.boolValue ?? false
            do {
                let candidates = try desk.purgeCandidates(retention: retention)
                if !dryRun {
                    try commitChange {
                        for candidate in candidates {
                            try desk.purge(candidate.referralID, why: "purge")
                        }
                    }
                }
                logger.info("admin.purge", ["dry_run": "\(dryRun)", "referrals": "\(candidates.count)"])
                return [
                    "dry_run": .bool(dryRun), "retention": .string(retention.text),
                    "referrals": .array(
                        candidates.map {
                            [
                                "referral_id": .string($0.referralID), "state": .string($0.state),
                                "closed_at": .string($0.closedAt), "purge_at": .string($0.purgeAt),
                            ]
                        }),
                ]
            } catch {
                throw AdminError("failed", "the purge could not be done: \(error)")
            }
        }
        adminCommands.register("audit", summary: "every event of \"referral_id\": disclosures and admin actions too") {
            [unowned self] request throws(AdminError) in
            let referralID = try referralArgument(request, "audit")
            do {
                guard try desk.referralExists(referralID) else {
                    throw AdminError("not_found", "no referral \(referralID)")
                }
                return ["referral_id": .string(referralID), "events": .array(try desk.auditTrail(referralID))]
            } catch let error as AdminError {
                throw error
            } catch {
                throw AdminError("failed", "could not read the audit trail: \(error)")
            }
        }
        adminCommands.register(
            "export", summary: "everything held about the citizen of \"referral_id\", personal data opened (access)"
        ) { [unowned self] request throws(AdminError) in
            let referralID = try referralArgument(request, "export")
            do {
                let export = try desk.export(referralID)
                logger.info("admin.export", ["referral": referralID])
                return ["referral_id": .string(referralID), "export": export]
            } catch let rejection as Rejection where rejection.code == .notFound {
                throw AdminError("not_found", rejection.message)
            } catch {
                throw AdminError("failed", "could not export \(referralID): \(error)")
            }
        }
        adminCommands.register(
            "erase", summary: "erase the citizen's data of \"referral_id\" and tell every holder (right to erasure)"
        ) { [unowned self] request throws(AdminError) in
            let referralID = try referralArgument(request, "erase")
            do {
                let (cancelled, told) = try commitChange { try desk.erase(referralID, by: "admin") }
                return [
                    "referral_id": .string(referralID), "cancelled": .array(cancelled.map { .string($0) }),
                    "told": .array(told.map { .string($0) }),
                ]
            } catch let rejection as Rejection where rejection.code == .notFound {
                throw AdminError("not_found", rejection.message)
            } catch {
                throw AdminError("failed", "could not erase \(referralID): \(error)")
            }
        }
        adminCommands.register(
            "key.rotate",
            summary: "seal new data under \"key_id\" and re-seal everything in the background; again for progress"
        ) { [unowned self] request throws(AdminError) in
            guard let keyID = request["key_id"]?.stringValue, SealingKey.isValidID(keyID) else {
                throw .invalid("key.rotate needs \"key_id\": the id of a key file <key_dir>/<key_id>.key")
            }
            if desk.keys.current.id != keyID {
                let path = config.keyDirectory.appendingPathComponent("\(keyID).key").path
                do {
                    try DataKeys.checkPrivate(path)
                    desk.keys.add(try SealingKey.load(id: keyID, contentsOf: path))
                    try desk.keys.makeCurrent(keyID)
                } catch {
                    throw AdminError("failed", "cannot use key \(keyID): \(error)")
                }
                startRotation()
                if config.encryption.keyID != keyID {
                    // The running daemon follows the command; a start follows the config.
                    logger.warning(
                        "encryption.config_differs",
                        ["key_id": keyID, "config_key_id": config.encryption.keyID, "fix": "set encryption.key_id"])
                    config.encryption.keyID = keyID
                }
            } else if rotation.keyID != keyID {
                startRotation()  // the current key: re-seal whatever is not under it yet
            }
            do {
                let remaining = try unsealedUnderCurrentKey()
                return [
                    "key_id": .string(keyID), "resealed": .int(rotation.resealed), "remaining": .int(remaining),
                    // Done once the pass is over too: its last commit checkpointed the WAL.
                    "done": .bool(remaining == 0 && !rotation.isActive),
                ]
            } catch {
                throw AdminError("failed", "could not count the sealed values: \(error)")
            }
        }
    }

    /// The referral an admin command names: `referral_id`, or the `external_id` the referrer chose (with
    /// `organisation` when several organisations chose the same one), since the caller who asks the operator quotes
    /// the id from their own system.
    private func referralArgument(_ request: JSONValue, _ command: String) throws(AdminError) -> String {
        if let id = request["referral_id"]?.stringValue, (1...100).contains(id.count) {
            return id
        }
        guard let externalID = request["external_id"]?.stringValue, (1...128).contains(externalID.count) else {
            throw .invalid("\(command) needs \"referral_id\" (ref-…) or \"external_id\"")
        }
        let organisation = request["organisation"]?.stringValue
        let found: [(String, String)]
        do {
            found = try desk.referrals(withExternalID: externalID, organisation: organisation)
        } catch {
            throw AdminError("failed", "could not look up external_id \(externalID): \(error)")
        }
        switch found.count {
        case 0:
            throw AdminError(
                "not_found", "no referral with external_id \(externalID)" + (organisation.map { " from \($0)" } ?? ""))
        case 1:
            return found[0].1
        default:
            let listed = found.map { "\($0.1) (\($0.0))" }.joined(separator: ", ")
            throw AdminError(
                "conflict",
                "external_id \(externalID) was chosen by more than one organisation: \(listed); name the referral_id")
        }
    }

    // MARK: Key rotation in the background

    /// The columns that hold sealed values, with the key of their rows and which rows count.
    /// How many sealed values (or values from before encryption at rest) are not under the current key.
    func unsealedUnderCurrentKey() throws -> Int {
        try desk.store.unsealedUnderCurrentKey()
    }

    /// At start: a background re-seal pass unless the last completed pass was under the current key (the
    /// `sealed_under` setting). So a key id changed in the config, a pass cut short by a restart, and a database
    /// from before encryption at rest are all sealed under the current key, without a scan at every start.
    func startRotationIfNeeded() {
        do {
            let sealedUnder = try desk.store.sealedUnder()
            guard sealedUnder != desk.keys.current.id else { return }
            startRotation()
        } catch {
            logger.error("encryption.rotation_check_failed", ["error": "\(error)"])
        }
    }

    /// Starts a re-seal pass under the current key; `sealed_under` is cleared until it completes.
    private func startRotation() {
        do {
            try commitChange { try desk.store.setSealedUnder(nil) }
        } catch {
            logger.error("encryption.rotation_start_failed", ["error": "\(error)"])
        }
        rotation = KeyRotation(keyID: desk.keys.current.id)
        logger.info("encryption.rotation_started", ["key_id": desk.keys.current.id])
    }

    /// One batch of the re-seal, in its own transaction between two turns of the loop, so that service goes on.
    func resealBatch(limit: Int = 200) {
        guard rotation.isActive else { return }
        let current = desk.keys.current.id
        do {
            try commitChange {
                var budget = limit
                for index in ReferralStore.sealedColumns.indices where budget > 0 {
                    let cursor = rotation.cursors[index]
                    guard cursor != Int64.max else { continue }
                    let (next, scanned, resealed) = try desk.store.reseal(column: index, after: cursor, limit: budget)
                    rotation.resealed += resealed
                    budget -= scanned
                    rotation.cursors[index] = next ?? Int64.max  // Int64.max: this column is done
                }
                // Done: checkpoint after this commit, so no copy under the old key (or in the clear) stays in the WAL.
                if !rotation.isActive {
                    desk.record(.checkpoint)
                    try desk.store.setSealedUnder(current)
                }
            }
        } catch {
            logger.error("encryption.reseal_failed", ["error": "\(error)"])
            rotation.failures += 1
            if rotation.failures > 10 { rotation.cursors = [Int64.max, Int64.max, Int64.max] }
            return
        }
        if !rotation.isActive {
            logger.info("encryption.rotation_done", ["key_id": current, "resealed": "\(rotation.resealed)"])
        }
    }

    // MARK: Audit of admin actions

    /// Records an admin command in the events table (`admin.<command>`), on its referral when it names one.
    ///
    /// The row keeps only arguments that have their documented form (`AdminArguments.validated`: ids the broker
    /// made, principals, durations, flags) and the path of a backup: a name or a phone number typed where an id
    /// belongs is left out, since the audit trail outlives the referral's personal data. A command the daemon does
    /// not know is recorded as `admin.unknown` with its outcome only: an attempt, nothing of what was typed.
    func auditAdminAction(request frames: [Data], command typed: String?, error: AdminError?) {
        guard let typed, typed != "help", typed != "stats", typed != "signals" else { return }
        let command = adminCommands.summaries[typed] == nil ? "unknown" : typed
        var detail: [String: JSONValue] = ["ok": .bool(error == nil)]
        if let error { detail["code"] = .string(error.code) }
        var referralID: String?
        if command != "unknown", frames.count == 1, let request = try? JSONValue.parse(frames[0]),
            case .object(let fields) = request
        {
            for (key, value) in fields {
                if let kept = AdminArguments.validated(key, value) { detail[key] = kept }
            }
            if command == "backup", let path = fields["path"]?.stringValue, path.hasPrefix("/"),
                path.utf8.count <= 4_096
            {
                detail["path"] = .string(path)
            }
            if let id = detail["referral_id"]?.stringValue, (try? desk.referralExists(id)) == true {
                referralID = id
            } else if let externalID = fields["external_id"]?.stringValue,
                let found = try? desk.referrals(
                    withExternalID: externalID, organisation: fields["organisation"]?.stringValue),
                found.count == 1
            {
                referralID = found[0].1  // recorded on the referral, never the external id itself
            }
        }
        do {
            try commitChange {
                try desk.appendEvent(referralID, "admin.\(command)", detail: detail)
            }
        } catch {
            logger.error("audit.write_failed", ["command": command, "error": "\(error)"])
        }
    }
}

/// A re-seal under a new key, done in batches between turns of the event loop.
struct KeyRotation {
    var keyID: String?
    /// Per sealed column, the last rowid done; `Int64.max` when the column is finished.
    var cursors: [Int64] = [Int64.max, Int64.max, Int64.max]
    var resealed = 0
    var failures = 0

    init() {}

    init(keyID: String) {
        self.keyID = keyID
        cursors = [0, 0, 0]
    }

    var isActive: Bool { cursors.contains { $0 != Int64.max } }
}
