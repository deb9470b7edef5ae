import Foundation
import SchakelClient
import SchakelProtocol
import SocialMap

/// Turns what reaches a contact at the desk into an e-mail notice: a new offer, a reminder, an escalation. Only
/// the need's domain, the urgency, the deadline and the desk's link go out (``MailNotice`` refuses more), and
/// only to contacts whose `email_notices` is not off on the map. The ``Mailer`` sends in the background and
/// retries, so a mail server that is down never holds up a page.
///
/// An outbox message is mailed the first time this desk process sees it. After a restart of the desk the broker
/// sends again what is unconfirmed, and an offer still unanswered is mailed once more: a second nudge, never a
/// lost one.
public final class DeskNotifier: Sendable {
    let mailer: Mailer
    let link: String
    let labels: [String: String]

    public init(settings: DeskConfig.MailSettings, link: String, map: SocialMap) {
        mailer = Mailer(configuration: Mailer.Configuration(sendmail: settings.sendmail, from: settings.from))
        self.link = link
        labels = Dictionary(map.document.domains.map { ($0.id, $0.labelNL.lowercased()) }) { a, _ in a }
    }

    /// The notice for `incoming`, if it is one a contact is mailed about.
    func notice(for contact: ContactPerson, _ incoming: Incoming) -> MailNotice? {
        guard contact.emailNotices != false else { return nil }
        let kind: MailNotice.Kind
        let domain: String
        let urgency: Urgency
        let deadline: String?
        switch incoming.kind {
        case .handover(let offer):
            (kind, domain, urgency, deadline) = (.offer, offer.need.domain, offer.urgency, offer.ackBy)
        case .reminder(let reminder):
            // A REMINDER carries no urgency; the body's urgency line then says "gewoon", never more than it knows.
            (kind, domain, urgency, deadline) = (.reminder, reminder.need.domain, .normal, reminder.due)
        case .escalation(let escalation):
            (kind, domain, urgency, deadline) = (.escalation, escalation.need.domain, escalation.urgency, nil)
        default:
            return nil
        }
        return MailNotice(
            kind: kind, domainLabel: labels[domain] ?? domain, urgency: urgency,
            deadline: deadline.flatMap(RFC3339.parse), deskLink: link, to: contact.email, contactID: contact.id)
    }

    /// Queues the notice for `incoming`, if any; returns at once.
    public func handle(_ contact: ContactPerson, _ incoming: Incoming) {
        if let notice = notice(for: contact, incoming) { mailer.send(notice) }
    }

    /// On shutdown: a few seconds for what is queued, then stop.
    public func drain() {
        mailer.waitUntilIdle(timeout: .seconds(5))
        mailer.stop()
    }
}
