import Foundation

/// One SRP/1 message as it travels: `SRP1`, a command name, a JSON object.
///
/// The broker's ROUTER adds the routing id in front and a REQ peer adds an empty
/// delimiter; `Envelope` deals with those, this type only with the three protocol frames.
public struct WireMessage: Sendable, Equatable {
    /// The first frame of every SRP/1 message.
    public static let signature = Data("SRP1".utf8)

    public var command: String

    /// The body as a value. A message built from a message struct holds only its canonical text (that is all
    /// storing and sending need); reading `body` then parses that text back, which only tests and clients do.
    public var body: JSONValue {
        get {
            switch content {
            case .value(let value): value
            case .text(let bytes): (try? JSONValue.parse(Data(bytes))) ?? .object([:])
            }
        }
        set { content = .value(newValue) }
    }

    private enum Content: Sendable {
        case value(JSONValue)
        /// Canonical JSON text, from `CanonicalJSONEncoder`.
        case text([UInt8])
    }

    private var content: Content

    public init(command: String, body: JSONValue) {
        self.command = command
        self.content = .value(body)
    }

    public init(_ command: Command, _ body: JSONValue = .object([:])) {
        self.init(command: command.rawValue, body: body)
    }

    /// Encodes any `Encodable` body (one of the message structs) with its command, straight to its canonical
    /// text: no `JSONValue` tree is built, which was about a third of the daemon's instructions per referral.
    public init<Body: Encodable>(_ command: Command, encoding body: Body) {
        self.command = command.rawValue
        self.content = .text((try? CanonicalJSONEncoder.encode(body)) ?? Array("{}".utf8))
    }

    /// A body already written as canonical JSON text by a hand-written writer (``HandoverOffer/canonicalBytes()``).
    public init(_ command: Command, canonicalBytes: [UInt8]) {
        self.command = command.rawValue
        self.content = .text(canonicalBytes)
    }

    /// The body's canonical bytes (keys sorted, no whitespace), as stored and sent.
    public func canonicalBodyData() -> Data {
        switch content {
        case .value(let value): value.canonicalData()
        case .text(let bytes): Data(bytes)
        }
    }

    /// The body's canonical text, as stored and sent.
    public func canonicalBodyString() -> String {
        switch content {
        case .value(let value): value.canonicalString()
        case .text(let bytes): String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Equal when the commands and the bodies (as values) are equal, however each was built.
    public static func == (lhs: WireMessage, rhs: WireMessage) -> Bool {
        if lhs.command != rhs.command { return false }
        if case .text(let a) = lhs.content, case .text(let b) = rhs.content { return a == b }
        return lhs.body == rhs.body
    }

    /// The three frames to send.
    public func frames() -> [Data] {
        [Self.signature, Data(command.utf8), canonicalBodyData()]
    }

    /// Parses the three protocol frames, checking everything SRP/1 says about their shape.
    ///
    /// - Parameter maxBodyBytes: bodies above this are `too_large` (checked before parsing JSON).
    public static func parse(_ frames: [Data], maxBodyBytes: Int) throws(Rejection) -> WireMessage {
        guard frames.count == 3 else {
            throw Rejection(.malformed, "expected 3 frames (SRP1, command, JSON body), got \(frames.count)")
        }
        guard frames[0] == signature else {
            throw Rejection(.malformed, "the first frame must be the protocol signature SRP1")
        }
        let commandBytes = frames[1]
        guard (1...32).contains(commandBytes.count),
            commandBytes.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || $0 == UInt8(ascii: "_") })
        else {
            throw Rejection(.malformed, "the command frame must be 1 to 32 capital letters")
        }
        let command = String(decoding: commandBytes, as: UTF8.self)
        guard frames[2].count <= maxBodyBytes else {
            throw Rejection(
                .tooLarge, "the body is \(frames[2].count) bytes; the limit is \(maxBodyBytes) bytes", command: command)
        }
        let body: JSONValue
        do {
            body = try JSONValue.parse(frames[2])
        } catch {
            var rejection = error
            rejection.command = command
            throw rejection
        }
        guard case .object = body else {
            throw Rejection(.malformed, "the body must be a JSON object, not \(body.typeName)", command: command)
        }
        return WireMessage(command: command, body: body)
    }

    /// The command of three well-formed protocol frames without reading the body, for a rejection that must name
    /// the command it answers; nil when the frames are not SRP/1.
    public static func commandName(_ frames: [Data]) -> String? {
        guard frames.count == 3, frames[0] == signature, (1...32).contains(frames[1].count),
            frames[1].allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || $0 == UInt8(ascii: "_") })
        else { return nil }
        return String(decoding: frames[1], as: UTF8.self)
    }

    /// The body decoded as one of the message structs.
    public func decode<Body: Decodable>(_ type: Body.Type) throws -> Body {
        try SRPCoding.decoder.decode(type, from: canonicalBodyData())
    }
}

/// The JSON coders used for every SRP/1 body, so that field names and dates agree everywhere.
public enum SRPCoding {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static var decoder: JSONDecoder { JSONDecoder() }
}
