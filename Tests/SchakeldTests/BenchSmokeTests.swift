import Foundation
import Testing

/// `schakel-bench --smoke`: tiny sizes, a few seconds, so the benchmark never rots between runs
/// of `make bench`. It proves every phase still works; its numbers mean nothing.
@Suite struct BenchSmokeTests {
    @Test func benchSmokeRunPrintsEveryFigure() throws {
        let process = Process()
        process.executableURL = Paths.executable("schakel-bench")
        process.arguments = ["--smoke", "--daemon", Paths.executable("schakeld").path]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.runGated()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExitPolling()
        #expect(process.terminationStatus == 0, "\(errors)")
        for figure in [
            "ceiling: DEALER↔ROUTER round trips, ipc", "ceiling: DEALER↔ROUTER round trips, tcp loopback",
            "ceiling: SQLite durable commits, 1 referral row each", "ceiling: SQLite durable rows, 100 per commit",
            "durable intake, 1 adapter", "durable intake, 8 adapters", "durable intake, 64 adapters",
            "SUBMIT→ACCEPTED p99", "SUBMIT→offer at contact p99", "ACK→ACKED p50", "resident memory per open referral",
        ] {
            #expect(output.contains(figure), "missing \(figure) in:\n\(output)")
        }
    }
}
