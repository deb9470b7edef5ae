/// schakelctl's exit codes (schakelctl(1), EXIT STATUS), distinct so that a script can tell "the broker said no"
/// from "I typed it wrong" from "there is no broker to ask".
enum ExitCode: Int32 {
    /// Done.
    case ok = 0
    /// The broker refused (REJECTED), or the admin socket did (`ok: false`).
    case refused = 1
    /// The command line, or a file named on it, is wrong: nothing was sent.
    case usage = 2
    /// No broker answered, or it refused the handshake (HELLO): nothing was done.
    case unreachable = 3
}
