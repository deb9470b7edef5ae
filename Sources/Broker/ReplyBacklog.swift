import Foundation
import ZeroMQ

/// Answers for which a peer's libzmq send queue had no room, kept in order until libzmq takes them.
///
/// A peer that pipelines many requests can fill its queue within one batch; its answers wait here and leave on
/// the next turns, so a burst loses nothing. A peer that does not read fills this too: past ``budgetBytes`` the
/// broker ends its session and discards what waits here (the answers were to requests it may repeat; its outbox
/// is in the database). So what the daemon holds for one peer is bounded: libzmq's queue (the ROUTER's send
/// high-water mark, in messages) plus this budget, in bytes.
struct ReplyBacklog {
    /// Bytes that may wait here for one peer, on top of libzmq's own queue.
    let budgetBytes: Int
    private var queues: [Data: Queue] = [:]

    private struct Queue {
        var messages: [[Data]] = []
        var head = 0
        var bytes = 0
    }

    init(budgetBytes: Int) {
        self.budgetBytes = budgetBytes
    }

    /// The budget for a broker whose largest body is `maxBodyBytes`: four of the largest answers, and at least
    /// 1 MiB for the many small ones a pipelining peer gets at once.
    static func budget(maxBodyBytes: Int) -> Int {
        max(1 << 20, 4 * (maxBodyBytes + 4_096))
    }

    var isEmpty: Bool { queues.isEmpty }

    /// Whether answers already wait for this peer: a new one must queue behind them, to keep their order.
    func hasWaiting(for routingID: Data) -> Bool {
        queues[routingID] != nil
    }

    /// Queues `frames` for the peer; false, and nothing queued, when that would pass the budget.
    mutating func append(_ frames: [Data], for routingID: Data) -> Bool {
        let size = frames.reduce(0) { $0 + $1.count }
        var queue = queues[routingID] ?? Queue()
        guard queue.bytes + size <= budgetBytes else { return false }
        queue.messages.append(frames)
        queue.bytes += size
        queues[routingID] = queue
        return true
    }

    /// Forgets what waits for the peer.
    mutating func discard(_ routingID: Data) {
        queues[routingID] = nil
    }

    /// Offers each peer's waiting answers, oldest first, to `send` until it takes no more; a peer `send` reports
    /// gone is forgotten and returned, so the caller can end its session.
    mutating func flush(_ send: ([Data]) -> SendOutcome) -> [Data] {
        var gone: [Data] = []
        for routingID in Array(queues.keys) {
            guard var queue = queues[routingID] else { continue }
            flushing: while queue.head < queue.messages.count {
                switch send(queue.messages[queue.head]) {
                case .sent:
                    queue.bytes -= queue.messages[queue.head].reduce(0) { $0 + $1.count }
                    queue.head += 1
                case .wouldBlock:
                    break flushing
                case .hostUnreachable:
                    gone.append(routingID)
                    queue.head = queue.messages.count
                }
            }
            if queue.head == queue.messages.count {
                queues[routingID] = nil
            } else {
                if queue.head > 64 {
                    queue.messages.removeFirst(queue.head)
                    queue.head = 0
                }
                queues[routingID] = queue
            }
        }
        return gone
    }
}
