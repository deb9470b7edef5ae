import Foundation
import Storage
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// What the bare broker reached under the intake load, and what it and the bench cost per referral.
struct BareBrokerFigures {
    var referralsPerSecond: Double
    /// The bare broker's CPU (all its threads) per accepted referral, in µs, and as a share of one core.
    var brokerMicroseconds: Double
    var brokerCoreShare: Double
    /// The bench's own CPU (adapters, contacts, its ZeroMQ thread) per accepted referral, in µs, and share of a core.
    var benchMicroseconds: Double
    var benchCoreShare: Double
    /// The bare broker's threads' shares of a core (``DaemonProcess/threadShares(since:seconds:)``).
    var threads: String
    var kibWrittenPerReferral: Double?
}

extension Ceilings {
    /// The intake of ``BareBroker`` (`rowsPerReferral` durable rows and the messages per referral, in a process of its
    /// own), driven like the daemon's 64-adapter intake phase: the same adapters, contacts, window and SUBMITs, on a
    /// file of `preload` referral rows (its other rows start empty, which only flatters it).
    /// Fails unless every ACCEPTED it counted has its row in the bare broker's database afterwards.
    static func bareBrokerIntake(
        directory: URL, map: BenchMap, context: ZMQContext, window: Int, seconds: Double, preload: Int,
        rowsPerReferral: Int
    ) throws -> BareBrokerFigures {
        let endpoint = "ipc://\(directory.path)/bare-broker-\(rowsPerReferral).sock"
        let database = directory.appendingPathComponent("bare-broker-\(rowsPerReferral).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) } }
        try fillBareBroker(database: database, count: preload)
        let executable = URL(
            fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        let broker = try DaemonProcess(
            executable: executable, arguments: ["--bare-broker", endpoint, database, String(rowsPerReferral)],
            endpoint: endpoint,
            log: directory.appendingPathComponent("bare-broker-\(rowsPerReferral).log"))
        defer { _ = broker.stop() }
        try broker.waitUntilReady(context: context)
        let contacts = try map.contacts.map { try BenchPeer(context: context, endpoint: endpoint, principal: $0) }
        let adapters = try map.adapters.map { try BenchPeer(context: context, endpoint: endpoint, principal: $0) }
        defer { for peer in contacts + adapters { peer.socket.close() } }
        for peer in contacts + adapters { try peer.hello() }
        let driver = Driver(adapters: adapters, contacts: contacts, run: "bare\(getpid())")
        // Warm-up, as for the daemon: page cache, allocator.
        _ = try driver.closedLoop(adapterCount: 8, window: window, seconds: seconds / 5)

        let brokerBefore = broker.cpuSeconds()
        let threadsBefore = broker.threadCPUSeconds()
        let benchBefore = DaemonProcess.cpuSeconds(of: getpid())
        let writtenBefore = broker.storageBytesWritten()
        let acceptedBefore = driver.accepted
        let started = Clock.nanoseconds()
        let rate = try driver.closedLoop(adapterCount: adapters.count, window: window, seconds: seconds)
        let wall = Double(Clock.nanoseconds() - started) / 1e9
        let referrals = driver.accepted - acceptedBefore
        guard referrals > 0 else { throw BenchError("the bare broker accepted nothing") }
        let brokerCPU = broker.cpuSeconds() - brokerBefore
        let threads = broker.threadShares(since: threadsBefore, seconds: wall)
        let benchCPU = DaemonProcess.cpuSeconds(of: getpid()) - benchBefore
        let written = writtenBefore.flatMap { before in broker.storageBytesWritten().map { $0 - before } }
        let status = broker.stop()
        guard status == SIGTERM || status == 0 else { throw BenchError("the bare broker exited with status \(status)") }

        // Every ACCEPTED stands for a committed row, or the ceiling would be a promise the bare broker did not keep.
        let check = try Database(path: database, options: Database.Options(readOnly: true))
        defer { try? check.close() }
        let rows = try check.queryOne("SELECT count(*) FROM referrals WHERE organisation <> 'org:preload'")?[0].int ?? 0
        guard rows >= driver.accepted else {
            throw BenchError("the bare broker answered \(driver.accepted) ACCEPTED but committed \(rows) rows")
        }
        return BareBrokerFigures(
            referralsPerSecond: rate, brokerMicroseconds: brokerCPU / Double(referrals) * 1e6,
            brokerCoreShare: brokerCPU / wall, benchMicroseconds: benchCPU / Double(referrals) * 1e6,
            benchCoreShare: benchCPU / wall, threads: threads,
            kibWrittenPerReferral: written.map { Double($0) / 1_024 / Double(referrals) })
    }
}

extension Ceilings {
    /// `count` rows in the bare broker's table before it starts, as the daemon's state directory is preloaded, so its
    /// intake is measured on a table as full as the daemon's (10,000 rows a commit; the body is the bench's SUBMIT).
    static func fillBareBroker(database: String, count: Int) throws {
        let db = try Database(path: database, options: Database.Options(synchronous: .normal))
        defer { try? db.close() }
        try db.execute(BareBroker.schema)
        let body = String(decoding: SubmitFactory.body(externalID: "P", municipality: "GM0344"), as: UTF8.self)
        var written = 0
        while written < count {
            try db.transaction {
                for _ in 0..<min(10_000, count - written) {
                    written += 1
                    try db.run(
                        BareBroker.insert,
                        [
                            .text(BareBroker.referralID()), .text("org:preload"), .text("P-\(written)"), .text(body),
                            .text("2026-11-23T09:30:00Z"),
                        ])
                }
            }
        }
        try db.close()
    }
}
