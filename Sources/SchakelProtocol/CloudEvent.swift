import Foundation

/// One state change as a CloudEvents 1.0 JSON event, as the broker's PUB socket publishes it (Protocols/EVENTS.md).
///
/// It carries ids, states, domains and times so dashboards and auditors can follow the flow, and never a citizen's
/// data: no names, phone numbers, summaries or notes. The frames are `[type, JSON]`: the type doubles as the
/// subscription prefix, so a consumer can take `nl.schakel.handover.` and nothing else.
public struct CloudEvent: Sendable, Equatable {
    public static let specVersion = "1.0"
    public static let contentType = "application/json"

    /// Unique per `source`; see Protocols/EVENTS.md for how it is made.
    public var id: String
    /// `urn:schakel:<name>`: which broker published it.
    public var source: String
    public var type: EventType
    /// RFC 3339: when the change happened, by the broker's clock.
    public var time: String
    /// The referral it is about; nil only for a refused submission, which has no referral.
    public var subject: String?
    public var data: EventData

    public init(id: String, source: String, type: EventType, time: String, subject: String?, data: EventData) {
        self.id = id
        self.source = source
        self.type = type
        self.time = time
        self.subject = subject
        self.data = data
    }

    /// The event in the CloudEvents JSON format (structured mode).
    public var json: JSONValue {
        var fields: [String: JSONValue] = [
            "specversion": .string(Self.specVersion), "id": .string(id), "source": .string(source),
            "type": .string(type.rawValue), "time": .string(time), "datacontenttype": .string(Self.contentType),
            "data": (try? JSONValueEncoder.encode(data)) ?? .object([:]),
        ]
        if let subject { fields["subject"] = .string(subject) }
        return .object(fields)
    }

    /// The two frames to publish: the topic (the type) and the JSON.
    ///
    /// The text is `json.canonicalData()`, written by `CanonicalJSONEncoder` without building the tree; should the
    /// data not encode, `json` (with `data` as `{}`) is what is published, as before.
    public func frames() -> [Data] {
        let text = (try? CanonicalJSONEncoder.encode(Structured(event: self))).map { Data($0) } ?? json.canonicalData()
        return [Data(type.rawValue.utf8), text]
    }
}

/// A ``CloudEvent`` in the structured JSON format: the same members as ``CloudEvent/json``.
private struct Structured: Encodable {
    let event: CloudEvent

    enum CodingKeys: String, CodingKey {
        case specversion, id, source, type, time, datacontenttype, data, subject
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(CloudEvent.specVersion, forKey: .specversion)
        try container.encode(event.id, forKey: .id)
        try container.encode(event.source, forKey: .source)
        try container.encode(event.type.rawValue, forKey: .type)
        try container.encode(event.time, forKey: .time)
        try container.encode(CloudEvent.contentType, forKey: .datacontenttype)
        try container.encode(event.data, forKey: .data)
        try container.encodeIfPresent(event.subject, forKey: .subject)
    }
}

/// The `data` of a ``CloudEvent``: which fields each type carries is in its schema (Protocols/schemas/events/).
///
/// Only identifiers, vocabularies and states. `contact` is a professional's principal id (such as
/// `contact:schuldhulp-anna`), which is about the professional's work and not about the citizen.
public struct EventData: Sendable, Equatable, Codable {
    public var referralID: String?
    /// The referring organisation's principal; absent only on an admin action that names no referral.
    public var organisation: String?
    /// The referring organisation's own id for the referral (their receipt key).
    public var externalID: String?
    public var urgency: Urgency?
    public var handoverID: String?
    public var needIndex: Int?
    public var domain: String?
    public var contact: String?
    public var handoverState: HandoverState?
    /// On `referral.accepted`: true when this was a republished SUBMIT accepted before.
    public var duplicate: Bool?
    /// On `submission.rejected`: the rejection code and the offending field.
    public var code: RejectionCode?
    public var field: String?
    /// On `referral.withdrawn` and `referral.purged`: why (a WITHDRAW reason, `retention`, `purge`).
    public var reason: String?
    /// On `referral.disclosed`: the names of the personal fields the contact received, never their values.
    public var fields: [String]?
    /// On `admin.*`: the command, whether it succeeded, its error code when it did not, and the arguments that
    /// are safe to publish.
    public var command: String?
    public var ok: Bool?
    public var error: String?
    public var arguments: AdminArguments?

    public init(
        referralID: String? = nil, organisation: String?, externalID: String? = nil, urgency: Urgency? = nil,
        handoverID: String? = nil, needIndex: Int? = nil, domain: String? = nil, contact: String? = nil,
        handoverState: HandoverState? = nil, duplicate: Bool? = nil, code: RejectionCode? = nil,
        field: String? = nil
    ) {
        self.referralID = referralID
        self.organisation = organisation
        self.externalID = externalID
        self.urgency = urgency
        self.handoverID = handoverID
        self.needIndex = needIndex
        self.domain = domain
        self.contact = contact
        self.handoverState = handoverState
        self.duplicate = duplicate
        self.code = code
        self.field = field
    }

    enum CodingKeys: String, CodingKey {
        case organisation, urgency, domain, contact, duplicate, code, field, reason, fields, command, ok, error
        case arguments
        case referralID = "referral_id"
        case externalID = "external_id"
        case handoverID = "handover_id"
        case needIndex = "need_index"
        case handoverState = "handover_state"
    }
}
