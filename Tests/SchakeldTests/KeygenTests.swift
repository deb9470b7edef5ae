import Foundation
import SchakelProtocol
import Testing
import ZeroMQ

#if canImport(Glibc)
    import Glibc
#endif

/// `schakelctl keygen NAME`: the files it writes, that it never overwrites one, and that its pairs work end to end.
@Suite struct KeygenTests {
    static func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    static func key(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func keygenWritesAPrivateSecretKeyAndPrintsWhereThePublicKeyGoes() throws {
        let daemon = try Daemon()  // only for its temporary directory
        let name = daemon.directory.appendingPathComponent("adapter").path
        let run = try CommandLineTests.run("schakelctl", ["keygen", name])
        #expect(run.status == 0, "\(run.errors)")
        #expect(Self.mode("\(name).key") == 0o600)
        #expect(Self.mode("\(name).pub") == 0o644)
        let secret = try Self.key("\(name).key")
        let publicKey = try Self.key("\(name).pub")
        #expect(try CurveKeyPair.publicKey(forSecretKey: secret) == publicKey)
        #expect(run.output.contains("public key: \(publicKey)"))
        #expect(run.output.contains("\"public_keys\": [\"\(publicKey)\"]"))
        #expect(run.output.contains("\"curve\": {\"secret_key_file\": \"\(name).key\"}"))
    }

    @Test func keygenNeverOverwritesOrWidensAnExistingFile() throws {
        let daemon = try Daemon()
        let name = daemon.directory.appendingPathComponent("taken").path
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: "\(name).key"))
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: "\(name).key")
        let run = try CommandLineTests.run("schakelctl", ["keygen", name])
        #expect(run.status == 1)
        #expect(run.errors.contains("\(name).key exists; keygen never overwrites a key"))
        #expect(try Self.key("\(name).key") == "keep me")
        #expect(Self.mode("\(name).key") == 0o400)
        #expect(!FileManager.default.fileExists(atPath: "\(name).pub"))
    }

    /// The broker's pair from keygen in the config, an adapter's pair from keygen on the map: WELCOME.
    @Test func generatedPairsWorkEndToEnd() throws {
        let daemon = try Daemon(curve: true)
        let broker = daemon.directory.appendingPathComponent("broker-keygen").path
        let adapter = daemon.directory.appendingPathComponent("gp").path
        #expect(try CommandLineTests.run("schakelctl", ["keygen", broker]).status == 0)
        #expect(try CommandLineTests.run("schakelctl", ["keygen", adapter]).status == 0)
        let adapterKeys = try CurveKeyPair(
            publicKey: try Self.key("\(adapter).pub"), secretKey: try Self.key("\(adapter).key"))
        try daemon.reconfigure(["curve": ["secret_key_file": .string("\(broker).key")]])
        try daemon.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [adapterKeys]]))
        try daemon.start()
        let peer = try Peer(
            daemon.endpoint, curve: (serverKey: try Self.key("\(broker).pub"), keyPair: adapterKeys))
        let welcome = try peer.hello(as: "org:huisarts-de-brug")
        #expect(welcome.body["principal"]?.stringValue == "org:huisarts-de-brug")
        // A peer that trusts another server key never reaches this broker.
        let misled = try daemon.peer(keys: adapterKeys)  // the harness's own server key, not the one in use
        try misled.send(.ping)
        #expect(try misled.drain(timeout: 1.5).isEmpty)
    }

    /// The README's CURVE walk: a key from keygen on the map, and schakelctl proving it to a CURVE daemon.
    @Test func schakelctlSubmitsToACurveDaemonWithAKeyFromKeygen() throws {
        let daemon = try Daemon(curve: true)
        let name = daemon.directory.appendingPathComponent("gp").path
        #expect(try CommandLineTests.run("schakelctl", ["keygen", name]).status == 0)
        let keys = try CurveKeyPair(publicKey: try Self.key("\(name).pub"), secretKey: try Self.key("\(name).key"))
        try daemon.useSocialMap(try SocialMaps.demo(keys: ["org:huisarts-de-brug": [keys]]))
        try daemon.start()
        let serverKeyFile = daemon.directory.appendingPathComponent("broker.pub")
        try Data(try #require(daemon.serverKeys).publicKey.utf8).write(to: serverKeyFile)
        let run = try CommandLineTests.run(
            "schakelctl",
            [
                "submit", Paths.exampleReferral.path, "--as", "org:huisarts-de-brug", "--wait", "1", "--broker",
                daemon.endpoint, "--curve-key", "\(name).key", "--server-key", serverKeyFile.path,
            ])
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.hasPrefix("ACCEPTED"), "\(run.output)")
        let refused = try CommandLineTests.run(
            "schakelctl", ["status", "X", "--as", "org:huisarts-de-brug", "--curve-key", "\(name).key"])
        #expect(refused.status != 0)
        #expect(refused.errors.contains("--curve-key FILE and --server-key KEY go together"))
    }
}
