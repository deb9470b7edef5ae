extension Database {
    /// How SQLite keeps its rollback information; see <https://sqlite.org/pragma.html#pragma_journal_mode>.
    public enum JournalMode: String, Sendable {
        /// Write-ahead log: readers don't block the writer nor the writer the readers. The default.
        case wal = "WAL"
        /// Classic rollback journal, deleted after each transaction.
        case delete = "DELETE"
        /// Rollback journal in memory: faster, but a crash mid-transaction can corrupt the file.
        case memory = "MEMORY"
    }

    /// How often SQLite waits for the disk; see <https://sqlite.org/pragma.html#pragma_synchronous>.
    public enum Synchronous: String, Sendable {
        /// Never waits: fastest, loses recent transactions (or worse) on power loss.
        case off = "OFF"
        /// In WAL mode, durable except for the last transactions before a power loss.
        case normal = "NORMAL"
        /// Every commit is on disk before it returns. The default: a referral acknowledged must not vanish.
        case full = "FULL"
    }

    /// How to open a database. The defaults are the durable, concurrent settings the broker wants.
    public struct Options: Sendable {
        /// Open without write access; writes then fail with `SQLITE_READONLY`, and the file must exist.
        public var readOnly: Bool
        /// The journal mode to set (ignored when ``readOnly``); WAL is verified after opening.
        public var journalMode: JournalMode
        /// The `synchronous` pragma for this connection.
        public var synchronous: Synchronous
        /// How long to wait for another connection's lock before failing with `SQLITE_BUSY`.
        public var busyTimeoutMilliseconds: Int
        /// Whether `FOREIGN KEY` constraints are enforced (SQLite's own default is off).
        public var foreignKeys: Bool
        /// `PRAGMA secure_delete`: deleted and overwritten content is zeroed in the file, so data that was
        /// deleted (purged personal data) cannot be read back from free pages. Costs some write bandwidth.
        public var secureDelete: Bool

        /// Options with every setting spelled out; each defaults to the durable choice.
        public init(
            readOnly: Bool = false,
            journalMode: JournalMode = .wal,
            synchronous: Synchronous = .full,
            busyTimeoutMilliseconds: Int = 5000,
            foreignKeys: Bool = true,
            secureDelete: Bool = false
        ) {
            self.readOnly = readOnly
            self.journalMode = journalMode
            self.synchronous = synchronous
            self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            self.foreignKeys = foreignKeys
            self.secureDelete = secureDelete
        }
    }
}
