import Dispatch
import Foundation
import SchakelProtocol
import Storage
import Synchronization
import ZeroMQ

/// The machine's own limits, measured in the same run as the figures they bound.
enum Ceilings {
    /// DEALER↔ROUTER round trips per second with `frames` as the message, keeping `window` in
    /// flight; the ROUTER echoes on its own thread, like the daemon's loop but doing nothing else.
    /// A `tcp://…:*` endpoint is bound on a port the kernel picks (a fixed port collided with other tests'
    /// connections in the ephemeral range), and the dealer connects to the one it bound.
    static func zmqRoundTrips(endpoint: String, frames: [Data], window: Int, seconds: Double) throws -> Double {
        let ready = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        let bound = Mutex<String?>(nil)
        let thread = Thread {
            defer { done.signal() }
            do {
                let context = try ZMQContext()
                defer { context.close() }
                let router = try context.socket(.router)
                defer { router.close() }
                try router.setLinger(milliseconds: 0)
                try router.setSendHighWaterMark(1_000_000)
                try router.setReceiveHighWaterMark(1_000_000)
                try router.setReceiveTimeout(milliseconds: 100)
                try router.bind(endpoint)
                let last = try router.lastEndpoint()
                bound.withLock { $0 = last }
                ready.signal()
                while let message = try router.receive() {
                    if message.frames.count == 2 { break }  // the stop signal: routing id + one frame
                    _ = try router.send(message.frames)
                }
            } catch {
                FileHandle.standardError.write(Data("schakel-bench: echo router: \(error)\n".utf8))
                ready.signal()
            }
        }
        thread.start()
        ready.wait()
        guard let endpoint = bound.withLock({ $0 }) else { throw BenchError("the echo router could not bind") }
        let context = try ZMQContext()
        defer { context.close() }
        let dealer = try context.socket(.dealer)
        defer { dealer.close() }
        try dealer.setLinger(milliseconds: 0)
        try dealer.setSendHighWaterMark(1_000_000)
        try dealer.setReceiveHighWaterMark(1_000_000)
        try dealer.setReceiveTimeout(milliseconds: 5_000)
        try dealer.connect(endpoint)
        var inFlight = 0
        var completed = 0
        let start = Clock.nanoseconds()
        let end = start + UInt64(seconds * 1e9)
        while true {
            while inFlight < window, Clock.nanoseconds() < end {
                _ = try dealer.send(frames)
                inFlight += 1
            }
            guard inFlight > 0 else { break }
            guard try dealer.receive() != nil else { throw BenchError("the echo router stopped answering") }
            inFlight -= 1
            completed += 1
        }
        let elapsed = Double(Clock.nanoseconds() - start) / 1e9
        _ = try dealer.send([Data("STOP".utf8)])
        done.wait()
        return Double(completed) / elapsed
    }

    /// Durable SQLite commits per second (rows per second when `rowsPerCommit` > 1) in WAL mode
    /// with synchronous FULL, through the same Storage wrapper the daemon uses.
    static func sqliteRowsPerSecond(directory: URL, rowsPerCommit: Int, row: String, seconds: Double) throws -> Double {
        let path = directory.appendingPathComponent("ceiling-\(rowsPerCommit).sqlite").path
        var options = Database.Options()
        options.synchronous = .full
        let db = try Database(path: path, options: options)
        defer { try? db.close() }
        try db.execute(
            """
            CREATE TABLE referrals (referral_id TEXT PRIMARY KEY, organisation TEXT NOT NULL,
              external_id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
              UNIQUE (organisation, external_id))
            """)
        let insert = "INSERT INTO referrals VALUES (?, ?, ?, ?, ?)"
        var rows = 0
        let start = Clock.nanoseconds()
        let end = start + UInt64(seconds * 1e9)
        while Clock.nanoseconds() < end {
            try db.transaction {
                for _ in 0..<rowsPerCommit {
                    rows += 1
                    try db.run(
                        insert,
                        [
                            .text("ref-\(UUID().uuidString.lowercased())"), .text("org:bench"), .text("C-\(rows)"),
                            .text(row), .text("2026-11-23T09:30:00Z"),
                        ])
                }
            }
        }
        let elapsed = Double(Clock.nanoseconds() - start) / 1e9
        try db.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return Double(rows) / elapsed
    }
}

/// Monotonic time for measurements.
enum Clock {
    static func nanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
