import Foundation
import SchakelProtocol
import ZeroMQ

/// A client of the Schakel broker speaking SRP/1 (Protocols/SRP1.md): what an organisation adapter or a contact
/// person's client needs, with the protocol's reliability rules built in.
///
/// - **Sessions.** ``connect()`` opens a DEALER connection to the first endpoint that answers and says HELLO. When
///   the connection breaks (the broker died or was restarted, heartbeats went unanswered, a request timed out), the
///   client closes it, pauses with ``Backoff``, and connects again, to the next endpoint if there are several.
/// - **Requests** (``submit(_:)``, ``ack(handoverID:)``, ...) block until the broker answers. Without an answer
///   they are sent again, unchanged, on a fresh session, up to ``Configuration/maxAttempts`` times; the broker
///   recognises a repeated SUBMIT by its `external_id` and records it once. `REJECTED` `unavailable` is retried
///   too; every other refusal is returned in the ``Reply``.
/// - **Incoming messages** (offers, notices, reminders, nazorg questions) are queued as they arrive, even while a
///   request waits, and handed out by ``next(timeout:)`` or ``handleNext(timeout:_:)``, de-duplicated by
///   `message_id`: the broker delivers at least once, and re-sends after every HELLO what is not yet confirmed.
///   ``handleNext(timeout:_:)`` confirms each message with RECEIVED after its handler returns.
///
/// Not `Sendable`: a client owns ZeroMQ sockets, which must stay on one thread. Create it, use it and close it on
/// the same thread (a `Thread` of its own in a server, the main thread in a tool); every call blocks that thread
/// for at most the time it says.
///
/// ```swift
/// let client = try SchakelClient(.init(endpoints: ["tcp://127.0.0.1:5710"], principal: "org:huisarts-de-brug"))
/// defer { client.close() }
/// let receipt = try client.submit(referral)          // ACCEPTED after the broker committed it
/// let accepted = try receipt.get()                    // or the REJECTED code, field and message
/// while let notice = try client.handleNext(timeout: .seconds(30), { incoming in
///     if case .notice(let notice) = incoming.kind { print(notice.event, notice.contact?.phone ?? "") }
/// }) {}
/// ```
public final class SchakelClient {
    /// The version of this library, sent in HELLO by default.
    public static let version = "0.1.0"

    /// What the client was made with.
    public let configuration: Configuration
    private let context: ZMQContext
    private var connection: BrokerConnection?
    private var session: Welcome?
    private var endpointIndex = 0
    private var failures = 0
    private var inbox: [Incoming] = []
    private var recent: RecentMessageIDs
    private var lastHeard = ContinuousClock.now
    private var pingSentAt: ContinuousClock.Instant?

    /// Prepares a client; it connects on ``connect()`` or on first use.
    public init(_ configuration: Configuration) throws {
        guard !configuration.endpoints.isEmpty else {
            throw SchakelClientError.invalidConfiguration("no broker endpoints")
        }
        guard configuration.maxAttempts >= 1 else {
            throw SchakelClientError.invalidConfiguration("maxAttempts must be at least 1")
        }
        if let curve = configuration.curve { _ = try curve.keyPair() }
        self.configuration = configuration
        context = try ZMQContext()
        recent = RecentMessageIDs(capacity: configuration.deduplicationWindow)
    }

    deinit {
        close()
    }

    /// The WELCOME of the open session, `nil` while disconnected.
    public var welcome: Welcome? { session }

    /// Opens the session now (HELLO, WELCOME), trying the endpoints in turn with backoff; returns the WELCOME.
    ///
    /// Optional: every request and ``next(timeout:)`` connect when needed. Throws
    /// ``SchakelClientError/helloRefused(_:)`` when the broker does not know the principal, and
    /// ``SchakelClientError/gaveUp(command:attempts:lastProblem:)`` when no endpoint answered.
    @discardableResult
    public func connect() throws -> Welcome {
        if let session { return session }
        var problem = ""
        for attempt in 1...configuration.maxAttempts {
            if attempt > 1 { pause(until: nil) }
            if let welcome = try openSession(problem: &problem) { return welcome }
        }
        throw SchakelClientError.gaveUp(command: "HELLO", attempts: configuration.maxAttempts, lastProblem: problem)
    }

    /// Closes the connection; queued messages get ``Configuration/linger`` to leave. The client cannot be used
    /// afterwards. Idempotent, and done by `deinit`.
    public func close() {
        connection?.close()
        connection = nil
        session = nil
        context.close()
    }

    // MARK: - Incoming

    /// The next message from the outbox (de-duplicated), or `nil` when none came within `timeout`.
    ///
    /// Reconnects as needed while it waits (an attempt to connect takes up to ``Configuration/requestTimeout``,
    /// which may carry the call past `timeout`), and sends PING when the broker has been quiet for
    /// ``Configuration/heartbeat``. The caller confirms what it has handled with ``confirm(_:)`` (an ACK or DECLINE
    /// also confirms its HANDOVER); what it does not confirm comes again on the next session, or on the broker's
    /// retry interval, but not twice in this one. ``handleNext(timeout:_:)`` confirms by itself.
    public func next(timeout: Duration) throws -> Incoming? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if !inbox.isEmpty { return inbox.removeFirst() }
            guard session != nil, let connection else {
                var problem = ""
                if try openSession(problem: &problem) == nil {
                    guard ContinuousClock.now < deadline else { return nil }
                    pause(until: deadline)
                }
                continue
            }
            let now = ContinuousClock.now
            if let sent = pingSentAt {
                if now >= sent.advanced(by: configuration.requestTimeout) {
                    dropConnection(reason: "no PONG within \(configuration.requestTimeout)")
                    continue
                }
            } else if now >= lastHeard.advanced(by: configuration.heartbeat) {
                pingSentAt = now
                if try !connection.send(WireMessage(.ping)) {
                    dropConnection(reason: "could not send PING")
                    continue
                }
            }
            let beat =
                pingSentAt?.advanced(by: configuration.requestTimeout)
                ?? lastHeard.advanced(by: configuration.heartbeat)
            switch try connection.receive(until: min(deadline, beat)) {
            case nil:
                if ContinuousClock.now >= deadline, inbox.isEmpty { return nil }
            case .disconnected:
                dropConnection(reason: "the connection broke")
            case .handshakeFailed(let failure):
                try stopIfConclusive(failure, endpoint: connection.endpoint)
                dropConnection(reason: "the handshake failed")
            case .garbage:
                break
            case .message(let message):
                absorb(message)
            }
        }
    }

    /// Waits for the next message like ``next(timeout:)``, hands it to `handler`, and confirms it with RECEIVED
    /// when `handler` returns. When `handler` throws, the message is not confirmed and will be handled again when
    /// the broker re-sends it; the error is rethrown. Returns the message, or `nil` when none came.
    @discardableResult
    public func handleNext(timeout: Duration, _ handler: (Incoming) throws -> Void) throws -> Incoming? {
        guard let incoming = try next(timeout: timeout) else { return nil }
        do {
            try handler(incoming)
        } catch {
            recent.forget(incoming.messageID)
            throw error
        }
        confirm(incoming)
        return incoming
    }

    /// Confirms a message (RECEIVED), so the broker never sends it again.
    ///
    /// Sent without waiting: RECEIVED has no answer. If the connection is down, the broker re-sends the message on
    /// the next session and the client confirms it again without handing it out.
    public func confirm(_ incoming: Incoming) {
        confirm(messageIDs: [incoming.messageID])
    }

    /// Confirms messages by `message_id` (RECEIVED, in batches of at most 1000).
    public func confirm(messageIDs: [String]) {
        for id in messageIDs { recent.confirm(id) }
        sendReceived(messageIDs)
    }

    // MARK: - Requests

    /// Sends any request and returns the broker's answer as it came: one of `answers`, or REJECTED for the same
    /// command. For commands this version has no typed method for, and for tools that pass bodies through
    /// unchecked; retried like every request.
    public func request(_ request: WireMessage, answers: Set<Command>) throws -> WireMessage {
        try perform(request, answers: answers, identity: [:])
    }

    /// Sends `request` and waits for its answer (one of `answers`, or REJECTED for the same command), retrying as
    /// the type's documentation says. `identity` are fields an answer must echo when it carries them, so a late
    /// answer to an earlier request is not mistaken for this one's.
    func perform(_ request: WireMessage, answers: Set<Command>, identity: [String: String]) throws -> WireMessage {
        var problem = ""
        for attempt in 1...configuration.maxAttempts {
            if attempt > 1 {
                emit(.retrying(command: request.command, attempt: attempt, problem: problem))
                pause(until: nil)
            }
            if session == nil, try openSession(problem: &problem) == nil { continue }
            guard let connection else { continue }
            guard try connection.send(request) else {
                problem = "could not queue \(request.command) for \(connection.endpoint)"
                dropConnection(reason: problem)
                continue
            }
            guard let answer = try awaitAnswer(to: request, answers: answers, identity: identity, on: connection)
            else {
                if session != nil {
                    problem = "no answer from \(connection.endpoint) within \(configuration.requestTimeout)"
                    dropConnection(reason: problem)
                } else {
                    problem = "the connection to \(connection.endpoint) broke"
                }
                continue
            }
            if answer.command == Command.rejected.rawValue {
                switch answer.body["code"]?.stringValue {
                case RejectionCode.helloRequired.rawValue:
                    problem = "the broker no longer knew the session (restarted?)"
                    dropConnection(reason: problem)
                    continue
                case RejectionCode.unavailable.rawValue:
                    problem = "the broker could not commit (unavailable)"
                    failures += 1
                    continue
                default:
                    break
                }
            }
            failures = 0
            return answer
        }
        throw SchakelClientError.gaveUp(
            command: request.command, attempts: configuration.maxAttempts, lastProblem: problem)
    }

    private func awaitAnswer(
        to request: WireMessage, answers: Set<Command>, identity: [String: String], on connection: BrokerConnection
    ) throws -> WireMessage? {
        let deadline = ContinuousClock.now.advanced(by: configuration.requestTimeout)
        while session != nil, let arrival = try connection.receive(until: deadline) {
            switch arrival {
            case .disconnected:
                dropConnection(reason: "the connection broke")
            case .handshakeFailed(let failure):
                try stopIfConclusive(failure, endpoint: connection.endpoint)
                dropConnection(reason: "the handshake failed")
            case .garbage:
                continue
            case .message(let message):
                let command = Command(rawValue: message.command)
                let isAnswer =
                    command.map(answers.contains) == true
                    || (command == .rejected
                        && (message.body["command"]?.stringValue ?? request.command) == request.command)
                let sameRequest = identity.allSatisfy { key, value in
                    message.body[key].map { $0.stringValue == value } ?? true
                }
                // A message with a message_id comes from the outbox (a publish-only adapter's receipt can be an
                // ACCEPTED or a REJECTED), never as the direct answer to a request.
                if isAnswer && sameRequest && message.body["message_id"] == nil {
                    lastHeard = .now
                    return message
                }
                absorb(message)
            }
        }
        return nil
    }

    // MARK: - Sessions

    /// One attempt to open a session on the current endpoint: a fresh socket, HELLO, WELCOME. `nil` (and the next
    /// endpoint for the next attempt) when no WELCOME came within the request timeout.
    private func openSession(problem: inout String) throws -> Welcome? {
        connection?.close()
        connection = nil
        session = nil
        let endpoint = configuration.endpoints[endpointIndex % configuration.endpoints.count]
        emit(.connecting(endpoint: endpoint))
        let connection = try BrokerConnection(context: context, endpoint: endpoint, configuration: configuration)
        self.connection = connection
        let hello = WireMessage(
            .hello, .object(["as": .string(configuration.principal), "client": .string(configuration.clientName)]))
        if try connection.send(hello) {
            let deadline = ContinuousClock.now.advanced(by: configuration.requestTimeout)
            while let arrival = try connection.receive(until: deadline) {
                if case .handshakeFailed(let failure) = arrival {
                    try stopIfConclusive(failure, endpoint: endpoint)
                }
                guard case .message(let message) = arrival else { continue }
                if message.command == Command.welcome.rawValue {
                    let welcome: Welcome
                    do {
                        welcome = try message.decode(Welcome.self)
                    } catch {
                        throw SchakelClientError.unexpectedAnswer(message, "\(error)")
                    }
                    session = welcome
                    failures = 0
                    lastHeard = .now
                    pingSentAt = nil
                    emit(.connected(endpoint: endpoint, pending: welcome.pending))
                    return welcome
                }
                if message.command == Command.rejected.rawValue,
                    message.body["command"]?.stringValue == Command.hello.rawValue
                {
                    if message.body["code"]?.stringValue == RejectionCode.unavailable.rawValue {
                        // A standby (Protocols/SRP1.md, Active and standby): the active daemon is at another
                        // endpoint, or takes over here shortly.
                        problem = "\(endpoint) is a standby: \(message.body["message"]?.stringValue ?? "unavailable")"
                        dropConnection(reason: problem)
                        endpointIndex += 1
                        return nil
                    }
                    connection.close()
                    self.connection = nil
                    let rejection = try? message.decode(Rejection.self)
                    throw SchakelClientError.helloRefused(
                        rejection ?? Rejection(.invalid, message.body["message"]?.stringValue ?? "refused"))
                }
            }
        }
        problem = "no WELCOME from \(endpoint) within \(configuration.requestTimeout)"
        dropConnection(reason: problem)
        endpointIndex += 1
        return nil
    }

    /// Throws ``SchakelClientError/handshakeRefused(endpoint:reason:)`` (closing the connection) when `failure`
    /// says what is wrong; returns when it may be passing (a broker restarting).
    private func stopIfConclusive(_ failure: ZMQHandshakeFailure, endpoint: String) throws {
        guard let error = Self.diagnose(failure, endpoint: endpoint, curve: configuration.curve) else { return }
        connection?.close()
        connection = nil
        session = nil
        throw error
    }

    /// Closes the connection; the next use opens a new one.
    private func dropConnection(reason: String) {
        guard let connection else { return }
        connection.close()
        self.connection = nil
        if session != nil { emit(.disconnected(endpoint: connection.endpoint, reason: reason)) }
        session = nil
        pingSentAt = nil
        failures += 1
    }

    /// Sleeps the backoff for the failures so far, but not past `deadline`.
    private func pause(until deadline: ContinuousClock.Instant?) {
        var delay = configuration.backoff.delay(afterFailures: max(failures, 1))
        if let deadline { delay = min(delay, max(.zero, ContinuousClock.now.duration(to: deadline))) }
        emit(.backingOff(delay: delay, failures: failures))
        Thread.sleep(forTimeInterval: Backoff.seconds(delay))
    }

    /// Handles what is not the answer being waited for: outbox messages (queued once), PONG, and the
    /// `hello_required` that tells a restarted broker forgot the session.
    private func absorb(_ message: WireMessage) {
        lastHeard = .now
        if let incoming = Incoming(message) {
            switch recent.admit(incoming.messageID) {
            case .new:
                inbox.append(incoming)
            case .pending:
                emit(.duplicateDropped(messageID: incoming.messageID, confirmedAgain: false))
            case .confirmed:
                sendReceived([incoming.messageID])
                emit(.duplicateDropped(messageID: incoming.messageID, confirmedAgain: true))
            }
            return
        }
        switch Command(rawValue: message.command) {
        case .pong:
            pingSentAt = nil
        case .rejected:
            if message.body["code"]?.stringValue == RejectionCode.helloRequired.rawValue {
                dropConnection(reason: "the broker no longer knew the session (restarted?)")
            }
        default:
            break  // a late answer to an earlier request
        }
    }

    private func sendReceived(_ ids: [String]) {
        guard session != nil, let connection else { return }
        for start in stride(from: 0, to: ids.count, by: 1000) {
            let batch = ids[start..<min(start + 1000, ids.count)].map(JSONValue.string)
            _ = try? connection.send(WireMessage(.received, .object(["message_ids": .array(batch)])))
        }
    }

    private func emit(_ event: Event) {
        configuration.onEvent?(event)
    }
}

/// Sockets are confined to the thread that owns the client.
@available(*, unavailable, message: "A SchakelClient belongs to the thread that uses it")
extension SchakelClient: Sendable {}
