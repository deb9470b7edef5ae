/// Thrown by ``SQLDatabase/withoutSavepoint(_:)`` when its work failed after changing the database, or took the
/// transaction down with it: what it changed cannot be undone alone, so the caller must roll the whole transaction
/// back and run its items again, each in a savepoint of its own.
public struct SavepointNeeded: Error, CustomStringConvertible {
    /// What the work failed with.
    public var cause: any Error

    public init(cause: any Error) {
        self.cause = cause
    }

    public var description: String { "\(cause)" }
}
