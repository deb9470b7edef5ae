import Foundation

/// A change to the timer rows, to mirror in the event loop's in-memory queue after the commit.
enum TimerChange: Sendable, Equatable {
    case schedule(id: String, due: Date)
    case cancel(id: String)
}
