import Deadlines
import Foundation
import SchakelProtocol
import Storage
import ZeroMQ

/// The deadline figures of issues 4 and 7: the in-memory timer queue at a million pending
/// timers, and how long schakeld takes to come back with a million open referrals on disk.
enum TimerBench {
    /// Resident memory of this process, in bytes.
    static func ownResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0) * 1024
        }
        return 0
    }

    /// Schedules `count` timers with ids like the daemon's, then cancels them all in random order.
    static func queue(count: Int, into table: inout Table) {
        let base = Date(timeIntervalSince1970: 1_800_000_000)
        var rng = SystemRandomNumberGenerator()
        let ids = (0..<count).map { "ho-\(UUID().uuidString.lowercased())-\($0):ack_expiry" }
        let dues = (0..<count).map { _ in base.addingTimeInterval(Double.random(in: 0..<8_000_000, using: &rng)) }
        let before = ownResidentBytes()
        var queue = TimerQueue<String>()
        var started = Clock.nanoseconds()
        for i in 0..<count { queue.schedule(ids[i], at: dues[i]) }
        let scheduleSeconds = Double(Clock.nanoseconds() - started) / 1e9
        let memory = ownResidentBytes() - before
        table.add("timers: schedule \(count.formatted()) into the queue", Double(count) / scheduleSeconds, "timers/s")
        table.add(
            "timers: memory of the queue at \(count.formatted()) pending", Double(memory) / 1_048_576, "MiB",
            note: "VmRSS delta; \(memory / max(count, 1)) bytes per timer, id strings included")
        // As the store gives them at start: in row order, each with the sequence it was scheduled under.
        let scheduled = zip(ids, dues).enumerated().map { (id: $1.0, due: $1.1, sequence: UInt64($0)) }
        started = Clock.nanoseconds()
        let bulk = TimerQueue(scheduled: scheduled)
        let bulkSeconds = Double(Clock.nanoseconds() - started) / 1e9
        table.add(
            "timers: build the queue from \(bulk.count.formatted()) at once (start-up path)",
            Double(count) / bulkSeconds,
            "timers/s")
        let order = ids.shuffled(using: &rng)
        started = Clock.nanoseconds()
        for id in order { queue.cancel(id) }
        let cancelSeconds = Double(Clock.nanoseconds() - started) / 1e9
        table.add("timers: cancel \(count.formatted()) in random order", Double(count) / cancelSeconds, "timers/s")
    }

    /// Writes `count` open referrals (each with one offered handover, its two deadline rows, its events and its
    /// outbox messages) straight into a migrated database (``Preload``), then times a start of
    /// schakeld on it until it answers PING, and reads its resident memory.
    static func restart(
        count: Int, daemonPath: URL, directory: URL, map: BenchMap, mapURL: URL, logLevel: String,
        into table: inout Table
    ) throws {
        let state = directory.appendingPathComponent("restart-state")
        let endpoint = "ipc://\(directory.path)/restart.sock"
        let configURL = directory.appendingPathComponent("restart.json")
        try BenchMap.config(endpoint: endpoint, stateDirectory: state.path, mapPath: mapURL.path, logLevel: logLevel)
            .canonicalData().write(to: configURL)
        let context = try ZMQContext()
        defer { context.close() }
        progress("restart: writing \(count.formatted()) open referrals into \(state.path)")
        try Preload(count: count, shape: .open, contacts: map.contacts, adapters: map.adapters).fill(
            stateDirectory: state, daemon: daemonPath, config: configURL, endpoint: endpoint,
            log: directory.appendingPathComponent("restart-1.log"), context: context, progress: progress)

        let started = Clock.nanoseconds()
        let daemon = try DaemonProcess(
            executable: daemonPath, config: configURL, endpoint: endpoint,
            log: directory.appendingPathComponent("restart-2.log"))
        try daemon.waitUntilReady(context: context, seconds: 600)
        let seconds = Double(Clock.nanoseconds() - started) / 1e9
        let rss = daemon.residentBytes()
        _ = daemon.stop()
        table.add(
            "restart with \(count.formatted()) open referrals: until PING answers", seconds, "s",
            note: "\((2 * count).formatted()) deadlines loaded; target < 10 s")
        table.add(
            "restart with \(count.formatted()) open referrals: resident memory", Double(rss) / 1_048_576, "MiB",
            note: "\(rss / max(count, 1)) bytes per open referral")
    }
}
