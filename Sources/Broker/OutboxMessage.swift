import Foundation
import SchakelProtocol

/// A message owed to a principal, as stored in the outbox.
///
/// The body stays the canonical JSON text it was stored as: delivery sends those bytes as they
/// are, which is what parsing and serializing them again would give, without the cost.
struct OutboxMessage: Sendable, Equatable {
    var seq: Int64
    var messageID: String
    var principal: String
    var command: String
    var body: Data

    /// The three SRP/1 frames.
    var frames: [Data] {
        [WireMessage.signature, Data(command.utf8), body]
    }
}
