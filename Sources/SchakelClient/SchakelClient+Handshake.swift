import ZeroMQ

/// What a refused handshake most likely means, from what this client can see of it.
///
/// A CURVE broker refuses a plain client, an unlisted key and a HELLO sealed for another server key before any
/// SRP/1 message passes; waiting for WELCOME then only ends in a timeout that blames a broker that is running. The
/// monitor's handshake events tell these apart, and retrying cannot fix any of them, so the client stops at once.
extension SchakelClient {
    /// The error for a handshake `failure` at `endpoint`; nil when it is not conclusive (a connection that broke
    /// during a plain handshake may be a broker restarting).
    static func diagnose(_ failure: ZMQHandshakeFailure, endpoint: String, curve: Curve?) -> SchakelClientError? {
        let reason: String
        switch failure {
        case .mechanismMismatch:
            reason =
                curve == nil
                ? "the broker at \(endpoint) expects CURVE: connect with this client's key pair and the broker's "
                    + "public key as server key (schakelctl: --curve-key FILE --server-key KEY)"
                : "the broker at \(endpoint) does not use CURVE (it runs insecure_dev): connect without CURVE keys"
        case .authentication(let status):
            reason =
                "the broker at \(endpoint) refused this client's key (ZAP \(status)): it is not on the social map; "
                + "ask the operator to list \(curve?.publicKey ?? "its public key") under public_keys of your "
                + "organisation or contact person"
        case .cryptographic:
            reason = "the CURVE handshake with \(endpoint) failed: the keys do not fit together; check the server key"
        case .noDetail:
            guard let curve else { return nil }
            reason =
                "the broker at \(endpoint) closed the connection during the CURVE handshake: most likely the server "
                + "key \(curve.serverKey) is not its public key (schakeld --check-config prints the right one)"
        case .protocolError(let code):
            reason = "the handshake with \(endpoint) failed with ZMTP protocol error 0x\(String(code, radix: 16))"
        }
        return .handshakeRefused(endpoint: endpoint, reason: reason)
    }
}
