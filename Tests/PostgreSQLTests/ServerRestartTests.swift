import PostgreSQLTestSupport
import PostgreSQL
import Storage
import Testing

/// A server that is shut down and started again: calls fail while it is down and work once it is back.
@Suite struct ServerRestartTests {
    @Test func serverStoppedAndStartedAgainIsConnectedToAgain() throws {
        let cluster = try TestCluster.start()
        defer { cluster.destroy() }
        let database = try PostgreSQLDatabase(conninfo: cluster.conninfo)
        defer { database.close() }
        try database.execute("CREATE TABLE item (name TEXT PRIMARY KEY)")
        try database.run("INSERT INTO item VALUES (?)", ["before"])

        try cluster.stop()
        let error = #expect(throws: PostgreSQLError.self) {
            try database.run("INSERT INTO item VALUES (?)", ["while down"])
        }
        #expect(error?.isConnectionLost == true)

        try cluster.restart()
        try database.run("INSERT INTO item VALUES (?)", ["after"])
        let names = try database.query("SELECT name FROM item ORDER BY name").compactMap { $0.string("name") }
        #expect(names == ["after", "before"])
    }

    @Test func unreachableServerFailsToConnectWithTheReason() throws {
        let cluster = try TestCluster.start()
        let conninfo = cluster.conninfo
        cluster.destroy()
        let error = #expect(throws: PostgreSQLError.self) { try PostgreSQLDatabase(conninfo: conninfo) }
        #expect(error?.isConnectionLost == true)
        #expect(error?.operation == "connect")
        #expect(error?.message.contains("Connection refused") == true)
    }
}
