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
    private let db: Database
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

    init(context: ZMQContext, settings: EventStreamSettings, db: Database, logger: Logger) throws {
        self.settings = settings
        self.db = db
        self.logger = logger
        instance = String(UUID().uuidString.lowercased().prefix(8))
        lastSeq = try db.queryOne("SELECT COALESCE(MAX(seq), 0) AS seq FROM events")?.int64("seq") ?? 0
        socket = try context.socket(.pub)
        do {
            try socket.setLinger(milliseconds: 200)
            try socket.setSendHighWaterMark(10_000)
            try socket.bind(settings.endpoint)
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
                rows = try db.query(
                    """
                    SELECT e.seq, e.referral_id, e.at, e.event, e.handover_id, e.contact,
                           r.organisation, r.external_id, r.urgency, h.need_index, h.domain
                    FROM events e JOIN referrals r ON r.referral_id = e.referral_id
                    LEFT JOIN handovers h ON h.handover_id = e.handover_id
                    WHERE e.seq > ? ORDER BY e.seq LIMIT ?
                    """, [.integer(lastSeq), .integer(Int64(Self.pageSize))])
            } catch {
                logger.error("events.read_failed", ["error": "\(error)"])
                return
            }
            for row in rows {
                let seq = row.int64("seq") ?? lastSeq
                lastSeq = max(lastSeq, seq)
                guard let event = cloudEvent(row, seq: seq) else {
                    logger.warning("events.unknown_kind", ["event": row.string("event") ?? "-"])
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

    /// The CloudEvent of one event-log row joined with its referral and handover; nil for an unknown kind.
    func cloudEvent(_ row: Row, seq: Int64) -> CloudEvent? {
        guard let type = EventType(timelineEvent: row.string("event") ?? "") else { return nil }
        let referralID = row.string("referral_id") ?? ""
        var data = EventData(
            referralID: referralID, organisation: row.string("organisation") ?? "",
            externalID: row.string("external_id"), urgency: row.string("urgency").flatMap(Urgency.init(rawValue:)))
        if type.isAboutAHandover {
            data.handoverID = row.string("handover_id")
            data.needIndex = row.int("need_index")
            data.domain = row.string("domain")
            data.contact = row.string("contact")
            data.handoverState = type.handoverState
        }
        if type == .referralAccepted { data.duplicate = false }
        return CloudEvent(
            id: "\(instance)-\(seq)", source: settings.source, type: type, time: row.string("at") ?? "",
            subject: referralID, data: data)
    }
}
