import Foundation
import SchakelProtocol

/// The words of a notice: plain Dutch at B1 level (short sentences, everyday words), and English below it for a
/// contact whose language is `en`. Nothing here reads a field that could identify a person or a case.
extension MailNotice {
    /// `Nieuw aanbod in Schakel: schulden (spoed)`. Always Dutch, so a shared mailbox sorts every notice alike; the
    /// urgency shows only when there is haste.
    public var subject: String {
        let what =
            switch kind {
            case .offer: "Nieuw aanbod in Schakel"
            case .reminder: "Herinnering in Schakel"
            case .escalation: "Hulpvraag blijft liggen in Schakel"
            }
        let haste =
            switch urgency {
            case .crisis: " (crisis)"
            case .urgent: " (spoed)"
            case .normal: ""
            }
        return "\(what): \(domainLabel)\(haste)"
    }

    /// The plain text body; see ``render(from:now:messageID:)``.
    public var body: String {
        var lines = dutch
        // Not "-- ", which mail programs take for the start of a signature and grey out or cut.
        if language == .en { lines += ["", "----", "In English", ""] + english }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The urgency as the body says it in Dutch: the desk's own words, so a notice and a page never disagree.
    public static func dutchUrgency(_ urgency: Urgency) -> String {
        Words.dutch.urgencies[urgency] ?? urgency.rawValue
    }

    /// The urgency as the body says it in English.
    public static func englishUrgency(_ urgency: Urgency) -> String {
        Words.english.urgencies[urgency] ?? urgency.rawValue
    }

    private var dutch: [String] {
        var lines = ["Goedendag,", ""]
        switch kind {
        case .offer: lines.append("Er staat een nieuw aanbod voor u klaar in Schakel.")
        case .reminder: lines.append("Er wacht nog een aanbod op uw antwoord in Schakel.")
        case .escalation:
            lines.append("Een hulpvraag blijft liggen in Schakel. U kunt iemand kiezen die hem oppakt.")
        }
        lines += ["", "Waarover: \(domainLabel)", "Hoe snel: \(Self.dutchUrgency(urgency))"]
        if let deadline {
            let when = MailDate.dutch(deadline)
            switch kind {
            case .offer, .reminder: lines.append("Geef uw antwoord vóór \(when).")
            case .escalation: lines.append("Regel het graag vóór \(when).")
            }
        }
        lines.append("")
        switch kind {
        case .offer, .reminder: lines.append("Open de desk. Daar leest u het aanbod en zegt u ja of nee:")
        case .escalation: lines.append("Open de desk. Daar ziet u de hulpvraag en kiest u wie hem oppakt:")
        }
        lines += [
            deskLink, "",
            "In deze e-mail staan geen gegevens over de persoon.", "Die leest u alleen op de desk.", "",
            "Schakel",
        ]
        return lines
    }

    private var english: [String] {
        var lines: [String] = []
        switch kind {
        case .offer: lines.append("A new offer waits for you in Schakel.")
        case .reminder: lines.append("An offer still waits for your answer in Schakel.")
        case .escalation: lines.append("A request for help is not moving in Schakel. You can choose who takes it.")
        }
        lines += ["", "About: \(domainLabel)", "How fast: \(Self.englishUrgency(urgency))"]
        if let deadline {
            let when = MailDate.english(deadline)
            switch kind {
            case .offer, .reminder: lines.append("Please answer before \(when) (Amsterdam time).")
            case .escalation: lines.append("Please see to it before \(when) (Amsterdam time).")
            }
        }
        lines.append("")
        switch kind {
        case .offer, .reminder: lines.append("Open the desk to read the offer and say yes or no:")
        case .escalation: lines.append("Open the desk to see the request and choose who takes it:")
        }
        lines += [deskLink, "", "This e-mail holds no data about the person.", "You read that on the desk only."]
        return lines
    }
}
