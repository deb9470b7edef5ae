import Foundation
import SchakelProtocol
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// schakel-bench: starts a real schakeld and measures it against this machine's own ceilings.
/// See BENCHMARKS.md for what each row means and a recorded run.

let usage = """
    Usage: schakel-bench [--smoke | --workload N] [--postgresql CONNINFO] [--daemon PATH] [--log-level LEVEL]
                         [--keep]

      --smoke            tiny sizes, a few seconds: proves the bench still runs (make test)
      --workload N       only submit N referrals (8 adapters) and stop: a fixed workload to
                         profile the daemon under, e.g. with a valgrind wrapper as --daemon
      --paced-rate R     run the latency phase at R submits/s instead of 50% of the best intake
      --daemon PATH      the schakeld to measure; default: the one beside this executable
      --log-level LEVEL  the daemon's log level (default info, as in the dev config)
      --keep             keep the temporary directory (state, map, config, daemon log)
      --open-referrals N the size of the restart measurement (default 1,000,000)
      --preload N        write N referrals into the state directory before the daemon starts (default 1,000,000 for
                         the full run, 200 for --smoke, none for --workload): intake is measured on a database that
                         is already full, as it will be in production (SQLite only)
      --timers-only      only the timer queue and the restart figures
      --social-map       only the social map figures (national map: load, memory, matching)
      --protocol-only    only the ceilings and the figures over the protocol (no map, timers, restart)
      --postgresql CONNINFO
                         the daemon keeps its state in a new database on this PostgreSQL server (a libpq base
                         conninfo without dbname, e.g. "host=127.0.0.1 port=5433 user=postgres"; the user may
                         create databases); the ceilings add PostgreSQL commits, intake and latency are measured
                         against them, and the map, timer and restart figures are left out. Without the flag,
                         the environment variable SCHAKEL_BENCH_POSTGRESQL is read. make bench-postgresql runs
                         this against a throwaway PostgreSQL 15 (Tests/PostgreSQL/with-cluster).
      --bare-broker ENDPOINT DATABASE ROWS
                         serve as the bare broker the intake ceilings measure (ROWS rows and the messages per
                         referral, no other work; see BareBroker.swift); the bench starts it itself
    """

var smoke = false
var keep = false
var socialMapOnly = false
var logLevel = "info"
var workload: Int?
var pacedRateOverride: Double?
var openReferralsOverride: Int?
var preloadOverride: Int?
var timersOnly = false
var protocolOnly = false
var postgresqlBase: String?
var daemonPath = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("schakeld")
var arguments = Array(CommandLine.arguments.dropFirst())
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--smoke": smoke = true
    case "--keep": keep = true
    case "--social-map": socialMapOnly = true
    case "--daemon" where !arguments.isEmpty: daemonPath = URL(fileURLWithPath: arguments.removeFirst())
    case "--log-level" where !arguments.isEmpty: logLevel = arguments.removeFirst()
    case "--workload" where !arguments.isEmpty: workload = Int(arguments.removeFirst())
    case "--paced-rate" where !arguments.isEmpty: pacedRateOverride = Double(arguments.removeFirst())
    case "--open-referrals" where !arguments.isEmpty: openReferralsOverride = Int(arguments.removeFirst())
    case "--preload" where !arguments.isEmpty: preloadOverride = Int(arguments.removeFirst())
    case "--timers-only": timersOnly = true
    case "--protocol-only": protocolOnly = true
    case "--postgresql" where !arguments.isEmpty: postgresqlBase = arguments.removeFirst()
    case "--bare-broker" where arguments.count >= 3:
        BareBroker.run(endpoint: arguments[0], databasePath: arguments[1], rowsPerReferral: Int(arguments[2]) ?? 1)
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        FileHandle.standardError.write(Data("schakel-bench: unknown argument \(argument)\n\(usage)\n".utf8))
        exit(2)
    }
}
if postgresqlBase == nil, let base = ProcessInfo.processInfo.environment["SCHAKEL_BENCH_POSTGRESQL"], !base.isEmpty {
    postgresqlBase = base
}
if postgresqlBase != nil, (preloadOverride ?? 0) > 0 {
    FileHandle.standardError.write(
        Data("schakel-bench: --preload writes a SQLite state directory: leave out --postgresql\n".utf8))
    exit(2)
}
if postgresqlBase != nil, timersOnly || socialMapOnly {
    FileHandle.standardError.write(
        Data("schakel-bench: --timers-only and --social-map do not touch the store: leave out --postgresql\n".utf8))
    exit(2)
}
signal(SIGPIPE, SIG_IGN)

func progress(_ text: String) {
    FileHandle.standardError.write(Data("schakel-bench: \(text)\n".utf8))
}

/// The bytes sent towards storage so far for the store: on SQLite the daemon's (the log and the checkpoint's copy
/// into the database file); on PostgreSQL the daemon's and the server's processes' together, nil when the server is
/// not on this machine.
func storageBytesWritten(_ daemon: DaemonProcess, _ server: BenchPostgreSQL?) -> Int? {
    guard let server else { return daemon.storageBytesWritten() }
    guard let own = daemon.storageBytesWritten(), let theirs = server.bytesWritten() else { return nil }
    return own + theirs
}

/// KiB sent towards storage per referral since `before` (``storageBytesWritten(_:_:)``); nil when /proc says nothing
/// or nothing was accepted.
func kibWrittenPerReferral(_ daemon: DaemonProcess, _ server: BenchPostgreSQL?, since before: Int?, referrals: Int)
    -> Double?
{
    guard let before, let after = storageBytesWritten(daemon, server), referrals > 0 else { return nil }
    return Double(after - before) / 1_024 / Double(referrals)
}

/// "; N KiB written per referral" for a note; empty when it cannot be known (on PostgreSQL it then says why).
func writtenPerReferral(_ daemon: DaemonProcess, _ server: BenchPostgreSQL?, since before: Int?, referrals: Int)
    -> String
{
    guard let kib = kibWrittenPerReferral(daemon, server, since: before, referrals: referrals) else {
        return server == nil ? "" : "; KiB written per referral n/a on PostgreSQL (the server writes; not on this host)"
    }
    let whose = server == nil ? "" : " (daemon + PostgreSQL server)"
    return "; \(Int(kib)) KiB written per referral\(whose)"
}

/// "daemon CPU N%", and on a local PostgreSQL server ", server CPU M%", over `seconds` of wall time.
func cpuNote(daemon: Double, server: Double?, seconds: Double) -> String {
    let own = "daemon CPU \(Int(daemon / seconds * 100))%"
    guard let server else { return own }
    return own + ", server CPU \(Int(server / seconds * 100))%"
}

/// Sizes: the full run takes about a minute and a half; the smoke run a few seconds.
struct Sizes {
    var ceilingSeconds: Double
    var intakeSeconds: Double
    var window: Int
    var pacedSeconds: Double
    var ackSamples: Int
    var memoryReferrals: Int
    var timers: Int
    var openReferrals: Int
    var preload: Int
}
let sizes =
    smoke
    ? Sizes(
        ceilingSeconds: 0.2, intakeSeconds: 0.3, window: 8, pacedSeconds: 0.5, ackSamples: 5, memoryReferrals: 100,
        timers: 10_000, openReferrals: 200, preload: preloadOverride ?? 200)
    : Sizes(
        ceilingSeconds: 2, intakeSeconds: 5, window: 32, pacedSeconds: 5, ackSamples: 200, memoryReferrals: 20_000,
        timers: 1_000_000, openReferrals: openReferralsOverride ?? 1_000_000,
        preload: preloadOverride ?? (workload == nil && postgresqlBase == nil ? 1_000_000 : 0))

@MainActor func runBench() throws -> Table {
    var table = Table()
    if socialMapOnly {
        try MapBench.run(smoke: smoke, into: &table)
        return table
    }
    let directory = URL(fileURLWithPath: NSTemporaryDirectory())
        .appendingPathComponent("schakel-bench-\(UUID().uuidString.prefix(8).lowercased())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer {
        if keep { progress("kept \(directory.path)") } else { try? FileManager.default.removeItem(at: directory) }
    }
    let map = BenchMap(adapterCount: 64)
    let mapURL = directory.appendingPathComponent("bench-map.json")
    try map.document().canonicalData().write(to: mapURL)
    let endpoint = "ipc://\(directory.path)/broker.sock"
    let configURL = directory.appendingPathComponent("schakeld.json")
    // On PostgreSQL: the daemon's state in a database of this run's own, dropped at the end (before that, the
    // daemon is stopped by the defer below this one).
    let server = try postgresqlBase.map { try BenchPostgreSQL(base: $0) }
    defer {
        if keep, let server { progress("kept the databases on \(server.base)") } else { server?.dropDatabases() }
    }
    let daemonConninfo = try server?.createDatabase("daemon")
    try BenchMap.config(
        endpoint: endpoint, stateDirectory: directory.appendingPathComponent("state").path, mapPath: mapURL.path,
        logLevel: logLevel, postgresql: daemonConninfo
    ).canonicalData().write(to: configURL)
    /// Marks the figures of a daemon on PostgreSQL.
    let on = server == nil ? "" : ", on PostgreSQL"

    if timersOnly {
        TimerBench.queue(count: sizes.timers, into: &table)
        try TimerBench.restart(
            count: sizes.openReferrals, daemonPath: daemonPath, directory: directory, map: map, mapURL: mapURL,
            logLevel: logLevel, into: &table)
        return table
    }

    let context = try ZMQContext()
    defer { context.close() }
    // Ceilings first, while the daemon is not running.
    let sample = SubmitFactory.body(externalID: "HDB-2026-0042", municipality: "GM0344")
    var intakeCeiling = 0.0
    var latencyCeiling = 0.0
    /// The bare broker's intake (SQLite only): the most any broker answering after a commit reaches here.
    var bareBrokerIntake: Double?
    let frames = [WireMessage.signature, Data("SUBMIT".utf8), sample]
    func measureCeilings() throws {
        progress("ceilings: libzmq round trips with a \(sample.count)-byte SUBMIT body")
        let ipc1 = try Ceilings.zmqRoundTrips(
            endpoint: "ipc://\(directory.path)/echo.sock", frames: frames, window: 1, seconds: sizes.ceilingSeconds)
        let ipcW = try Ceilings.zmqRoundTrips(
            endpoint: "ipc://\(directory.path)/echo2.sock", frames: frames, window: 64, seconds: sizes.ceilingSeconds)
        let tcp1 = try Ceilings.zmqRoundTrips(
            endpoint: "tcp://127.0.0.1:*", frames: frames, window: 1,
            seconds: sizes.ceilingSeconds)
        let tcpW = try Ceilings.zmqRoundTrips(
            endpoint: "tcp://127.0.0.1:*", frames: frames, window: 64,
            seconds: sizes.ceilingSeconds)
        table.add("ceiling: DEALER↔ROUTER round trips, ipc, 1 in flight", ipc1, "msg/s")
        table.add("ceiling: DEALER↔ROUTER round trips, ipc, 64 in flight", ipcW, "msg/s")
        table.add("ceiling: DEALER↔ROUTER round trips, tcp loopback, 1 in flight", tcp1, "msg/s")
        table.add("ceiling: DEALER↔ROUTER round trips, tcp loopback, 64 in flight", tcpW, "msg/s")
        progress("ceilings: SQLite durable commits (WAL, synchronous FULL) in \(directory.path)")
        let row = String(decoding: sample, as: UTF8.self)
        let sqlite1 = try Ceilings.sqliteRowsPerSecond(
            directory: directory, rowsPerCommit: 1, row: row, seconds: sizes.ceilingSeconds)
        let sqlite100 = try Ceilings.sqliteRowsPerSecond(
            directory: directory, rowsPerCommit: 100, row: row, seconds: sizes.ceilingSeconds)
        table.add("ceiling: SQLite durable commits, 1 referral row each", sqlite1, "commits/s")
        table.add("ceiling: SQLite durable rows, 100 per commit", sqlite100, "rows/s")
        intakeCeiling = sqlite100
        latencyCeiling = 1e3 / ipc1
        guard let server else {
            // The bare broker at one row per referral (the machine's ceiling for any store), at four (a case in few
            // rows), and at as many rows as the daemon writes now (the ceiling for a store laid out as this one,
            // whatever its logic costs).
            for rowsPerReferral in [1, 4, 16] {
                progress(
                    "ceilings: the bare broker (\(rowsPerReferral) row\(rowsPerReferral == 1 ? "" : "s") and the "
                        + "messages per referral), 64 adapters, \(sizes.preload.formatted()) referrals preloaded")
                let bare = try Ceilings.bareBrokerIntake(
                    directory: directory, map: map, context: context, window: sizes.window,
                    seconds: sizes.intakeSeconds, preload: sizes.preload, rowsPerReferral: rowsPerReferral)
                if rowsPerReferral == 1 { bareBrokerIntake = bare.referralsPerSecond }
                let rows = sizes.preload > 0 ? " on \(sizes.preload.formatted()) preloaded" : ""
                let what =
                    rowsPerReferral == 1
                    ? "one durable row per referral"
                    : "\(rowsPerReferral) durable rows per referral\(rowsPerReferral == 16 ? " (the daemon's count)" : "")"
                        + (sizes.preload > 0 ? ", only the first table preloaded" : "")
                table.add(
                    "ceiling: bare broker intake, \(rowsPerReferral) row\(rowsPerReferral == 1 ? "" : "s"), 64 adapters "
                        + "× \(sizes.window) in flight\(rows)", bare.referralsPerSecond, "referrals/s",
                    note: "\(what), ACCEPTED and two HANDOVERs after the commit, nothing else; "
                        + "its CPU \(Int(bare.brokerCoreShare * 100))% (\(bare.threads)) = \(Int(bare.brokerMicroseconds)) µs per referral, "
                        + "the bench's \(Int(bare.benchCoreShare * 100))% = \(Int(bare.benchMicroseconds)) µs per "
                        + "referral"
                        + (bare.kibWrittenPerReferral.map { "; \(Table.format($0)) KiB written per referral" } ?? ""))
            }
            return
        }
        progress("ceilings: PostgreSQL durable commits (\(server.settings))")
        let conninfo = try server.createDatabase("ceiling")
        let postgresql1 = try Ceilings.postgresqlRowsPerSecond(
            conninfo: conninfo, rowsPerCommit: 1, row: row, seconds: sizes.ceilingSeconds)
        let postgresql100 = try Ceilings.postgresqlRowsPerSecond(
            conninfo: conninfo, rowsPerCommit: 100, row: row, seconds: sizes.ceilingSeconds)
        table.add(
            "ceiling: PostgreSQL durable commits, 1 referral row each", postgresql1, "commits/s", note: server.settings)
        table.add(
            "ceiling: PostgreSQL durable rows, 100 per commit", postgresql100, "rows/s",
            note: "prepared INSERTs pipelined: BEGIN, then the rows and COMMIT in one round trip; one WAL flush")
        // The daemon on PostgreSQL can take no more than the server's batched commits, and can answer no sooner
        // than one round trip to it plus one durable commit.
        intakeCeiling = postgresql100
        latencyCeiling = 1e3 / ipc1 + 1e3 / postgresql1
    }
    if workload == nil { try measureCeilings() }

    /// " on N preloaded referrals" in the intake figures' names.
    var preloaded = ""
    if sizes.preload > 0, server == nil {
        progress("preload: writing \(sizes.preload.formatted()) referrals (one in ten open) into the state directory")
        try Preload(count: sizes.preload, shape: .intake, contacts: map.contacts, adapters: map.adapters).fill(
            stateDirectory: directory.appendingPathComponent("state"), daemon: daemonPath, config: configURL,
            endpoint: endpoint, log: directory.appendingPathComponent("schakeld-preload.log"), context: context,
            progress: progress)
        preloaded = " on \(sizes.preload.formatted()) preloaded"
    }

    progress("starting \(daemonPath.path)")
    let daemon = try DaemonProcess(
        executable: daemonPath, config: configURL, endpoint: endpoint,
        log: directory.appendingPathComponent("schakeld.log"))
    defer { _ = daemon.stop() }
    try daemon.waitUntilReady(context: context, seconds: 120)
    let contacts = try map.contacts.map { try BenchPeer(context: context, endpoint: endpoint, principal: $0) }
    let adapters = try map.adapters.map { try BenchPeer(context: context, endpoint: endpoint, principal: $0) }
    defer { for peer in contacts + adapters { peer.socket.close() } }
    for peer in contacts + adapters { try peer.hello() }
    let driver = Driver(adapters: adapters, contacts: contacts, run: "B\(getpid())")

    if let workload {
        let started = Clock.nanoseconds()
        let cpuBefore = daemon.cpuSeconds()
        let serverCPUBefore = server?.cpuSeconds()
        let writtenBefore = storageBytesWritten(daemon, server)
        let rate = try driver.closedLoop(adapterCount: 8, window: sizes.window, seconds: 3_600, limit: workload)
        let wall = Double(Clock.nanoseconds() - started) / 1e9
        let written = writtenPerReferral(daemon, server, since: writtenBefore, referrals: workload)
        let serverCPU = serverCPUBefore.flatMap { before in server?.cpuSeconds().map { $0 - before } }
        table.add(
            "fixed workload: \(workload) referrals, 8 adapters\(on)", rate, "referrals/s",
            note: cpuNote(daemon: daemon.cpuSeconds() - cpuBefore, server: serverCPU, seconds: wall) + written)
        progress("workload done in \(Double(Clock.nanoseconds() - started) / 1e9) s")
        _ = daemon.stop()
        return table
    }

    // Warm-up, not reported: page cache, statement cache, allocator.
    _ = try driver.closedLoop(adapterCount: 8, window: sizes.window, seconds: sizes.intakeSeconds / 5)

    var best = 0.0
    for count in [1, 8, 64] {
        progress("intake: \(count) adapters × \(sizes.window) in flight")
        let cpuBefore = daemon.cpuSeconds()
        let threadsBefore = daemon.threadCPUSeconds()
        let benchCPUBefore = DaemonProcess.cpuSeconds(of: getpid())
        let serverCPUBefore = server?.cpuSeconds()
        let writtenBefore = storageBytesWritten(daemon, server)
        let acceptedBefore = driver.accepted
        let started = Clock.nanoseconds()
        let rate = try driver.closedLoop(adapterCount: count, window: sizes.window, seconds: sizes.intakeSeconds)
        let wall = Double(Clock.nanoseconds() - started) / 1e9
        let serverCPU = serverCPUBefore.flatMap { before in server?.cpuSeconds().map { $0 - before } }
        best = max(best, rate)
        let referrals = driver.accepted - acceptedBefore
        let written = writtenPerReferral(daemon, server, since: writtenBefore, referrals: referrals)
        let daemonCPU = daemon.cpuSeconds() - cpuBefore
        let benchCPU = DaemonProcess.cpuSeconds(of: getpid()) - benchCPUBefore
        let ofBare = bareBrokerIntake.map { "; \(Int(rate / $0 * 100))% of the bare broker" } ?? ""
        table.add(
            "durable intake, \(count) adapter\(count == 1 ? "" : "s") × \(sizes.window) in flight\(preloaded)\(on)",
            rate, "referrals/s", ceiling: intakeCeiling,
            note: cpuNote(daemon: daemonCPU, server: serverCPU, seconds: wall)
                + ", bench CPU \(Int(benchCPU / wall * 100))%"
                + written + ofBare + "; target ≥ 18,000/s and ≥ 50%")
        guard count == 64, referrals > 0 else { continue }
        table.add(
            "daemon CPU per referral, 64 adapters\(preloaded)\(on)", daemonCPU / Double(referrals) * 1e6, "µs",
            note: "target ≤ 100 µs; its threads: \(daemon.threadShares(since: threadsBefore, seconds: wall))")
        table.add(
            "bench CPU per referral, 64 adapters\(preloaded)\(on)", benchCPU / Double(referrals) * 1e6, "µs",
            note: "the adapters and contacts that drive the daemon, on the same cores")
        if let kib = kibWrittenPerReferral(daemon, server, since: writtenBefore, referrals: referrals) {
            table.add(
                "storage written per referral, 64 adapters\(preloaded)\(on)", kib, "KiB",
                note: "target ≤ 8 KiB on 1,000,000 referrals")
        }
    }
    if driver.rejected > 0 { throw BenchError("the daemon rejected submits: \(driver.firstRejection ?? "")") }

    let pacedRate = pacedRateOverride ?? best / 2
    progress("latency: \(Int(pacedRate)) submits/s (50% of the best intake) from 8 adapters")
    driver.resetMeasurements()
    try driver.pacedLoop(adapterCount: 8, rate: pacedRate, seconds: sizes.pacedSeconds)
    let accept = Percentiles(driver.acceptLatencies)
    let offer = Percentiles(driver.offerLatencies)
    // On SQLite the ceiling is one ipc round trip; on PostgreSQL one ipc round trip plus one durable commit.
    let oneRoundTrip = latencyCeiling
    let ceilingNote = server == nil ? "" : "ceiling: an ipc round trip + a 1-row PostgreSQL commit"
    for (name, value) in [("p50", accept.p50), ("p99", accept.p99), ("p99.9", accept.p999)] {
        table.add(
            "SUBMIT→ACCEPTED \(name) at \(Int(pacedRate))/s\(on)", value, "ms", ceiling: oneRoundTrip,
            note: name == "p99" ? "target < 5 ms" : name == "p50" ? ceilingNote : "", ratioIsTime: true)
    }
    for (name, value) in [("p50", offer.p50), ("p99", offer.p99), ("p99.9", offer.p999)] {
        table.add(
            "SUBMIT→offer at contact \(name) at \(Int(pacedRate))/s\(on)", value, "ms", ceiling: oneRoundTrip,
            note: name == "p99" ? "target < 10 ms" : "", ratioIsTime: true)
    }

    progress("ACK→ACKED→NOTICE: \(sizes.ackSamples) handovers, one at a time")
    driver.resetMeasurements()
    driver.tracking = true
    var ackedLatencies: [UInt64] = []
    var noticeLatencies: [UInt64] = []
    for _ in 0..<sizes.ackSamples {
        try driver.submit(from: 0)
        let before = driver.offers
        guard
            try driver.pump(until: { driver.offers >= before + 2 && driver.lastAcceptedReferral != nil }, seconds: 10),
            let referralID = driver.lastAcceptedReferral,
            try driver.pump(until: { driver.offersByReferral[referralID] != nil }, seconds: 10),
            let (contact, handoverID) = driver.offersByReferral[referralID]
        else { throw BenchError("no offer to acknowledge") }
        let sent = Clock.nanoseconds()
        try contacts[contact].send("ACK", ["handover_id": .string(handoverID)])
        guard
            try driver.pump(
                until: { driver.ackedAt[handoverID] != nil && driver.acknowledgedNoticeAt[handoverID] != nil },
                seconds: 10),
            let acked = driver.ackedAt[handoverID], let notice = driver.acknowledgedNoticeAt[handoverID]
        else { throw BenchError("no ACKED and NOTICE for \(handoverID)") }
        // An answer stamped before this ACK belongs to an earlier one (a re-sent offer): skip it.
        guard acked >= sent, notice >= sent else { continue }
        ackedLatencies.append(acked - sent)
        noticeLatencies.append(notice - sent)
    }
    driver.tracking = false
    let ackedP = Percentiles(ackedLatencies)
    let noticeP = Percentiles(noticeLatencies)
    table.add("ACK→ACKED p50\(on)", ackedP.p50, "ms", ceiling: oneRoundTrip, ratioIsTime: true)
    table.add(
        "ACK→ACKED p99\(on)", ackedP.p99, "ms", ceiling: oneRoundTrip, note: "target < 2 ms", ratioIsTime: true)
    table.add(
        "ACK→NOTICE acknowledged at referrer p50\(on)", noticeP.p50, "ms", ceiling: oneRoundTrip, ratioIsTime: true)
    table.add(
        "ACK→NOTICE acknowledged at referrer p99\(on)", noticeP.p99, "ms", ceiling: oneRoundTrip, ratioIsTime: true)

    progress("memory: \(sizes.memoryReferrals) more open referrals")
    let rssBefore = daemon.residentBytes()
    _ = try driver.closedLoop(
        adapterCount: 8, window: sizes.window, seconds: 600, limit: sizes.memoryReferrals)
    let rssAfter = daemon.residentBytes()
    table.add("daemon resident memory (VmRSS) after the run\(on)", Double(rssAfter) / 1_048_576, "MiB")
    table.add(
        "resident memory per open referral\(on)", Double(rssAfter - rssBefore) / Double(sizes.memoryReferrals),
        "bytes", note: "VmRSS delta over \(sizes.memoryReferrals) referrals")

    let status = daemon.stop()
    if status != 0 { throw BenchError("schakeld exited with status \(status) on SIGTERM") }
    if protocolOnly { return table }
    if server != nil {
        // The map and the timer queue never touch the store, and filling a million open referrals through the
        // server for the restart figure would take longer than the rest of the run: make bench has them.
        table.unavailable("social map and timer queue", "not run on PostgreSQL: independent of the store")
        table.unavailable(
            "restart with \(sizes.openReferrals) open referrals", "skipped on PostgreSQL: make bench measures it")
        return table
    }

    try MapBench.run(smoke: smoke, into: &table)

    progress("timers: \(sizes.timers) in the in-memory queue")
    TimerBench.queue(count: sizes.timers, into: &table)
    try TimerBench.restart(
        count: sizes.openReferrals, daemonPath: daemonPath, directory: directory, map: map, mapURL: mapURL,
        logLevel: logLevel, into: &table)
    return table
}

do {
    let table = try runBench()
    let title = smoke ? "schakel-bench --smoke (tiny sizes: not a measurement)" : "schakel-bench"
    print(table.render(title: postgresqlBase == nil ? title : "\(title) on PostgreSQL"))
} catch {
    progress("failed: \(error)")
    exit(1)
}
