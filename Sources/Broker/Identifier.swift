import Foundation

/// Opaque, unguessable ids for the objects the broker creates: `ref-…`, `ho-…`, `msg-…`.
///
/// Random rather than sequential so that an id reveals nothing about volume or order, and so
/// that nobody can walk the id space with STATUS.
enum Identifier {
    static func make(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.lowercased())"
    }
}
