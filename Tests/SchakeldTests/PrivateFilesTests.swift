import Foundation
import SchakelProtocol
import Sodium
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A careless install must not let another local user read the citizen's data, or the key that opens it: the
/// state directory is 0700 (0750 with `admin.group`), every file the daemon makes there is 0600 from its first
/// byte, a data key that others can read is refused, and a backup is 0600 before it holds a single page.
@Suite struct PrivateFilesTests {
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// The files in `directory` whose mode lets group or others in, with their modes.
    static func openFiles(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().compactMap { name in
            guard let mode = mode(directory.appendingPathComponent(name).path), mode & 0o077 != 0 else { return nil }
            return "\(name) \(String(mode, radix: 8))"
        }
    }

    /// Some traffic, so the database, its WAL and its shared memory file all exist and have been written.
    static func traffic(_ daemon: Daemon) throws {
        let gp = try daemon.connect(as: "org:huisarts-de-brug")
        for _ in 0..<3 { _ = try gp.submit(try Referrals.make(needs: ["debt"])) }
        let anna = try daemon.connect(as: "contact:schuldhulp-anna")
        _ = try anna.request(
            .ack, ["handover_id": try #require(try anna.next(.handover).body["handover_id"])], expect: .acked)
    }

    @Test func aStateDirectoryOthersCanReadIsRefusedWithTheChmodToRun() throws {
        let daemon = try Daemon()
        let state = daemon.stateDirectory.path
        // What a plain `mkdir` makes under the usual umask 022.
        try FileManager.default.createDirectory(
            at: daemon.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try SecureStartupTests.expectRefusal(daemon, "the state directory \(state) has mode 755")
        #expect(daemon.log().contains("chmod 700 \(state)"), "the chmod to run is given: \(daemon.log())")
        #expect(!FileManager.default.fileExists(atPath: daemon.databaseURL.path), "nothing was created in it")
        // Group access is for the admin group only.
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: state)
        try SecureStartupTests.expectRefusal(daemon, "the state directory \(state) has mode 750")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: state)
        try daemon.start()
    }

    @Test func withAnAdminGroupTheStateDirectoryIs0750() throws {
        let group = String(cString: try #require(getgrgid(getgid())).pointee.gr_name)
        let daemon = try Daemon(settings: ["admin": ["group": .string(group)]])
        let state = daemon.stateDirectory.path
        try FileManager.default.createDirectory(
            at: daemon.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try SecureStartupTests.expectRefusal(daemon, "the state directory \(state) has mode 755")
        #expect(daemon.log().contains("chmod 750 \(state)"), "the chmod to run is given: \(daemon.log())")
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: state)
        try daemon.start()
    }

    /// SQLite's files, on SQLite in both runs.
    @Test func everyFileInTheStateDirectoryIsPrivateAfterStartAndTraffic() throws {
        let daemon = try Daemon(onSQLite: true)
        try daemon.start()
        try Self.traffic(daemon)
        let db = daemon.databaseURL.path
        #expect(Self.mode(daemon.stateDirectory.path) == 0o700, "the daemon makes a missing state directory 0700")
        for path in [db, db + "-wal", db + "-shm"] { #expect(Self.mode(path) == 0o600, "\(path)") }
        #expect(try Self.openFiles(in: daemon.stateDirectory) == [])

        // A database an older version left readable is made private at the next start, its WAL with it.
        #expect(daemon.stop() == 0)
        for path in [db, db + "-wal", db + "-shm"] { _ = chmod(path, 0o644) }
        try daemon.start()
        try Self.traffic(daemon)
        for path in [db, db + "-wal", db + "-shm"] { #expect(Self.mode(path) == 0o600, "\(path)") }
        #expect(try Self.openFiles(in: daemon.stateDirectory) == [])
    }

    @Test func aDataKeyOthersCanReadIsRefusedWithTheChmodToRun() throws {
        let daemon = try Daemon(curve: true)  // a provisioned data key, as in production
        let key = daemon.keyDirectory.appendingPathComponent("k1.key").path
        #expect(chmod(key, 0o644) == 0)
        try SecureStartupTests.expectRefusal(daemon, "data key \(key) has mode 644")
        #expect(daemon.log().contains("chmod 600 \(key)"), "the chmod to run is given: \(daemon.log())")
        #expect(chmod(key, 0o640) == 0)
        try SecureStartupTests.expectRefusal(daemon, "data key \(key) has mode 640")
        #expect(chmod(key, 0o400) == 0)  // what systemd's LoadCredential= gives
        try daemon.start()

        // Nor does a rotation while the daemon runs take one: the next start would refuse it.
        let k2 = daemon.keyDirectory.appendingPathComponent("k2.key").path
        try SealingKey.generate(id: "k2").write(toNewFile: k2)
        #expect(chmod(k2, 0o644) == 0)
        let refused = try daemon.admin("key.rotate", ["key_id": "k2"])
        #expect(refused["ok"] == false && refused["code"] == "failed", "\(refused)")
        #expect(refused["message"]?.stringValue?.contains("chmod 600 \(k2)") == true, "\(refused)")
        #expect(chmod(k2, 0o600) == 0)
        #expect(try daemon.admin("key.rotate", ["key_id": "k2"])["ok"] == true)
    }

    /// SQLite's backup, on SQLite in both runs (PostgreSQL's backups are pg_basebackup's).
    @Test func aBackupIsPrivateFromItsFirstByte() throws {
        let daemon = try Daemon(onSQLite: true)
        try daemon.start()
        try Self.traffic(daemon)
        let backups = daemon.directory.appendingPathComponent("backups")
        try FileManager.default.createDirectory(
            at: backups, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let target = backups.appendingPathComponent("copy.sqlite")
        let watch = try DirectoryWatch(backups)
        let ctl = Process()
        ctl.executableURL = Paths.executable("schakelctl")
        ctl.arguments = ["backup", target.path, "--state-dir", daemon.stateDirectory.path]
        ctl.standardOutput = FileHandle.nullDevice
        try ctl.runGated()
        let seen = watch.watch("copy.sqlite.partial") { ctl.isRunning }
        ctl.waitUntilExitPolling()
        #expect(ctl.terminationStatus == 0)
        #expect(Self.mode(target.path) == 0o600)
        // Made with its final mode, not widened by the umask first and narrowed by a chmod once written.
        #expect(seen.modesAtCreation.allSatisfy { $0 & 0o077 == 0 }, "modes at creation: \(seen.modesAtCreation)")
        #expect(seen.attributeChanges == 0, "the .partial was chmod'ed after it was created, so others could open it")
    }
}
