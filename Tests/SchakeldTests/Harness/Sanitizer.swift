import Foundation

/// Set by `make sanitize` (`SCHAKEL_SANITIZER=address` or `thread`): the tests and the daemon they start run under
/// AddressSanitizer or ThreadSanitizer, several times slower and with an allocator that keeps freed memory aside.
enum Sanitizer {
    static let active: String? = ProcessInfo.processInfo.environment["SCHAKEL_SANITIZER"]

    /// How many times longer a wait may take: ASan costs about 2-3x, TSan 5-15x, on a machine shared with builds.
    static let slowdown: Double =
        switch active {
        case nil: 1
        case "thread": 8
        default: 4
        }

    /// Whether resident memory says anything about the daemon's own growth: not under a sanitizer, whose
    /// allocator keeps freed blocks in quarantine (ASan) or maps shadow memory (TSan).
    static var measuresMemory: Bool { active == nil }
}
