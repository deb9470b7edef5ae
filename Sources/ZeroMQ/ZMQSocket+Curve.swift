import CZMQ
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A CurveZMQ key pair in Z85 text (40 characters each).
///
/// Z85 text is what operators paste into configs and the social map, so this is the only form the project handles;
/// the 32-byte binary form never leaves libzmq.
public struct CurveKeyPair: Sendable, Equatable {
    /// The key peers list (the social map) or a client names as the server key.
    public let publicKey: String
    /// The key that proves ownership of ``publicKey``; keep it in a file only its owner can read.
    public let secretKey: String

    /// A pair from text; throws `EINVAL` when either key is not 40 characters of the Z85 alphabet, or when the
    /// secret key does not belong to the public key (checked with `zmq_curve_public`).
    public init(publicKey: String, secretKey: String) throws(ZMQError) {
        try CurveKeyPair.validate(publicKey, role: "public key")
        try CurveKeyPair.validate(secretKey, role: "secret key")
        guard try CurveKeyPair.publicKey(forSecretKey: secretKey) == publicKey else {
            throw ZMQError(code: EINVAL, operation: "CurveKeyPair(the secret key does not belong to the public key)")
        }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    private init(checkedPublicKey: String, checkedSecretKey: String) {
        publicKey = checkedPublicKey
        secretKey = checkedSecretKey
    }

    /// A fresh random pair (`zmq_curve_keypair`); throws `ENOTSUP` when libzmq was built without CURVE.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicBuffer = [CChar](repeating: 0, count: 41)
        var secretBuffer = [CChar](repeating: 0, count: 41)
        try zmqCheck("zmq_curve_keypair") { zmq_curve_keypair(&publicBuffer, &secretBuffer) }
        return CurveKeyPair(checkedPublicKey: string(publicBuffer), checkedSecretKey: string(secretBuffer))
    }

    /// The public key that belongs to a Z85 secret key (`zmq_curve_public`), so a config check can show an
    /// operator which public key the peers must know, and a loaded secret key can be matched against a listed one.
    public static func publicKey(forSecretKey secretKey: String) throws(ZMQError) -> String {
        try validate(secretKey, role: "secret key")
        var publicBuffer = [CChar](repeating: 0, count: 41)
        var secretBuffer = Array(secretKey.utf8CString)
        try zmqCheck("zmq_curve_public") { zmq_curve_public(&publicBuffer, &secretBuffer) }
        return string(publicBuffer)
    }

    /// Whether `text` is a Z85-encoded 32-byte key: exactly 40 characters, all from the Z85 alphabet, and every
    /// 5-character group within 32 bits (`zmq_z85_decode` accepts it).
    public static func isValidKey(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 40, bytes.allSatisfy({ z85Alphabet.contains($0) }) else { return false }
        var decoded = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&decoded, text) != nil
    }

    /// The 85 characters of the Z85 alphabet (ZeroMQ RFC 32).
    private static let z85Alphabet = Set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    private static func validate(_ key: String, role: String) throws(ZMQError) {
        guard isValidKey(key) else {
            throw ZMQError(
                code: EINVAL,
                operation: "CurveKeyPair(\(role) is not a Z85 CURVE key: want 40 characters of the Z85 alphabet, got "
                    + "\(key.count))")
        }
    }

    private static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// CurveZMQ (RFC 26) on a socket: encryption and, with a ZAP handler, authentication of each peer's key.
///
/// Set these before ``bind(_:)`` or ``connect(_:)``: libzmq reads the mechanism when a connection starts.
extension ZMQSocket {
    /// Makes this socket the CURVE server side (`ZMQ_CURVE_SERVER=1`) with its secret key.
    ///
    /// Every connection is then encrypted, but who may connect is decided only by a ZAP handler bound on
    /// `inproc://zeromq.zap.01` in the same context; without one, libzmq admits every client that knows the server's
    /// public key. Bind the handler first (see ``ZAPRequest``).
    public func makeCurveServer(secretKey: String) throws(ZMQError) {
        guard CurveKeyPair.isValidKey(secretKey) else {
            throw ZMQError(code: EINVAL, operation: "zmq_setsockopt(ZMQ_CURVE_SECRETKEY, not a Z85 key)")
        }
        try setCurveIntOption(ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER", 1)
        try setCurveKeyOption(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", secretKey)
    }

    /// Makes this socket a CURVE client that talks only to the server holding `serverKey`'s secret and proves
    /// itself with `keyPair`.
    public func makeCurveClient(serverKey: String, keyPair: CurveKeyPair) throws(ZMQError) {
        guard CurveKeyPair.isValidKey(serverKey) else {
            throw ZMQError(code: EINVAL, operation: "zmq_setsockopt(ZMQ_CURVE_SERVERKEY, not a Z85 key)")
        }
        try setCurveKeyOption(ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY", serverKey)
        try setCurveKeyOption(ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY", keyPair.publicKey)
        try setCurveKeyOption(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY", keyPair.secretKey)
    }

    /// The ZAP domain this socket's connections are authenticated in (`ZMQ_ZAP_DOMAIN`); the ZAP handler sees it
    /// in each request, so one handler can serve several sockets with different rules.
    public func setZAPDomain(_ domain: String) throws(ZMQError) {
        let operation = "zmq_setsockopt(ZMQ_ZAP_DOMAIN=\(domain))"
        var bytes = Array(domain.utf8)
        try withUnsafeHandle(operation) { handle throws(ZMQError) -> Void in
            try zmqCheck(operation) { zmq_setsockopt(handle, ZMQ_ZAP_DOMAIN, &bytes, bytes.count) }
        }
    }

    /// A 40-character Z85 key option, passed without its terminating NUL (libzmq accepts 32 binary bytes, 40 Z85
    /// characters or 41 with the NUL).
    private func setCurveKeyOption(_ option: Int32, _ name: String, _ key: String) throws(ZMQError) {
        let operation = "zmq_setsockopt(\(name))"  // Never the key itself: secret keys must not reach a log.
        var bytes = Array(key.utf8)
        try withUnsafeHandle(operation) { handle throws(ZMQError) -> Void in
            try zmqCheck(operation) { zmq_setsockopt(handle, option, &bytes, bytes.count) }
        }
    }

    private func setCurveIntOption(_ option: Int32, _ name: String, _ value: Int32) throws(ZMQError) {
        let operation = "zmq_setsockopt(\(name)=\(value))"
        var cValue = value
        try withUnsafeHandle(operation) { handle throws(ZMQError) -> Void in
            try zmqCheck(operation) { zmq_setsockopt(handle, option, &cValue, MemoryLayout<Int32>.size) }
        }
    }
}
