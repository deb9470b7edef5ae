import CZMQ

/// Why a ZMTP handshake failed, as far as one side can tell: what turns a monitor's
/// `ZMQ_EVENT_HANDSHAKE_FAILED_*` event and its value into something a log line or an error message can name.
///
/// Both ends need it: the broker to log the refusals libzmq makes before any ZAP request (a plain client, a wrong
/// server key), and a client to say which of those it most likely met instead of timing out.
public enum ZMQHandshakeFailure: Sendable, Equatable {
    /// The two sides use different security mechanisms (`ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH`): one plain
    /// (NULL), the other CURVE.
    case mechanismMismatch
    /// A CURVE box could not be opened (`ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`): on the server, the client's HELLO
    /// was sealed for another server key.
    case cryptographic
    /// The ZAP handler refused the peer (`ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`), with its status code (400, 500).
    case authentication(status: Int)
    /// Another protocol error, with libzmq's `ZMQ_PROTOCOL_ERROR_*` code.
    case protocolError(code: Int)
    /// The connection broke during the handshake without a reason (`ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`): a
    /// CURVE server closes it so when the client's HELLO was sealed for another server key.
    case noDetail(errno: Int)
}

extension ZMQMonitorEvent {
    /// The handshake failure this event reports; nil for any other event.
    public var handshakeFailure: ZMQHandshakeFailure? {
        switch kind.rawValue {
        case Int(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL):
            switch value {
            case Int(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH): return .mechanismMismatch
            case Int(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC): return .cryptographic
            default: return .protocolError(code: value)
            }
        case Int(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH):
            return .authentication(status: value)
        case Int(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL):
            return .noDetail(errno: value)
        default:
            return nil
        }
    }
}
