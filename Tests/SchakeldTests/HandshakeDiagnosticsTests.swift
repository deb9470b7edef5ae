import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

/// A peer that cannot get through a CURVE daemon's handshake hears at once what is likely wrong, and the daemon logs
/// each refusal (throttled); `schakelctl` fails at once on an `admin.sock` a killed daemon left behind.
@Suite struct HandshakeDiagnosticsTests {
    /// A CURVE daemon whose map lists the GP's key, the key files beside it, and a run of schakelctl against it.
    struct Setup {
        let daemon: Daemon
        let directory: URL

        init() throws {
            daemon = try Daemon(curve: true)
            directory = daemon.directory
            for name in ["gp", "stranger", "other"] {
                #expect(try CommandLineTests.run("schakelctl", ["keygen", path(name)]).status == 0)
            }
            let gp = try CurveKeyPair(
                publicKey: try KeygenTests.key(path("gp") + ".pub"), secretKey: try KeygenTests.key(path("gp") + ".key")
            )
            try daemon.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [gp]]))
            try daemon.start()
            try Data(try #require(daemon.serverKeys).publicKey.utf8).write(to: URL(fileURLWithPath: path("broker.pub")))
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// `schakelctl status` as the GP with `extra` options; returns the run and how long it took.
        func status(_ extra: [String]) throws -> (run: CommandLineTests.Run, seconds: TimeInterval) {
            let started = Date()
            let run = try CommandLineTests.run(
                "schakelctl", ["status", "ref-x", "--as", "org:huisarts-de-brug", "--broker", daemon.endpoint] + extra)
            return (run, Date().timeIntervalSince(started))
        }

        /// Waits (by admin round trips, never by sleeping) until the daemon's log contains `text`.
        func logContains(_ text: String) throws -> Bool {
            let deadline = Date().addingTimeInterval(10 * Sanitizer.slowdown)
            while Date() < deadline {
                if daemon.log().contains(text) { return true }
                _ = try daemon.admin("stats")
            }
            return daemon.log().contains(text)
        }
    }

    /// Before, each of these took 8 s and ended in "is schakeld running?".
    static let quickly: TimeInterval = 4 * Sanitizer.slowdown

    @Test func aPlainClientIsToldTheBrokerExpectsCurveAndTheDaemonLogsItOnce() throws {
        let setup = try Setup()
        let (run, seconds) = try setup.status([])
        #expect(run.status != 0)
        #expect(run.errors.contains("expects CURVE"), "\(run.errors)")
        #expect(run.errors.contains("--curve-key FILE --server-key KEY"), "\(run.errors)")
        #expect(!run.errors.contains("is schakeld running"))
        #expect(seconds < Self.quickly, "\(seconds) s")
        // The broker sees either the plain greeting or the client closing before its greeting was complete.
        #expect(try setup.logContains("event=handshake.refused"))
        let log = setup.daemon.log()
        #expect(log.contains("does not use CURVE") || log.contains("most likely a plain client"), "\(log)")
        // A peer retrying does not flood the log: one line per reason per interval.
        // Seven attempts would be seven lines or more unthrottled; two reasons, each at most once per 5 s.
        for _ in 0..<6 { _ = try setup.status([]) }
        let lines = setup.daemon.log().components(separatedBy: "\n").filter { $0.contains("handshake.refused") }
        #expect(lines.count <= 4, "\(lines.count) lines")
    }

    @Test func aKeyNotOnTheMapIsToldSoWithItsPublicKey() throws {
        let setup = try Setup()
        let (run, seconds) = try setup.status([
            "--curve-key", setup.path("stranger.key"), "--server-key", setup.path("broker.pub"),
        ])
        #expect(run.status != 0)
        #expect(run.errors.contains("not on the social map"), "\(run.errors)")
        #expect(run.errors.contains(try KeygenTests.key(setup.path("stranger.pub"))), "\(run.errors)")
        #expect(seconds < Self.quickly, "\(seconds) s")
        #expect(try setup.logContains("event=peer.refused"))
    }

    @Test func aWrongServerKeyIsNamedAsTheLikelyCauseAndTheDaemonLogsIt() throws {
        let setup = try Setup()
        let (run, seconds) = try setup.status([
            "--curve-key", setup.path("gp.key"), "--server-key", setup.path("other.pub"),
        ])
        #expect(run.status != 0)
        #expect(run.errors.contains("server key"), "\(run.errors)")
        #expect(run.errors.contains("is not its public key"), "\(run.errors)")
        #expect(seconds < Self.quickly, "\(seconds) s")
        #expect(try setup.logContains("sealed for another server key"))

        // With the right keys the same client gets through: the diagnosis is not a false alarm.
        let (right, _) = try setup.status([
            "--curve-key", setup.path("gp.key"), "--server-key", setup.path("broker.pub"), "--json",
        ])
        #expect(right.output.contains("not_found"), "\(right.output) \(right.errors)")
    }

    @Test func aStaleAdminSocketFailsWithinTwoSeconds() throws {
        let daemon = try Daemon()
        try daemon.start()
        daemon.kill9()
        let socket = daemon.stateDirectory.appendingPathComponent("admin.sock").path
        #expect(FileManager.default.fileExists(atPath: socket), "kill -9 leaves admin.sock behind")
        let started = Date()
        let run = try CommandLineTests.run("schakelctl", ["stats", "--state-dir", daemon.stateDirectory.path])
        let seconds = Date().timeIntervalSince(started)
        #expect(run.status != 0)
        #expect(run.errors.contains("schakeld is not running"), "\(run.errors)")
        #expect(seconds < 2 * Sanitizer.slowdown, "\(seconds) s")
    }
}
