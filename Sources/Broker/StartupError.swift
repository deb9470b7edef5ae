/// Why the daemon cannot start, worded for the operator who reads it in the journal.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
