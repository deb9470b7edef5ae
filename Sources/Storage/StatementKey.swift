/// What the statement cache finds a compiled statement by: its SQL text, hashed by its length and its first and
/// last 32 bytes rather than by every byte.
///
/// The broker's statements are a few hundred bytes long and a referral's turn looks up a dozen of them; hashing
/// each text whole (SipHash over every byte, for every lookup) was most of the cache's cost (issue 22). Two texts
/// of the same length, head and tail still tell apart by equality, which compares them whole (and at once when both
/// are the same literal), so a shared hash costs a comparison, never a wrong statement.
struct StatementKey: Hashable {
    let sql: String

    init(_ sql: String) {
        self.sql = sql
    }

    static func == (lhs: StatementKey, rhs: StatementKey) -> Bool {
        lhs.sql == rhs.sql
    }

    func hash(into hasher: inout Hasher) {
        // A Swift string literal's bytes are contiguous; only a bridged string would need the copy.
        if sql.utf8.withContiguousStorageIfAvailable({ Self.combine($0, into: &hasher) }) == nil {
            Array(sql.utf8).withUnsafeBufferPointer { Self.combine($0, into: &hasher) }
        }
    }

    private static func combine(_ bytes: UnsafeBufferPointer<UInt8>, into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.prefix(32))))
        hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(32))))
    }
}
