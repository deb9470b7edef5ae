import Foundation
import SchakelProtocol
import Storage
import ZeroMQ

/// The least a durable broker can do for a referral, run as its own process: read the SUBMIT, commit one
/// referral-shaped row for it (the SQLite ceiling's table: an unguessable key, the adapter's external id unique, the
/// body as text), and after the commit send ACCEPTED to the adapter and a HANDOVER to each of two contacts. No
/// parsing beyond finding the external id, no validation, matching, sealing, deadlines, outbox or audit trail.
///
/// Why it exists: the intake target is a figure for this machine, and the bench shares the machine's two cores with
/// the daemon it drives. Driven by the same adapters and contacts as `schakeld`, this broker's intake is the ceiling
/// of any broker that answers only after a durable commit here: the messages and one row, nothing else. A target
/// above it cannot be met on this machine by any layout of the store.
///
/// With more than one row per referral it also writes the rest as narrow rows of about the size the daemon's
/// handovers, outbox messages, events and timers average (`items`, one index by referral, one INSERT per referral):
/// the ceiling of a store that keeps a referral in that many rows, whatever its logic costs.
/// `schakel-bench --bare-broker ENDPOINT DATABASE ROWS`; the bench starts it itself (`Ceilings.bareBrokerIntake`).
enum BareBroker {
    /// As the daemon's `limits.batch_size` in the bench's config: at most this many requests per commit.
    static let batchSize = 512

    /// The SQLite ceiling's referral-shaped table.
    static let schema = """
        CREATE TABLE IF NOT EXISTS referrals (referral_id TEXT PRIMARY KEY, organisation TEXT NOT NULL,
          external_id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
          UNIQUE (organisation, external_id))
        """
    static let insert = "INSERT INTO referrals VALUES (?, ?, ?, ?, ?)"
    /// The other rows of a referral: the size of the daemon's other fifteen rows on average (`--workload 2000`:
    /// 3,873 bytes over handovers, outbox, events and timers; BENCHMARKS.md part five).
    static let itemSchema = """
        CREATE TABLE IF NOT EXISTS items (seq INTEGER PRIMARY KEY AUTOINCREMENT, referral_id TEXT NOT NULL,
          kind TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS items_by_referral ON items (referral_id)
        """
    static let itemBody = String(repeating: "x", count: 220)

    /// A key as the daemon's referral ids are laid out (`Identifier`, issue 22 part four): the wall clock's
    /// milliseconds first, then random bits, so new keys land on the primary-key index's last pages. The kindest
    /// layout an unguessable id allows, so the ceiling stays an upper bound for the daemon.
    static func referralID() -> String {
        let milliseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1_000))
        let random = UUID().uuidString.lowercased()
        let time = String(milliseconds & 0xFFFF_FFFF_FFFF, radix: 16)
        let padded = String(repeating: "0", count: 12 - time.count) + time
        return "ref-" + padded.prefix(8) + "-" + padded.suffix(4) + random.dropFirst(13)
    }

    static func run(endpoint: String, databasePath: String, rowsPerReferral: Int) -> Never {
        // The bench stops it with SIGTERM, whose default action is all it needs; but a child inherits the signal mask
        // of the thread that spawned it, and a bench started from a Dispatch thread (the test runner's) has SIGTERM
        // blocked, so the bare broker would never end.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        do {
            try serve(endpoint: endpoint, databasePath: databasePath, rowsPerReferral: max(1, rowsPerReferral))
        } catch {
            FileHandle.standardError.write(Data("schakel-bench --bare-broker: \(error)\n".utf8))
        }
        exit(1)
    }

    private static func serve(endpoint: String, databasePath: String, rowsPerReferral: Int) throws {
        let db = try Database(path: databasePath, options: Database.Options(synchronous: .full))
        try db.execute(schema)
        try db.execute(itemSchema)
        let items = rowsPerReferral - 1
        let insertItems =
            "INSERT INTO items (referral_id, kind, at, body) VALUES "
            + Array(repeating: "(?, ?, ?, ?)", count: items).joined(separator: ", ")
        let context = try ZMQContext()
        let router = try context.socket(.router)
        try router.setLinger(milliseconds: 0)
        try router.setSendHighWaterMark(1_000_000)
        try router.setReceiveHighWaterMark(1_000_000)
        try router.bind(endpoint)
        var poller = ZMQPoller()
        poller.add(router)

        let signature = WireMessage.signature
        let welcome = Data("WELCOME".utf8)
        let pong = Data("PONG".utf8)
        let accepted = Data("ACCEPTED".utf8)
        let handover = Data("HANDOVER".utf8)
        let empty = Data("{}".utf8)
        let submit = Data("SUBMIT".utf8)
        let hello = Data("HELLO".utf8)
        var principals: [Data: String] = [:]
        var contacts: [Data] = []
        var nextContact = 0
        var batch: [(routingID: Data, externalID: String, body: Data)] = []
        batch.reserveCapacity(batchSize)

        while true {
            _ = try poller.poll(timeoutMilliseconds: 100)
            while batch.count < batchSize, let message = try router.receive(dontWait: true) {
                let frames = message.frames
                guard frames.count == 4 else { continue }
                let routingID = frames[0]
                if frames[2] == submit {
                    batch.append((routingID, Driver.field("external_id", in: frames[3]) ?? "", frames[3]))
                } else if frames[2] == hello {
                    let principal = Driver.field("as", in: frames[3]) ?? ""
                    principals[routingID] = principal
                    if principal.hasPrefix("contact:") { contacts.append(routingID) }
                    _ = try router.send([routingID, signature, welcome, empty])
                } else {
                    _ = try router.send([routingID, signature, pong, empty])
                }
            }
            guard !batch.isEmpty else { continue }
            var referralIDs: [String] = []
            referralIDs.reserveCapacity(batch.count)
            try db.transaction {
                for item in batch {
                    let referralID = referralID()
                    referralIDs.append(referralID)
                    try db.run(
                        insert,
                        [
                            .text(referralID), .text(principals[item.routingID] ?? ""), .text(item.externalID),
                            .text(String(decoding: item.body, as: UTF8.self)), .text("2026-11-23T09:30:00Z"),
                        ])
                    guard items > 0 else { continue }
                    var values: [SQLValue] = []
                    values.reserveCapacity(4 * items)
                    for index in 0..<items {
                        values += [
                            .text(referralID), .text("k\(index)"), .text("2026-11-23T09:30:00Z"), .text(itemBody),
                        ]
                    }
                    try db.run(insertItems, values)
                }
            }
            // Only now, as the daemon does: ACCEPTED after the commit, the offers with it.
            for (item, referralID) in zip(batch, referralIDs) {
                let reply = #"{"external_id":""# + item.externalID + #"","referral_id":""# + referralID + #""}"#
                _ = try router.send([item.routingID, signature, accepted, Data(reply.utf8)])
                for _ in 0..<2 where !contacts.isEmpty {
                    _ = try router.send([contacts[nextContact % contacts.count], signature, handover, item.body])
                    nextContact += 1
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
