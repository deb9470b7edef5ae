import Testing

@testable import Storage

/// The statement cache hashes a statement's text by its length, head and tail (``StatementKey``): two statements
/// that differ only in the middle share a hash, and each must still run as itself.
@Suite struct StatementKeyTests {
    static let head = "SELECT '" + String(repeating: "h", count: 40) + "' AS head, "
    static let tail = " AS v, '" + String(repeating: "t", count: 40) + "' AS tail"

    @Test func statementsThatShareTheirHashRunAsThemselves() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let database = try Database(path: directory.path("keys.sqlite"))
        defer { try? database.close() }
        let one = Self.head + "1" + Self.tail
        let two = Self.head + "2" + Self.tail
        #expect(StatementKey(one).hashValue == StatementKey(two).hashValue, "the case the cache must tell apart")
        #expect(StatementKey(one) != StatementKey(two))
        for sql in [one, two, two, one] {
            #expect(try database.queryOne(sql)?.int("v") == (sql == one ? 1 : 2))
        }
    }
}
