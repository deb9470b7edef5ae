import Dispatch
import Foundation
import SchakelProtocol
import ZeroMQ

/// Reads a batch's requests on a second thread while the loop handles the ones before them (issue 22, part ten).
///
/// The loop thread is the daemon's bottleneck: it receives, reads, decides, writes and commits every request, on one
/// core, while the machine's other core is mostly idle. Reading a SUBMIT (its frames, its JSON, the validator) is
/// about an eighth of a referral's instructions and needs nothing of the broker's state, so it can run ahead. The
/// loop asks for the batch's messages in order (``request(at:)``); a message nobody has taken yet it reads itself (the
/// first one, usually, while the reader starts), one the reader is busy with it waits for, and the rest are ready.
/// Either way the loop sees exactly what reading the message itself would have given.
///
/// `@unchecked Sendable`: `messages`, `maxBodyBytes`, `validator` and `sessions` never change; `results`, `taken`
/// and `next` are touched only with `condition` locked.
final class RequestReadAhead: @unchecked Sendable {
    private let messages: [Multipart]
    private let maxBodyBytes: Int
    private let validator: ReferralValidator
    private let sessions: [Data: String]
    private let condition = NSCondition()
    /// What each message read to; `.none` until it is read (the inner optional is ``ReadRequest/read``'s nil).
    private var results: [ReadRequest??]
    /// Whether someone (the loop or the reader) has begun reading the message.
    private var taken: [Bool]
    /// Every message before this one is taken.
    private var next = 0

    /// `sessions`: the routing ids with a session as the batch begins (``ReadRequest/read``).
    init(_ messages: [Multipart], maxBodyBytes: Int, validator: ReferralValidator, sessions: [Data: String]) {
        self.messages = messages
        self.maxBodyBytes = maxBodyBytes
        self.validator = validator
        self.sessions = sessions
        results = Array(repeating: .none, count: messages.count)
        taken = Array(repeating: false, count: messages.count)
    }

    /// Starts reading ahead on `queue`, unless there is nothing to read ahead of (one message the loop reads itself).
    func start(on queue: DispatchQueue) {
        guard messages.count > 1 else { return }
        queue.async { self.readAhead() }
    }

    /// Message `index` read: by the reader, or here when the reader has not taken it yet.
    func request(at index: Int) -> ReadRequest? {
        condition.lock()
        if let result = results[index] {
            condition.unlock()
            return result
        }
        if !taken[index] {
            taken[index] = true
            condition.unlock()
            let result = read(index)
            condition.lock()
            results[index] = .some(result)
            condition.unlock()
            return result
        }
        while results[index] == nil { condition.wait() }
        let result = results[index]!
        condition.unlock()
        return result
    }

    private func readAhead() {
        while let index = takeNext() {
            let result = read(index)
            condition.lock()
            results[index] = .some(result)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The first message nobody has taken, now the reader's; nil when every one is.
    private func takeNext() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while next < taken.count, taken[next] { next += 1 }
        guard next < taken.count else { return nil }
        taken[next] = true
        return next
    }

    private func read(_ index: Int) -> ReadRequest? {
        ReadRequest.read(
            messages[index].frames, maxBodyBytes: maxBodyBytes, validator: validator, sessions: sessions)
    }
}
