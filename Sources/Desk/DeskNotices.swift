import Foundation
import SchakelClient
import SocialMap

/// E-mail notices of new offers, reminders and escalations. Placeholder until the Mailer lands.
enum DeskNotices {
    static func hook(config: DeskConfig) -> @Sendable (ContactPerson, Incoming) -> Void {
        { _, _ in }
    }

    static func drain() {}
}
