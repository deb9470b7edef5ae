import Foundation
import PostgreSQL
import PostgreSQLTestSupport
import Storage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What deploy/README.md tells an operator to put in `database.postgresql.conninfo` works as libpq promises: a
/// password file (`passfile`) for a role that must give its password, and TLS (`sslmode=require`).
@Suite struct PasswordAndTLSTests {
    /// Runs a program to completion; throws with what it printed when it fails.
    static func run(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        while process.isRunning { usleep(5_000) }
        guard process.terminationStatus == 0 else {
            throw ClusterError(
                "\(path) \(arguments.joined(separator: " ")): \(String(decoding: printed, as: UTF8.self))")
        }
    }

    /// A server where the role `schakel` must give its password (SCRAM) and TLS is on, with a self-signed
    /// certificate; returns it and the database `schakel` owns.
    static func guardedServer() throws -> (cluster: TestCluster, database: String) {
        let cluster = try TestCluster.start()
        let admin = try PostgreSQLDatabase(conninfo: cluster.conninfo)
        defer { admin.close() }
        try admin.execute("CREATE ROLE schakel LOGIN PASSWORD 'geheim-wachtwoord-17'")
        try admin.execute("CREATE DATABASE schakel_state OWNER schakel")
        let data = cluster.directory.appendingPathComponent("data")
        // The password rule before the cluster's own `trust` lines: pg_hba.conf takes the first line that matches.
        let hba = data.appendingPathComponent("pg_hba.conf")
        let rules = try String(contentsOf: hba, encoding: .utf8)
        try ("host all schakel 127.0.0.1/32 scram-sha-256\n" + rules).write(to: hba, atomically: false, encoding: .utf8)
        let key = data.appendingPathComponent("server.key").path
        let certificate = data.appendingPathComponent("server.crt").path
        try run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", key,
                "-out", certificate,
            ])
        // The server reads its key as its own user, and refuses a key others may read.
        try run("/bin/chown", ["postgres:postgres", key, certificate])
        try run("/bin/chmod", ["600", key])
        try admin.execute("ALTER SYSTEM SET ssl = on")
        try admin.execute("SELECT pg_reload_conf()")
        return (cluster, "schakel_state")
    }

    /// A password file in libpq's format (host:port:database:user:password), mode 0600 as libpq demands.
    static func passwordFile(_ cluster: TestCluster, database: String, password: String) throws -> String {
        let path = cluster.directory.appendingPathComponent("pgpass-\(UUID().uuidString.prefix(8))").path
        try "127.0.0.1:\(cluster.port):\(database):schakel:\(password)\n".write(
            toFile: path, atomically: false, encoding: .utf8)
        #expect(chmod(path, 0o600) == 0)
        return path
    }

    @Test func aPasswordFileAndTLSAreUsedAsLibpqSays() throws {
        let (cluster, database) = try Self.guardedServer()
        defer { cluster.destroy() }
        let base = "host=127.0.0.1 port=\(cluster.port) dbname=\(database) user=schakel"
        let good = try Self.passwordFile(cluster, database: database, password: "geheim-wachtwoord-17")

        // Within a second of the reload the server asks for the password and offers TLS.
        var connection: PostgreSQLDatabase?
        let deadline = Date().addingTimeInterval(10)
        while connection == nil, Date() < deadline {
            connection = try? PostgreSQLDatabase(conninfo: "\(base) passfile=\(good) sslmode=require")
            if connection == nil { usleep(50_000) }
        }
        let db = try #require(connection, "no TLS connection with the password file")
        defer { db.close() }
        try db.execute("CREATE TABLE item (name TEXT PRIMARY KEY)")
        try db.run("INSERT INTO item VALUES (?)", ["stored"])
        #expect(try db.queryOne("SELECT name FROM item")?.string("name") == "stored")
        let tls = try db.queryOne("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        #expect(tls?.bool("ssl") == true, "the connection is not encrypted")

        // A wrong password is refused with the server's reason; no password at all likewise.
        let wrong = try Self.passwordFile(cluster, database: database, password: "fout")
        let refused = #expect(throws: PostgreSQLError.self) {
            try PostgreSQLDatabase(conninfo: "\(base) passfile=\(wrong) sslmode=require")
        }
        #expect(
            refused?.description.contains("password authentication failed") == true, "\(String(describing: refused))")
        let empty = cluster.directory.appendingPathComponent("no-such-pgpass").path
        let missing = #expect(throws: PostgreSQLError.self) {
            try PostgreSQLDatabase(conninfo: "\(base) passfile=\(empty) sslmode=require")
        }
        #expect(missing?.description.contains("password") == true, "\(String(describing: missing))")
    }
}
