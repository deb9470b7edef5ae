import Foundation
import SchakelProtocol

/// One e-mail that tells a contact person something waits for them on the desk.
///
/// A notice is a reminder to open the desk, not a copy of the work: e-mail leaves the region's systems, is kept in
/// mailboxes nobody controls and is read over people's shoulders. So a notice holds only what a stranger could not
/// use: what kind of thing waits, the need's domain in words, the urgency, the deadline and the desk's address. It
/// never holds the citizen's data, a referral, handover or message id, or any name but "Schakel"; the types here
/// have no field that could carry them.
public struct MailNotice: Sendable, Equatable {
    /// What waits on the desk; each has its own subject and body.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A new offer (SRP/1 HANDOVER) waits for yes or no.
        case offer
        /// An offer still waits for an answer (SRP/1 REMINDER).
        case reminder
        /// A need is slipping and this coordinator can act on it (SRP/1 ESCALATION).
        case escalation
    }

    /// The contact's language. The Dutch text is always there, since colleagues share mailboxes; `en` adds an
    /// English version below it.
    public enum Language: String, Sendable, Equatable, CaseIterable {
        case nl, en
    }

    public var kind: Kind
    /// The need's domain as the contact reads it, already in words ("schulden"), never a vocabulary id.
    public var domainLabel: String
    public var urgency: Urgency
    /// When the contact should have acted; shown in Europe/Amsterdam time. Nil leaves the line out.
    public var deadline: Date?
    /// The desk's base address. It must not name a referral or handover: the contact finds the work after logging in.
    public var deskLink: String
    /// The contact's work e-mail address, a bare `local@domain`.
    public var to: String
    public var language: Language
    /// The contact's id on the social map, for log lines only: it never goes into the message.
    public var contactID: String?

    public init(
        kind: Kind, domainLabel: String, urgency: Urgency, deadline: Date?, deskLink: String, to: String,
        language: Language = .nl, contactID: String? = nil
    ) {
        self.kind = kind
        self.domainLabel = domainLabel
        self.urgency = urgency
        self.deadline = deadline
        self.deskLink = deskLink
        self.to = to
        self.language = language
        self.contactID = contactID
    }

    /// The whole message as `sendmail -t -i` reads it on its standard input: headers, a blank line, the body.
    ///
    /// Lines end in LF alone, not CRLF: the sendmail interface takes a message in the local text convention and
    /// the mail system (postfix, exim, msmtp) writes CRLF on the wire itself; CRLF on the pipe is passed on as
    /// content by some of them and shows up as a stray CR. The body is UTF-8 sent as 8bit (every relay since
    /// 8BITMIME takes it, and lines stay far below 998 octets); a subject with other than ASCII is sent as RFC 2047
    /// encoded-words.
    ///
    /// - Parameters:
    ///   - from: the envelope and header sender, a bare `local@domain`; it shows as `Schakel <from>`.
    ///   - now: the `Date:` header.
    ///   - messageID: the `Message-ID:` header, `<unique@domain>`; a random one, never a protocol id.
    /// - Throws: ``MailNoticeError`` when a field would let text escape into other headers (a CR or LF in an
    ///   address: header injection), or is not what it should be. The notice is then not sent at all.
    public func render(from: String, now: Date, messageID: String) throws -> String {
        try MailNoticeError.checkAddress(to, field: "to")
        try MailNoticeError.checkAddress(from, field: "from")
        try MailNoticeError.checkText(domainLabel, field: "domainLabel")
        try MailNoticeError.checkLink(deskLink)
        try MailNoticeError.checkMessageID(messageID)
        var headers = [
            "To: \(to)",
            "From: Schakel <\(from)>",
            MailHeader.unstructured("Subject", subject),
            "Date: \(MailDate.rfc5322(now))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        if language == .en {
            headers.append("Content-Language: nl, en")
        } else {
            headers.append("Content-Language: nl")
        }
        // Mail robots (vacation replies, mailing list software) should not answer or forward a notice.
        headers.append("Auto-Submitted: auto-generated")
        return headers.joined(separator: "\n") + "\n\n" + body
    }
}
