import ZeroMQ

/// Handshakes refused before a ZAP request, logged: a plain client at a CURVE broker and a client that sealed its
/// HELLO for another server key never reach the ZAP handler (which logs the keys it refuses), so without this the
/// daemon said nothing while the client timed out.
extension BrokerServer {
    /// Logs one refused handshake from the ROUTER's monitor, at most once per reason per throttle interval (a
    /// misconfigured peer retries every 100 ms).
    func logRefusedHandshake(_ failure: ZMQHandshakeFailure, endpoint: String) {
        let reason: String
        let key: String
        switch failure {
        case .authentication:
            return  // the ZAP handler logged it (peer.refused), with the key
        case .mechanismMismatch:
            key = "mechanism"
            reason =
                config.curveSecretKeyFile == nil
                ? "the peer uses CURVE but this broker runs insecure_dev: it must connect without CURVE keys"
                : "the peer does not use CURVE (a plain client?): it must connect as a CURVE client with the broker's "
                    + "public key as server key and its own key pair, listed on the social map"
        case .cryptographic:
            key = "cryptographic"
            reason =
                "the peer's CURVE HELLO could not be opened: it was sealed for another server key than this broker's "
                + "public key (schakeld --check-config prints it)"
        case .protocolError(let code):
            key = "protocol"
            reason = "ZMTP protocol error 0x\(String(code, radix: 16)) during the handshake"
        case .noDetail:
            // A plain client often closes before its mechanism reaches the broker (it saw CURVE in the broker's
            // greeting first), so a mismatch can look like this too.
            guard config.curveSecretKeyFile != nil else { return }
            key = "closed"
            reason =
                "a peer closed the connection during the CURVE handshake: most likely a plain client (it must "
                + "connect as a CURVE client with the broker's public key), or one that gave up"
        }
        logger.warning("handshake.refused", ["endpoint": endpoint, "reason": reason], throttledBy: key)
    }
}
