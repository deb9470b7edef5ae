import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon refuses to start in a configuration that would expose unauthenticated access or its secrets, and
/// says why and what to do (issue 5 points 1 and 8).
@Suite struct SecureStartupTests {
    /// Starts `daemon` expecting a refusal; checks the exit status and that stderr says `reason`.
    static func expectRefusal(_ daemon: Daemon, _ reason: String) throws {
        let status = try daemon.startExpectingExit()
        #expect(status != 0)
        #expect(daemon.log().contains("event=daemon.refused"), "\(daemon.log())")
        #expect(daemon.log().contains(reason), "\(daemon.log())")
    }

    @Test func withoutInsecureDevCurveIsRequired() throws {
        let daemon = try Daemon(settings: ["insecure_dev": false])
        try Self.expectRefusal(daemon, "curve: required unless insecure_dev is true")
        #expect(daemon.log().contains("schakelctl keygen"))
        let check = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(check.status != 0)
        #expect(check.errors.contains("curve: required unless insecure_dev is true"))
    }

    @Test func insecureDevOnANonLoopbackEndpointIsRefused() throws {
        try Self.expectRefusal(
            try Daemon(settings: ["broker": "tcp://0.0.0.0:*"]),
            "broker: insecure_dev is allowed only on loopback or ipc endpoints; tcp://0.0.0.0:*")
        try Self.expectRefusal(
            try Daemon(settings: ["metrics": "tcp://0.0.0.0:0"]),
            "metrics: insecure_dev is allowed only on loopback or ipc endpoints")
    }

    @Test func aMisspeltCurveSettingIsNamed() throws {
        let daemon = try Daemon(curve: true)
        try daemon.reconfigure(["curve": ["secret_key": "broker.key"], "admin": ["groups": "x"]])
        let check = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(check.status != 0)
        #expect(check.errors.contains("unknown setting \"curve.secret_key\""), "\(check.errors)")
        #expect(check.errors.contains("curve.secret_key_file must be a non-empty string"))
        #expect(check.errors.contains("unknown setting \"admin.groups\""))
    }

    @Test func insecureDevAndCurveTogetherAreRefused() throws {
        let daemon = try Daemon(curve: true)
        try daemon.reconfigure(["insecure_dev": true])
        try Self.expectRefusal(daemon, "insecure_dev and curve exclude each other")
    }

    @Test func aSecretKeyFileOthersCanReadIsRefused() throws {
        let daemon = try Daemon(curve: true)
        let keyFile = daemon.directory.appendingPathComponent("broker.key")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile.path)
        try Self.expectRefusal(daemon, "\(keyFile.path) has mode 644, so group or others can read")
        #expect(daemon.log().contains("chmod 600"))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: keyFile.path)
        try Self.expectRefusal(daemon, "has mode 640")
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: keyFile.path)
        // Owner read-only is fine, and --check-config shows the public key the peers need.
        let check = try CommandLineTests.run("schakeld", ["--config", daemon.configURL.path, "--check-config"])
        #expect(check.status == 0, "\(check.errors)")
        #expect(check.output.contains("broker's public key \(try #require(daemon.serverKeys).publicKey)"))
        try daemon.start()
    }

    @Test func aMissingOrMalformedSecretKeyFileIsRefused() throws {
        let daemon = try Daemon(curve: true)
        let missing = daemon.directory.appendingPathComponent("nowhere.key")
        try daemon.reconfigure(["curve": ["secret_key_file": .string(missing.path)]])
        try Self.expectRefusal(daemon, "cannot use \(missing.path)")
        let garbage = daemon.directory.appendingPathComponent("garbage.key")
        try Data("not a key\n".utf8).write(to: garbage)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: garbage.path)
        try daemon.reconfigure(["curve": ["secret_key_file": .string(garbage.path)]])
        try Self.expectRefusal(daemon, "does not hold a Z85 CURVE secret key")
    }

    /// `%d/NAME` is the systemd credential NAME (LoadCredential=), found in $CREDENTIALS_DIRECTORY.
    @Test func aSystemdCredentialIsFoundInTheCredentialsDirectory() throws {
        let credentials = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: credentials) }
        let daemon = try Daemon(environment: ["CREDENTIALS_DIRECTORY": credentials.path], curve: true)
        let keys = try #require(daemon.serverKeys)
        let secret = credentials.appendingPathComponent("curve-secret")
        try Data(keys.secretKey.utf8).write(to: secret)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: secret.path)
        try daemon.reconfigure(["curve": ["secret_key_file": "%d/curve-secret"]])
        // Outside systemd (no $CREDENTIALS_DIRECTORY) it says what %d means.
        try Self.expectRefusal(daemon, "$CREDENTIALS_DIRECTORY is not set")
        let gp = try CurveKeyPair.generate()
        try daemon.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [gp]]))
        try daemon.start()
        let peer = try daemon.connect(as: "org:huisarts-de-brug", keys: gp)
        #expect(try peer.request(.ping, [:], expect: .pong).command == "PONG")
        #expect(daemon.log().contains("curve_public_key=\(keys.publicKey)") || daemon.log().contains(keys.publicKey))
    }

    @Test func aStateDirectoryOthersCanWriteIsRefused() throws {
        let daemon = try Daemon()
        try FileManager.default.createDirectory(
            at: daemon.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: daemon.stateDirectory.path)
        try Self.expectRefusal(daemon, "the state directory \(daemon.stateDirectory.path) has mode 777")
        #expect(daemon.log().contains("group or others can write to it"))
        #expect(daemon.log().contains("chmod 700 \(daemon.stateDirectory.path)"))
        try FileManager.default.setAttributes([.posixPermissions: 0o770], ofItemAtPath: daemon.stateDirectory.path)
        try Self.expectRefusal(daemon, "has mode 770")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: daemon.stateDirectory.path)
        try daemon.start()
    }

    @Test func aStateDirectoryOwnedByAnotherUserIsRefused() throws {
        let daemon = try Daemon()
        let state = daemon.stateDirectory.path
        try FileManager.default.createDirectory(
            at: daemon.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: state)
        // 65534 is nobody on Debian: a user the tests (run as root or not) never are.
        #expect(chown(state, 65534, gid_t.max) == 0, "cannot chown \(state) for the test")
        try Self.expectRefusal(daemon, "the state directory \(state) belongs to uid 65534")
        let owner = getpwuid(65534).map { String(cString: $0.pointee.pw_name) } ?? "65534"
        let me = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "\(geteuid())"
        #expect(daemon.log().contains("(\(owner))"), "the owner is named: \(daemon.log())")
        #expect(daemon.log().contains("chown \(me) \(state)"), "the chown to run is given: \(daemon.log())")
        #expect(!FileManager.default.fileExists(atPath: daemon.databaseURL.path), "nothing was created in it")
        #expect(chown(state, geteuid(), gid_t.max) == 0)
        try daemon.start()
    }

    @Test func aStateDirectoryUnderAWorldWritableDirectoryIsRefused() throws {
        let daemon = try Daemon()
        let open = daemon.directory.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: open.path)
        try daemon.reconfigure(["state_dir": .string(open.appendingPathComponent("state").path)])
        try Self.expectRefusal(daemon, "is inside \(open.path), which anyone may write to")
    }

    @Test func theAdminSocketIsSharedWithTheConfiguredGroupOnly() throws {
        let group = try #require(getgrgid(getgid())).pointee
        let name = String(cString: group.gr_name)
        let daemon = try Daemon(settings: ["admin": ["group": .string(name)]])
        try daemon.start()
        let path = daemon.stateDirectory.appendingPathComponent("admin.sock").path
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        #expect(info.st_gid == getgid())
        #expect(try daemon.admin("stats")["ok"] == .bool(true))
        daemon.stop()

        let plain = try Daemon()
        try plain.start()
        #expect(stat(plain.stateDirectory.appendingPathComponent("admin.sock").path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    @Test func anUnknownAdminGroupIsRefused() throws {
        let daemon = try Daemon(settings: ["admin": ["group": "no-such-group-schakel"]])
        try Self.expectRefusal(daemon, "admin.group: there is no group \"no-such-group-schakel\"")
    }
}
