extension Database {
    /// The schema version recorded in the file (`PRAGMA user_version`); 0 for a new database.
    public func userVersion() throws -> Int {
        try queryOne("PRAGMA user_version")?[0].int ?? 0
    }

    /// Records the schema version in the file; ``migrate(_:)`` does this for you.
    public func setUserVersion(_ version: Int) throws {
        try execute("PRAGMA user_version = \(version)")
    }

    /// Brings the schema up to date: applies, in version order, each migration whose version is above the
    /// file's `user_version`, each in its own immediate transaction together with setting `user_version`,
    /// so a crash leaves the file at a consistent earlier version.
    ///
    /// Throws without touching anything when the file's version is above the newest migration known (the
    /// file was written by a newer program, which this one must not run against), or when the list holds a
    /// version that is not positive or appears twice.
    public func migrate(_ migrations: [Migration]) throws {
        let ordered = migrations.sorted { $0.version < $1.version }
        for (earlier, later) in zip(ordered, ordered.dropFirst()) where earlier.version == later.version {
            throw SQLiteError.misuse("migration version \(later.version) appears twice", operation: "migrate")
        }
        if let first = ordered.first, first.version <= 0 {
            throw SQLiteError.misuse("migration version \(first.version) is not positive", operation: "migrate")
        }
        let newest = ordered.last?.version ?? 0
        let current = try userVersion()
        guard current <= newest else {
            throw SQLiteError.failure(
                "database schema version \(current) is newer than the newest known migration \(newest)",
                operation: "migrate"
            )
        }
        for migration in ordered where migration.version > current {
            try transaction(.immediate) {
                // Re-read under the write lock: another connection may have migrated meanwhile.
                guard try userVersion() < migration.version else { return }
                try execute(migration.sql)
                try setUserVersion(migration.version)
            }
        }
    }
}
