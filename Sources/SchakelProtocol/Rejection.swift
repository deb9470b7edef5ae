/// A refusal the broker sends back as `REJECTED`, and the one error type of the protocol layer.
///
/// Every rejection carries a code a program can branch on and a message a person understands;
/// `field` points into the body (`referral.needs[0].domain`) when one field is to blame.
public struct Rejection: Error, Sendable, Equatable, Codable {
    public var code: RejectionCode
    public var message: String
    public var field: String?
    public var externalID: String?
    /// The command this rejection answers, so a pipelining peer can tell which request failed.
    public var command: String?
    /// Set only on a receipt for a publish-only adapter's refused SUBMIT, which reaches it through the outbox: the
    /// id it confirms with RECEIVED.
    public var messageID: String?

    public init(
        _ code: RejectionCode, _ message: String, field: String? = nil, externalID: String? = nil,
        command: String? = nil
    ) {
        self.code = code
        self.message = message
        self.field = field
        self.externalID = externalID
        self.command = command
    }

    enum CodingKeys: String, CodingKey {
        case code, message, field, command
        case externalID = "external_id"
        case messageID = "message_id"
    }
}
