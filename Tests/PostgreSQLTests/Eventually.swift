import Foundation

/// Polls `condition` every 20 ms until it holds or `seconds` pass; whether it held. Errors count as "not yet", so
/// a table that a standby has not replayed yet can be polled for.
func eventually(within seconds: Double = 30, _ condition: () throws -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
        if (try? condition()) == true { return true }
        usleep(20_000)
    } while Date() < deadline
    return false
}
