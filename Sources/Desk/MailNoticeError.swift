import Foundation

/// Why a notice was refused before anything was sent. Each case is a field that would have let text escape into
/// other headers (header injection: a CR or LF in an address adds a `Bcc:` of the sender's choosing) or that is not
/// what the field promises. A refused notice is never sent in part.
public enum MailNoticeError: Error, Equatable, CustomStringConvertible {
    /// `to` or `from` is not a bare `local@domain` of printable ASCII (no spaces, line breaks, commas or brackets).
    case unsafeAddress(field: String)
    /// A text field holds a line break or another control character, or is empty or too long.
    case unsafeText(field: String)
    /// `deskLink` is not one `http://` or `https://` address without spaces, or it names a referral, handover or
    /// message id.
    case invalidLink
    /// The Message-ID is not `<unique@domain>` of printable ASCII.
    case invalidMessageID

    public var description: String {
        switch self {
        case .unsafeAddress(let field):
            "The e-mail address in `\(field)` holds a line break, a space or a character not allowed in an address: "
                + "correct it on the social map or in the desk's configuration to a plain name@domain."
        case .unsafeText(let field):
            "The text in `\(field)` is empty, too long or holds a line break: give it as one short line of words."
        case .invalidLink:
            "The desk link is not a single http:// or https:// address without ids: set the desk's public base URL "
                + "in its configuration."
        case .invalidMessageID:
            "The Message-ID is not of the form <unique@domain>: let the Mailer make it."
        }
    }

    /// Characters never allowed in an address here: what would end the field, add a recipient or start a comment.
    private static let addressSpecials = Set(" ,;:<>()[]\\\"")

    static func checkAddress(_ address: String, field: String) throws {
        let scalars = address.unicodeScalars
        guard !address.isEmpty, address.utf8.count <= 254,
            scalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }),
            !address.contains(where: { addressSpecials.contains($0) })
        else { throw unsafeAddress(field: field) }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { throw unsafeAddress(field: field) }
    }

    static func checkText(_ text: String, field: String) throws {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty, text.count <= 100,
            !text.unicodeScalars.contains(where: {
                [.control, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory)
            })
        else { throw unsafeText(field: field) }
    }

    static func checkLink(_ link: String) throws {
        guard link.hasPrefix("https://") || link.hasPrefix("http://"), link.utf8.count <= 500,
            link.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }),
            // A deep link to the case would put its id in every mailbox on the way: the desk's base address only.
            link.firstMatch(of: /(?i)(ref|ho|msg)-[0-9a-f]{8}-/) == nil
        else { throw invalidLink }
    }

    static func checkMessageID(_ id: String) throws {
        guard id.hasPrefix("<"), id.hasSuffix(">"), id.contains("@"), id.utf8.count <= 250,
            id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }),
            id.dropFirst().dropLast().allSatisfy({ $0 != "<" && $0 != ">" })
        else { throw invalidMessageID }
    }
}
