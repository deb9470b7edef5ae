/// A failure worth one sentence on stderr, saying what to do, and the exit code that classifies it.
struct ClientError: Error, CustomStringConvertible {
    var description: String
    var exitCode: ExitCode

    init(_ description: String, exit: ExitCode = .refused) {
        self.description = description
        self.exitCode = exit
    }

    /// A mistake on the command line or in a file named on it.
    static func usage(_ description: String) -> ClientError { ClientError(description, exit: .usage) }
}
