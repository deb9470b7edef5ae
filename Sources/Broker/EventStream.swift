import Foundation
import SchakelProtocol
import Storage
import ZeroMQ

/// The event stream of Protocols/EVENTS.md: a PUB socket that publishes every committed state change as a
/// CloudEvent, `[type, JSON]`.
///
/// Owned by the event-loop thread like every other socket. It publishes from the events table, after each
/// commit, every row past the last one it published, in `seq` order: so the stream is exactly what was
/// committed, and nothing of a rolled-back batch ever leaves. It is live-only: at start it begins after the newest
/// row, and a subscriber that was away misses what happened meanwhile (STATUS and the outbox are the durable
/// truth). PUB drops at its high-water mark and to slow joiners; nothing that must arrive depends on it.
final class EventStream {
    let settings: EventStreamSettings
    let socket: ZMQSocket
    private let store: ReferralStore
    private let logger: Logger
    /// The highest `events.seq` published (or skipped at start).
    private(set) var lastSeq: Int64
    /// Random per start: event ids are `<instance>-<seq>`, so ids never repeat even when a restored backup
    /// reuses sequence numbers (a restore always means a new start).
    let instance: String
    private var directCount = 0
    /// Events handed to the socket since start.
    private(set) var published = 0

    /// The most events read from the table per query; the rest follow in the next query of the same call.
    static let pageSize = 1_000

    /// With `curve` (CURVE mode) the socket is a CURVE server with the broker's key, and the ZAP handler admits
    /// only the subscribers of `settings.publicKeys` (ZAP domain ``BrokerServer/eventsZAPDomain``).
    init(
        context: ZMQContext, settings: EventStreamSettings, store: ReferralStore, logger: Logger,
        curve: (secretKey: String, zap: ZMQSocket)? = nil
    ) throws {
        self.settings = settings
        self.store = store
        self.logger = logger
        instance = String(UUID().uuidString.lowercased().prefix(8))
        lastSeq = try store.lastEventSeq()
        socket = try context.socket(.pub)
        do {
            try socket.setLinger(milliseconds: 200)
            try socket.setSendHighWaterMark(10_000)
            if let curve {
                _ = try BrokerServer.bindCurveServer(
                    socket, settings.endpoint, secretKey: curve.secretKey, zap: curve.zap,
                    domain: BrokerServer.eventsZAPDomain)
            } else {
                try socket.bind(settings.endpoint)
            }
        } catch {
            socket.close()
            throw ConfigError("events: cannot bind \(settings.endpoint): \(error)")
        }
    }

    func close() {
        socket.close()
    }

    /// Publishes every committed event-log row after ``lastSeq``. Call it after each commit, on the loop thread.
    func publishCommitted() {
        while true {
            let rows: [Row]
            do {
                rows = try store.events(after: lastSeq, limit: Self.pageSize)
            } catch {
                logger.error("events.read_failed", ["error": "\(error)"])
                return
            }
            for row in rows {
                let seq = row.int64("seq") ?? lastSeq
                lastSeq = max(lastSeq, seq)
                guard let event = cloudEvent(row, seq: seq) else {
                    // An admin command that does not exist is audited under its (operator-typed) name: no type.
                    let kind = row.string("event") ?? "-"
                    if !kind.hasPrefix("admin.") { logger.warning("events.unknown_kind", ["event": kind]) }
                    continue
                }
                send(event)
            }
            if rows.count < Self.pageSize { return }
        }
    }

    /// Publishes an event that has no event-log row (a refused submission, a repeated receipt): once, now, not
    /// durable. Call it only after the batch that caused it committed.
    func publishDirect(type: EventType, time: String, subject: String?, data: EventData) {
        directCount += 1
        send(
            CloudEvent(
                id: "\(instance)-r\(directCount)", source: settings.source, type: type, time: time, subject: subject,
                data: data))
    }

    private func send(_ event: CloudEvent) {
        do {
            // PUB never blocks: at the high-water mark it drops, which is the contract of the stream.
            _ = try socket.send(event.frames(), dontWait: true)
            published += 1
        } catch {
            logger.warning("events.send_failed", ["type": event.type.rawValue, "error": "\(error)"])
        }
    }

    /// The CloudEvent of one event-log row joined with its referral and handover; nil for an unknown kind, or a
    /// row about a referral that is not there.
    ///
    /// A row without a referral (an admin action that names none) has no subject. Only the safe parts of `detail`
    /// are published: reasons, field names (never values) and admin arguments in their documented form.
    func cloudEvent(_ row: Row, seq: Int64) -> CloudEvent? {
        guard let type = EventType(timelineEvent: row.string("event") ?? "") else { return nil }
        let referralID = row.string("referral_id")
        let organisation = row.string("organisation")
        // Every row but an admin one belongs to a referral; one without it (which the schema does not allow)
        // is skipped rather than published broken.
        guard type.adminCommand != nil || (referralID != nil && organisation != nil) else { return nil }
        var data = EventData(
            referralID: organisation == nil ? nil : referralID, organisation: organisation,
            externalID: row.string("external_id"), urgency: row.string("urgency").flatMap(Urgency.init(rawValue:)))
        var detail: [String: JSONValue] = [:]
        if let text = row.string("detail"), case .object(let fields)? = try? JSONValue.parse(Data(text.utf8)) {
            detail = fields
        }
        if type.isAboutAHandover {
            data.handoverID = row.string("handover_id")
            data.needIndex = row.int("need_index")
            data.domain = row.string("domain")
            data.contact = row.string("contact")
            data.handoverState = type.handoverState
        }
        switch type {
        case .referralAccepted:
            data.duplicate = false
        case .referralWithdrawn, .referralPurged:
            data.reason = detail["reason"]?.stringValue.flatMap { Self.reasons.contains($0) ? $0 : nil }
        case .referralDisclosed:
            data.fields = (detail["fields"]?.arrayValue ?? []).compactMap(\.stringValue).filter {
                Self.personalFieldNames.contains($0)
            }
        default:
            if let command = type.adminCommand {
                data.command = command
                data.ok = detail["ok"] == .bool(true)
                data.error =
                    data.ok == true
                    ? nil
                    : detail["code"]?.stringValue.flatMap {
                        Self.adminErrorCodes.contains($0) ? $0 : nil
                    }
                data.arguments = AdminArguments(audited: detail, command: command)
            }
        }
        return CloudEvent(
            id: "\(instance)-\(seq)", source: settings.source, type: type, time: row.string("at") ?? "",
            subject: data.referralID, data: data)
    }

    /// The `reason`s a withdrawal or purge is published with; anything else is left out.
    static let reasons: Set<String> = Set(WithdrawReason.allCases.map(\.rawValue)).union(["retention", "purge"])
    /// The names `disclosed` rows may hold (ReferralDesk.disclosedFields, offeredFields).
    static let personalFieldNames: Set<String> = [
        "citizen.display_name", "citizen.municipality", "citizen.postcode", "citizen.phone", "citizen.email",
        "citizen.language", "citizen.preferred_channel", "referrer.name", "referrer.phone", "referrer.email",
        "referrer.role", "need.summary", "life_event", "note",
    ]
    /// The admin error codes (Protocols/ADMIN.md).
    static let adminErrorCodes: Set<String> = [
        "invalid", "unknown_command", "disabled", "failed", "not_found", "conflict", "forbidden",
    ]
}
