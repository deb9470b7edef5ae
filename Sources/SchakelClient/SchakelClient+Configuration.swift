import Foundation
import ZeroMQ

extension SchakelClient {
    /// Everything a ``SchakelClient`` needs to know before it connects. A value: build it once, pass it in.
    ///
    /// The defaults suit a long-running adapter on a LAN: answers within 5 s, eight tries per request, reconnects
    /// from 0.1 s up to 5 s apart, a PING after 10 s of silence.
    public struct Configuration: Sendable {
        /// The broker endpoints, e.g. `["tcp://schakel-a:5710", "tcp://schakel-b:5710"]`. The client talks to one
        /// at a time and moves on to the next when the current one gives no WELCOME in time, so a standby broker
        /// is simply the second entry.
        public var endpoints: [String]
        /// The principal this client speaks for, `org:<id>` (an adapter) or `contact:<id>` (a contact client).
        public var principal: String
        /// Sent in HELLO as `client`, `name/version`, for the broker's logs.
        public var clientName: String
        /// CURVE keys; `nil` for the development mode, in which the broker believes ``principal``. With CURVE the
        /// broker takes the principal from the client's public key (as listed on its social map) and refuses a
        /// HELLO for anyone else with `forbidden`.
        public var curve: Curve?
        /// How long to wait for WELCOME, for the answer to a request, and for PONG, before trying again.
        public var requestTimeout: Duration
        /// How many times a request (or ``SchakelClient/connect()``) is tried before it fails with
        /// ``SchakelClientError/gaveUp(command:attempts:lastProblem:)``. A SUBMIT is sent again unchanged, so the
        /// broker recognises it by its `external_id` and never records it twice.
        public var maxAttempts: Int
        /// The pause between attempts and between reconnections.
        public var backoff: Backoff
        /// After this long without hearing from the broker the client sends PING; no PONG within
        /// ``requestTimeout`` means the connection is dead, and the client reconnects. Also the ZMTP heartbeat
        /// interval of the socket (libzmq drops a silent connection after three of them).
        public var heartbeat: Duration
        /// How many recent `message_id`s the client remembers to drop re-sent messages (at-least-once delivery).
        public var deduplicationWindow: Int
        /// How long queued messages (the last RECEIVED) may take to leave when the client closes.
        public var linger: Duration
        /// Told about connections, retries and dropped duplicates, for logs and metrics. Called on the client's
        /// thread; keep it short.
        public var onEvent: (@Sendable (SchakelClient.Event) -> Void)?

        /// A configuration with the defaults described on each property.
        public init(
            endpoints: [String], principal: String, clientName: String = "schakel-client/\(SchakelClient.version)",
            curve: Curve? = nil, requestTimeout: Duration = .seconds(5), maxAttempts: Int = 8,
            backoff: Backoff = Backoff(), heartbeat: Duration = .seconds(10), deduplicationWindow: Int = 10_000,
            linger: Duration = .milliseconds(500), onEvent: (@Sendable (SchakelClient.Event) -> Void)? = nil
        ) {
            self.endpoints = endpoints
            self.principal = principal
            self.clientName = clientName
            self.curve = curve
            self.requestTimeout = requestTimeout
            self.maxAttempts = maxAttempts
            self.backoff = backoff
            self.heartbeat = heartbeat
            self.deduplicationWindow = deduplicationWindow
            self.linger = linger
            self.onEvent = onEvent
        }
    }

    /// CURVE keys for an encrypted, authenticated connection, all as 40-character Z85 text (what
    /// `zmq_curve_keypair` makes). With CURVE the broker takes the principal from ``publicKey``, not from HELLO.
    public struct Curve: Sendable, Equatable {
        /// The broker's public key, from its operator.
        public var serverKey: String
        /// This client's public key, registered with the broker's operator.
        public var publicKey: String
        /// This client's secret key. Keep it out of logs and version control.
        public var secretKey: String

        /// Keys as Z85 text.
        public init(serverKey: String, publicKey: String, secretKey: String) {
            self.serverKey = serverKey
            self.publicKey = publicKey
            self.secretKey = secretKey
        }

        /// The client's keys from a ``CurveKeyPair`` (e.g. `CurveKeyPair.generate()`).
        public init(serverKey: String, keyPair: CurveKeyPair) {
            self.init(serverKey: serverKey, publicKey: keyPair.publicKey, secretKey: keyPair.secretKey)
        }

        /// The client's pair, checked: 40 Z85 characters each, and the secret key belongs to the public key.
        func keyPair() throws -> CurveKeyPair {
            guard CurveKeyPair.isValidKey(serverKey) else {
                throw SchakelClientError.invalidConfiguration("the CURVE server key is not a 40-character Z85 key")
            }
            do {
                return try CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
            } catch {
                throw SchakelClientError.invalidConfiguration("CURVE keys: \(error.operation)")
            }
        }
    }
}
