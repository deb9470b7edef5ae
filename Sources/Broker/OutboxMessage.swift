import Foundation
import SchakelProtocol

/// A message owed to a principal, as stored in the outbox.
struct OutboxMessage: Sendable, Equatable {
    var seq: Int64
    var messageID: String
    var principal: String
    var message: WireMessage
}
