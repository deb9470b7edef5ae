import PostgreSQLTestSupport
import PostgreSQL
import Testing

/// One server for a whole suite: started before its first test, destroyed after its last, so the tests that only
/// need a database share it (each with a fresh database from ``database()``).
struct SharedCluster: SuiteTrait, TestScoping {
    @TaskLocal static var current: TestCluster?

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let cluster = try TestCluster.start()
        defer { cluster.destroy() }
        try await Self.$current.withValue(cluster) {
            try await function()
        }
    }

    /// A connection to a new, empty database on the suite's server.
    static func database() throws -> PostgreSQLDatabase {
        guard let current else { throw ClusterError("the suite has no .sharedCluster trait") }
        return try PostgreSQLDatabase(conninfo: current.createDatabase())
    }
}

extension Trait where Self == SharedCluster {
    /// Runs the suite against one PostgreSQL server of its own.
    static var sharedCluster: Self { Self() }
}
