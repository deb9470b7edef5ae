import PostgreSQLTestSupport
import PostgreSQL
import Storage
import Testing

/// A primary with a streaming hot standby: the standby refuses writes until it is promoted, and a conninfo that
/// lists both hosts with target_session_attrs=read-write follows the primary.
@Suite struct FailoverTests {
    private func names(_ database: PostgreSQLDatabase) throws -> [String] {
        try database.query("SELECT name FROM item ORDER BY name").compactMap { $0.string("name") }
    }

    @Test func standbyRefusesWritesUntilPromotedAndBothHostsFindTheNewPrimary() throws {
        let primary = try TestCluster.start()
        defer { primary.destroy() }
        let setup = try PostgreSQLDatabase(conninfo: primary.conninfo)
        defer { setup.close() }
        try setup.execute("CREATE TABLE item (name TEXT PRIMARY KEY)")
        let standby = try primary.standby()
        defer { standby.destroy() }

        // Written after the base backup: it reaches the standby by streaming replication.
        try setup.run("INSERT INTO item VALUES (?)", ["streamed"])
        let reader = try PostgreSQLDatabase(conninfo: standby.conninfo)
        defer { reader.close() }
        #expect(eventually { try names(reader) == ["streamed"] })
        let refusal = #expect(throws: PostgreSQLError.self) {
            try reader.run("INSERT INTO item VALUES (?)", ["on the standby"])
        }
        #expect(refusal?.isReadOnly == true)
        #expect(refusal?.sqlState == "25006")
        #expect(refusal?.description.contains("read-only standby") == true)

        let both =
            "host=127.0.0.1,127.0.0.1 port=\(primary.port),\(standby.port) user=postgres "
            + "target_session_attrs=read-write connect_timeout=10"
        let broker = try PostgreSQLDatabase(conninfo: both)
        defer { broker.close() }
        #expect(try broker.queryOne("SELECT inet_server_port() AS port")?.int("port") == primary.port)

        try primary.stop()
        // Between the old primary's end and the promotion there is no server that takes writes.
        let gap = #expect(throws: PostgreSQLError.self) {
            try broker.run("INSERT INTO item VALUES (?)", ["in the gap"])
        }
        #expect(gap?.isConnectionLost == true)

        try standby.promote()
        try broker.run("INSERT INTO item VALUES (?)", ["after"])
        #expect(try broker.queryOne("SELECT inet_server_port() AS port")?.int("port") == standby.port)
        #expect(try names(broker) == ["after", "streamed"])
        try reader.run("INSERT INTO item VALUES (?)", ["promoted"])
        #expect(try names(reader) == ["after", "promoted", "streamed"])
    }
}
