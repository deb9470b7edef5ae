import Foundation
import SchakelProtocol

// Temporary stand-in, replaced by the real validator.
struct JSONSchema {
    init(contentsOf url: URL) throws {}
    func validate(_ value: JSONValue) -> [String] { [] }
}

enum ProtocolSpec {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Protocols")
    static func validate(_ message: WireMessage) -> [String] { [] }
}
