import Foundation
import SchakelProtocol

/// One ROUTER message read as far as it can be without the broker's state: its envelope, and the request its frames
/// hold or why they hold none.
///
/// Reading is pure (the frames, the size limit, the domain vocabulary, and which connections had a session when the
/// batch began), which is what lets ``RequestReadAhead`` do it on another thread. What needs the broker's state as
/// it is now stays with the loop, in the order it always had: the CURVE check, then the rule that a peer without a
/// session says HELLO first, then the request.
struct ReadRequest: Sendable {
    enum Outcome: Sendable {
        /// The frames are not an SRP/1 message (``WireMessage/parse(_:maxBodyBytes:)`` said why).
        case unreadable(Rejection)
        /// A message with this command, and its request or what is wrong with it.
        case read(command: String, request: Result<PeerRequest, Rejection>)
        /// A command that needs a session, from a connection that had none when the batch began: its body is not
        /// read (SRP1.md: a stranger learns nothing of the broker's rules). A HELLO earlier in the same batch may
        /// have made one since, so the loop decides, and reads the body then.
        case withoutSession(WireMessage)
    }

    var envelope: Envelope
    var outcome: Outcome

    /// Reads `frames` as they came from the ROUTER; nil when there is not even a routing id. `sessions` holds the
    /// routing ids that had a session when the batch began.
    static func read(
        _ frames: [Data], maxBodyBytes: Int, validator: ReferralValidator, sessions: [Data: String]
    ) -> ReadRequest? {
        guard let envelope = Envelope(routerFrames: frames) else { return nil }
        let message: WireMessage
        do throws(Rejection) {
            message = try WireMessage.parse(envelope.frames, maxBodyBytes: maxBodyBytes)
        } catch {
            return ReadRequest(envelope: envelope, outcome: .unreadable(error))
        }
        if sessions[envelope.routingID] == nil, needsSession(message.command) {
            return ReadRequest(envelope: envelope, outcome: .withoutSession(message))
        }
        let request: Result<PeerRequest, Rejection>
        do throws(Rejection) {
            request = .success(try PeerRequest.parse(message, referrals: validator))
        } catch {
            request = .failure(error)
        }
        return ReadRequest(envelope: envelope, outcome: .read(command: message.command, request: request))
    }

    /// Whether `command` is answered only within a session: every command a peer sends but HELLO and PING. (A command
    /// SRP/1 does not define is answered `unknown_command` with or without one.)
    static func needsSession(_ command: String) -> Bool {
        guard let known = Command(rawValue: command) else { return false }
        return Command.fromPeer.contains(known) && known != .hello && known != .ping
    }
}
