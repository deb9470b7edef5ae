/// The bounded memory of recently seen outbox `message_id`s, which turns at-least-once delivery into
/// exactly-once handling.
///
/// The broker re-sends every unconfirmed message after each HELLO and on its retry interval, so the same message can
/// arrive several times. The oldest ids are forgotten first once ``capacity`` is reached; a message re-sent after
/// that long is handled again, which is why confirming promptly matters.
struct RecentMessageIDs {
    /// What the memory knows about an arriving id.
    enum Admission: Equatable {
        /// Never seen (or forgotten): hand it to the application.
        case new
        /// Handed to the application, not yet confirmed: drop it; the application still holds it.
        case pending
        /// Already confirmed, yet the broker sent it again: drop it and confirm it once more.
        case confirmed
    }

    let capacity: Int
    private var states: [String: Bool] = [:]
    private var order: [String] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    /// Records `id` as handed over when it is new; says what to do with it.
    mutating func admit(_ id: String) -> Admission {
        if let confirmed = states[id] { return confirmed ? .confirmed : .pending }
        states[id] = false
        order.append(id)
        while states.count > capacity, head < order.count {
            states[order[head]] = nil
            head += 1
        }
        if head > capacity {
            order.removeFirst(head)
            head = 0
        }
        return .new
    }

    /// Marks `id` as confirmed (RECEIVED sent), so a re-send is confirmed again rather than handled again.
    mutating func confirm(_ id: String) {
        if states[id] != nil { states[id] = true }
    }

    /// Forgets `id`, so that its next delivery is handled again (the handler failed).
    mutating func forget(_ id: String) {
        states[id] = nil
    }

    var count: Int { states.count }
}
