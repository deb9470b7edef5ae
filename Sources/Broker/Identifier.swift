import Foundation

/// Opaque, unguessable ids for the referrals and handovers the broker creates: `ref-…`, `ho-…`. (Outbox message
/// ids, `msg-…`, are made from the message's sequence number since migration 12: ``SequenceIdentifier``.)
///
/// Random rather than sequential so that an id reveals nothing about volume or order, and so
/// that nobody can walk the id space with STATUS.
enum Identifier {
    static func make(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.lowercased())"
    }
}
