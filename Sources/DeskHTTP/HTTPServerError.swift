/// Why ``HTTPServer`` could not start, in one sentence that tells the operator what to change.
public struct HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One sentence: what failed and what to do about it.
    public var message: String
    /// The `errno` of the failing call, or 0 when no system call failed (a host that is not an address).
    public var code: Int32

    /// An error with a sentence for people and the `errno` behind it.
    public init(message: String, code: Int32 = 0) {
        self.message = message
        self.code = code
    }

    /// The sentence, so that printing the error tells the operator what to do.
    public var description: String { message }
}
