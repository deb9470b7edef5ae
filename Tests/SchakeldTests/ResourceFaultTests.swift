import Foundation
import PostgreSQL
import SchakelProtocol
import Storage
import Testing
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// Faults of the machine rather than of the input: a full disk, a database that another
/// process holds or that is not a database, a contact that does not keep up.
@Suite struct ResourceFaultTests {
    /// SQLite's write lock, on SQLite in both runs.
    @Test func aLockedDatabaseAtStartIsAClearErrorAndANonZeroExit() throws {
        let daemon = try Daemon(onSQLite: true)
        try daemon.start()
        daemon.stop()
        let holder = try Database(path: daemon.stateDirectory.appendingPathComponent("schakel.sqlite").path)
        try holder.execute("BEGIN IMMEDIATE")
        let status = try daemon.startExpectingExit()
        try holder.execute("ROLLBACK")
        try holder.close()
        #expect(status != 0)
        #expect(daemon.log().contains("is locked by another process"), "\(daemon.log())")
        try daemon.start()  // and once the lock is gone it starts
    }

    /// Same config, so the same state dir and the same ipc:// endpoints: the second daemon must refuse before it
    /// binds them (binding an ipc:// path takes it over from the first).
    @Test func aSecondDaemonOnTheSameStateDirIsRefusedWhileTheFirstKeepsServing() throws {
        let daemon = try Daemon()
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(try gp.submit(try Referrals.make(externalID: "LOCK-1")).command == "ACCEPTED")

        let status = try daemon.startExpectingExit()
        #expect(status != 0)
        #expect(daemon.log().contains("is in use by another schakeld"), "\(daemon.log())")
        #expect(daemon.log().contains("schakeld.lock"))

        // The first one still has its broker and admin sockets and its database.
        #expect(try gp.submit(try Referrals.make(externalID: "LOCK-2")).command == "ACCEPTED")
        let fresh = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(try fresh.request(.ping, [:], expect: .pong).command == "PONG")
        #expect(try daemon.admin("stats")["ok"] == .bool(true))

        // SIGKILL leaves no stale lock behind: the next start takes it.
        daemon.kill9()
        try daemon.start()
        let after = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(
            try after.request(.status, ["external_id": "LOCK-2"], expect: .referral).command == "REFERRAL")
    }

    /// SQLite's file, on SQLite in both runs.
    @Test func aDatabaseThatIsNotOneIsAClearErrorAndANonZeroExit() throws {
        let daemon = try Daemon(onSQLite: true)
        try FileManager.default.createDirectory(
            at: daemon.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = daemon.stateDirectory.appendingPathComponent("schakel.sqlite")
        try Data(String(repeating: "not a database at all ", count: 500).utf8).write(to: file)
        let status = try daemon.startExpectingExit()
        #expect(status != 0)
        #expect(daemon.log().contains("file is not a database"), "\(daemon.log())")
        #expect(daemon.log().contains(file.path))
    }

    @Test func aStateDirThatIsAFileIsAClearErrorAndANonZeroExit() throws {
        let daemon = try Daemon()
        try Data("x".utf8).write(to: daemon.stateDirectory)
        let status = try daemon.startExpectingExit()
        #expect(status != 0)
        #expect(daemon.log().contains("event=daemon.refused"), "\(daemon.log())")
    }

    /// A real full disk: the state dir on a 2 MiB tmpfs, filled up by another file. Needs root
    /// (mount); without it the `max_pages` test in RejectionTests covers the refusal part.
    /// SQLite's file on a full disk, on SQLite in both runs.
    @Test(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func aFullDiskNeverGivesAFalseAcceptedAndTheDaemonRecoversByItself() throws {
        let daemon = try Daemon(settings: ["log_level": "notice"], onSQLite: true)
        try FileManager.default.createDirectory(
            at: daemon.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard
            try Self.run("/bin/mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", daemon.stateDirectory.path)
                == 0
        else {
            print("skipped: mount -t tmpfs is not allowed here")
            return
        }
        defer {
            daemon.kill9()
            _ = try? Self.run("/bin/umount", daemon.stateDirectory.path)
        }
        try daemon.start()
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        #expect(try gp.submit(try Referrals.make()).command == "ACCEPTED")
        // Fill what is left.
        let filler = daemon.stateDirectory.appendingPathComponent("filler")
        let handle = fopen(filler.path, "w")
        let chunk = [UInt8](repeating: 0x55, count: 4_096)
        while fwrite(chunk, 1, chunk.count, handle) == chunk.count {}
        fclose(handle)

        var accepted: [WireMessage] = []
        var refused: WireMessage?
        for i in 0..<300 {
            let answer = try gp.request(
                .submit, ["referral": try Referrals.make(externalID: "DISK-\(i)")], expect: .accepted)
            if answer.command == "ACCEPTED" {
                accepted.append(answer)
            } else {
                refused = answer
                break
            }
        }
        let rejection = try #require(refused, "the full disk never refused a SUBMIT")
        RejectionTests.expectRejected(rejection, .unavailable)
        // Still full: more refusals, the daemon up.
        let again = try gp.request(.submit, ["referral": try Referrals.make()], expect: .accepted)
        RejectionTests.expectRejected(again, .unavailable)
        #expect(try gp.request(.ping, [:], expect: .pong).command == "PONG")

        // Space returns: the very next SUBMIT is accepted, without a restart or a signal.
        try FileManager.default.removeItem(at: filler)
        let recovered = try gp.submit(try Referrals.make(externalID: "DISK-AFTER"))
        #expect(recovered.command == "ACCEPTED", "\(recovered.body)")
        accepted.append(recovered)

        // No ACCEPTED was false: after SIGKILL, every one of them is there.
        daemon.kill9()
        try daemon.start()
        let check = try daemon.connect(as: "org:huisarts-de-brug")
        for answer in accepted {
            let status = try check.request(.status, ["referral_id": answer.body["referral_id"]!], expect: .referral)
            #expect(status.command == "REFERRAL", "\(answer.body) lost: \(status.body)")
        }
        RejectionTests.expectRejected(
            try check.request(.status, ["external_id": rejection.body["external_id"]!], expect: .referral), .notFound)
    }

    @Test func aSlowContactsOffersQueueWithoutBlockingAnyoneElse() throws {
        let daemon = try Daemon()
        // Room for every offer: this is about a full outbox, not a full contact (capacity makes needs wait).
        try daemon.useSocialMap(
            try SocialMaps.demo(changing: [
                "contact:schuldhulp-anna": ["capacity": .number(1_000)],
                "contact:wonen-bram": ["capacity": .number(1_000)],
            ]))
        try daemon.start()
        // Anna's client says HELLO and then never reads; its receive queue holds one message.
        let context = try ZMQContext()
        defer { context.close() }
        let slow = try context.socket(.dealer)
        defer { slow.close() }
        try slow.setLinger(milliseconds: 0)
        try slow.setReceiveHighWaterMark(1)
        try slow.connect(daemon.endpoint)
        _ = try slow.send(WireMessage(.hello, ["as": "contact:schuldhulp-anna"]).frames())
        Thread.sleep(forTimeInterval: 0.2)

        let gp = try daemon.connect(as: "org:gemeente-utrecht")
        let bram = try daemon.connect(as: "contact:wonen-bram")
        let count = 300
        let started = Date()
        for i in 0..<count {
            try gp.send(.submit, ["referral": try Referrals.make(externalID: "SLOW-\(i)", needs: ["debt", "housing"])])
        }
        for _ in 0..<count { try gp.next(.accepted, timeout: 30) }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 30, "300 submits took \(elapsed) s next to a slow contact")
        // Others are served meanwhile: Bram gets housing offers and can answer them.
        let offer = try bram.next(.handover)
        #expect(try bram.request(.ack, ["handover_id": offer.body["handover_id"]!], expect: .acked).command == "ACKED")

        // Every debt offer waits for Anna in her outbox; a client that reads gets them all.
        let anna = try daemon.peer()
        let welcome = try anna.request(.hello, ["as": "contact:schuldhulp-anna"], expect: .welcome)
        #expect(welcome.body["pending"] == .number(Double(count)))
        var handovers: Set<String> = []
        let deadline = Date().addingTimeInterval(30)
        while handovers.count < count, Date() < deadline {
            let message = try anna.next(.handover)
            handovers.insert(message.body["handover_id"]?.stringValue ?? "")
        }
        #expect(handovers.count == count)
    }

    static func run(_ path: String, _ arguments: String...) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.runGated()
        process.waitUntilExitPolling()
        return process.terminationStatus
    }
}

extension ResourceFaultTests {
    /// PostgreSQL's counterpart of a file that is not a database: a database that holds another application's
    /// tables. The daemon does not start, says what to do in one sentence, and leaves that database as it was (no
    /// Schakel table, the other application's rows untouched).
    @Test(.enabled(if: TestDatabase.isPostgreSQL, "needs PostgreSQL: make test-postgresql"))
    func aPostgreSQLDatabaseOfAnotherApplicationIsRefusedAndLeftAsItWas() throws {
        let conninfo = try TestDatabase.createPostgreSQLDatabase(base: try #require(TestDatabase.postgresqlBase))
        let theirs = try PostgreSQLDatabase(conninfo: conninfo)
        defer { theirs.close() }
        try theirs.execute("CREATE TABLE referrals (id integer PRIMARY KEY, note text)")
        try theirs.execute("INSERT INTO referrals VALUES (1, 'not Schakel''s')")

        let daemon = try Daemon(settings: ["database": ["postgresql": ["conninfo": .string(conninfo)]]])
        let status = try daemon.startExpectingExit()
        #expect(status != 0)
        let log = daemon.log()
        #expect(log.contains("already holds tables that are not Schakel's (referrals)"), "\(log)")
        #expect(log.contains("give Schakel a database of its own"), "\(log)")
        #expect(!log.contains("Fatal error"), "a refusal, not a crash")

        let rows = try theirs.query("SELECT id, note FROM referrals", [])
        #expect(rows.count == 1)
        #expect(rows.first?.string("note") == "not Schakel's")
        let made = try theirs.queryOne("SELECT to_regclass('schakel_schema') IS NOT NULL AS made", [])
        #expect(made?.bool("made") == false, "Schakel created nothing there")
    }
}
