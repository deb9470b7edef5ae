import Foundation
import Testing

/// `schakel-bench --smoke`: tiny sizes, a few seconds, so the benchmark never rots between runs
/// of `make bench`. It proves every phase still works; its numbers mean nothing.
@Suite struct BenchSmokeTests {
    @Test func benchSmokeRunPrintsEveryFigure() throws {
        let output = try Self.runSmoke([])
        for figure in [
            "ceiling: DEALER↔ROUTER round trips, ipc", "ceiling: DEALER↔ROUTER round trips, tcp loopback",
            "ceiling: SQLite durable commits, 1 referral row each", "ceiling: SQLite durable rows, 100 per commit",
            "ceiling: bare broker intake, 1 row, 64 adapters", "ceiling: bare broker intake, 16 rows, 64 adapters",
            "of the bare broker", "bench CPU per referral, 64 adapters",
            "durable intake, 1 adapter", "durable intake, 8 adapters", "durable intake, 64 adapters",
            "SUBMIT→ACCEPTED p99", "SUBMIT→offer at contact p99", "ACK→ACKED p50", "resident memory per open referral",
        ] {
            #expect(output.contains(figure), "missing \(figure) in:\n\(output)")
        }
    }

    /// The same on PostgreSQL (`make test-postgresql`): the daemon's state in a database of its own on the test
    /// server, and the PostgreSQL ceilings beside the intake and latency rows.
    @Test(.enabled(if: TestDatabase.isPostgreSQL, "needs PostgreSQL: make test-postgresql"))
    func benchSmokeRunOnPostgreSQLPrintsItsFigures() throws {
        let output = try Self.runSmoke(["--postgresql", TestDatabase.postgresqlBase ?? ""])
        for figure in [
            "on PostgreSQL", "ceiling: PostgreSQL durable commits, 1 referral row each",
            "ceiling: PostgreSQL durable rows, 100 per commit", "durable intake, 1 adapter",
            "durable intake, 64 adapters", "SUBMIT→ACCEPTED p99", "ACK→ACKED p50, on PostgreSQL",
        ] {
            #expect(output.contains(figure), "missing \(figure) in:\n\(output)")
        }
    }

    /// Runs `schakel-bench --smoke` with `arguments` against the schakeld of this build; its table. Records an issue
    /// with its stderr when it fails.
    private static func runSmoke(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = Paths.executable("schakel-bench")
        process.arguments = ["--smoke", "--daemon", Paths.executable("schakeld").path] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.runGated()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExitPolling()
        #expect(process.terminationStatus == 0, "\(errors)")
        return output
    }
}
