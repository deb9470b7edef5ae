import CZMQ
import Foundation

/// One ZAP authentication request (ZeroMQ RFC 27), as the handler's REP socket on
/// ``ZAPRequest/endpoint`` receives it when a peer connects to a socket with a security mechanism.
///
/// The handler answers every request with a ``ZAPReply`` carrying the same ``requestID``; libzmq holds the
/// connection until it does, and admits the peer only on status 200.
public struct ZAPRequest: Sendable, Equatable {
    /// The fixed endpoint libzmq sends ZAP requests to, in the context of the socket being connected to.
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Echoed in the reply so libzmq can match it to the waiting connection.
    public var requestID: Data
    /// The server socket's ``ZMQSocket/setZAPDomain(_:)``, empty when none was set.
    public var domain: String
    /// The peer's IP address for `tcp://`, empty for `ipc://`.
    public var address: String
    /// The peer's routing id, when it set one.
    public var routingID: Data
    /// `"NULL"`, `"PLAIN"` or `"CURVE"`.
    public var mechanism: String
    /// For CURVE: the client's long-term public key in Z85, the key the handler looks up. `nil` for others.
    public var curvePublicKey: String?

    /// Parses the frames of a request; `nil` when they are not a version 1.0 ZAP request (the handler then answers
    /// nothing useful and should log it: only libzmq talks to this endpoint).
    public init?(frames: [Data]) {
        guard frames.count >= 6, frames[0] == Data("1.0".utf8) else { return nil }
        requestID = frames[1]
        domain = String(decoding: frames[2], as: UTF8.self)
        address = String(decoding: frames[3], as: UTF8.self)
        routingID = frames[4]
        mechanism = String(decoding: frames[5], as: UTF8.self)
        if mechanism == "CURVE" {
            guard frames.count == 7, frames[6].count == 32 else { return nil }
            curvePublicKey = ZAPRequest.z85(frames[6])
        } else {
            curvePublicKey = nil
        }
    }

    /// Builds a request, e.g. as the input of a handler's unit test.
    public init(
        requestID: Data, domain: String, address: String, routingID: Data = Data(), mechanism: String,
        curvePublicKey: String?
    ) {
        self.requestID = requestID
        self.domain = domain
        self.address = address
        self.routingID = routingID
        self.mechanism = mechanism
        self.curvePublicKey = curvePublicKey
    }

    /// Z85 text of a 32-byte key (`zmq_z85_encode`).
    private static func z85(_ key: Data) -> String? {
        var buffer = [CChar](repeating: 0, count: 41)
        var bytes = [UInt8](key)
        guard zmq_z85_encode(&buffer, &bytes, bytes.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
